package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.tensor.Tensor;

/**
 * A fully-connected layer's parameters: kernel (out, in) as a direct buffer, bias (out) or null. The canonical layout is
 * the GEMMs' layout, so a kernel mapped from a model file is used where it lies ({@link Buffers#ready}).
 */
final class FcWeights {
    final int out, in;
    final FloatBuffer kernel;
    final float[] bias;

    FcWeights(Tensor kernel, Tensor bias) {
        out = kernel.dim(0);
        in = kernel.dim(1);
        this.kernel = Buffers.ready(kernel, "fc weights");
        this.bias = bias == null ? null : bias.toArray();
    }
}
