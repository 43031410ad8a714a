package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.tensor.Tensor;

/** A fully-connected layer's parameters: kernel (out, in) as a direct buffer, bias (out) or null. */
final class FcWeights {
    final int out, in;
    final FloatBuffer kernel;
    final float[] bias;

    FcWeights(Tensor kernel, Tensor bias) {
        out = kernel.dim(0);
        in = kernel.dim(1);
        this.kernel = Buffers.copyOf(kernel.data(), "fc weights");
        this.bias = bias == null ? null : bias.data().clone();
    }
}
