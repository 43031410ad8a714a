package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.tensor.Tensor;

/** A 3x3 convolution's parameters rearranged once for the CPU kernels. */
final class ConvWeights {
    final int cout, cin;
    /** (9, cout, cin): one (cout x cin) matrix per tap t = kh*3 + kw; null for a layer that runs only Winograd. */
    final FloatBuffer taps;
    /** (cout, 9*cin) with column t*cin + c, for the im2col path (small cin); null otherwise. */
    final FloatBuffer cols;
    final float[] bias;

    /** @param kernel (cout, cin, 3, 3) canonical; @param bias (cout) */
    ConvWeights(Tensor kernel, Tensor bias) { this(kernel, bias, true); }

    /**
     * @param direct whether the direct (shifted-GEMM) kernels will use this layer; when not (Winograd both ways),
     *               only the bias is kept, which saves a copy of the kernel (59 MB for VGG16)
     */
    ConvWeights(Tensor kernel, Tensor bias, boolean direct) {
        cout = kernel.dim(0);
        cin = kernel.dim(1);
        this.bias = bias.toArray();
        if (!direct) {
            taps = null;
            cols = null;
            return;
        }
        float[] k = kernel.onHeap() ? kernel.data() : kernel.toArray(); // a mapped kernel stays a view in the model
        taps = Buffers.allocate(9L * cout * cin, "conv weights");
        for (int o = 0; o < cout; o++) {
            for (int c = 0; c < cin; c++) {
                for (int t = 0; t < 9; t++) taps.put((t * cout + o) * cin + c, k[(o * cin + c) * 9 + t]);
            }
        }
        if (cin < LayerOps.IM2COL_BELOW) {
            cols = Buffers.allocate(9L * cout * cin, "conv weights");
            for (int o = 0; o < cout; o++) {
                for (int t = 0; t < 9; t++) {
                    for (int c = 0; c < cin; c++) cols.put(o * 9 * cin + t * cin + c, k[(o * cin + c) * 9 + t]);
                }
            }
        } else {
            cols = null;
        }
    }
}
