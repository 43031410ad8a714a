package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.tensor.KerasDenseOrder;
import org.gradcam4j.tensor.Tensor;

/**
 * A fully-connected layer's parameters: kernel as a direct buffer, bias (out) or null. The kernel is in one of two
 * layouts, both read where they lie when they are direct memory at a float-aligned address ({@link Buffers#ready}):
 * <ul>
 * <li>canonical {@code (out, in)}, inputs in {@code (c, h, w)} order (a model file's kernel, mapped; anything else,
 *     copied);</li>
 * <li>Keras's {@code (in, out)}, inputs in {@code (h, w, c)} order ({@link #inputMajor}): a Keras file's kernel mapped as
 *     it lies ({@link Tensor#stored()}). The GEMMs take the other transpose, and a spatial input is flattened in
 *     {@code (h, w, c)} order to match (its gradient unflattened from it), so that 494 MB of VGG16's weights are
 *     neither copied nor reordered at load.</li>
 * </ul>
 */
final class FcWeights {
    final int out, in;
    final FloatBuffer kernel;
    /** Whether {@link #kernel} is Keras's {@code (in, out)} with inputs in {@code (h, w, c)} order, not {@code (out, in)}. */
    final boolean inputMajor;
    final float[] bias;

    FcWeights(Tensor kernel, Tensor bias) {
        out = kernel.dim(0);
        in = kernel.dim(1);
        KerasDenseOrder order = kernel.storedOrder();
        FloatBuffer stored = kernel.stored();
        inputMajor = order != null && stored != null;
        // in Keras's order the values are taken as stored: where they are when aligned, else one plain bulk copy
        this.kernel = inputMajor ? Buffers.ready(Tensor.view(stored, stored.remaining()), "fc weights")
                : Buffers.ready(kernel, "fc weights");
        this.bias = bias == null ? null : bias.toArray();
    }

    /** The stored kernel's leading dimension (row length): {@code in}, or {@code out} in Keras's order. */
    int ld() { return inputMajor ? out : in; }

    /** Where W[o][i] (W the canonical {@code (out, in)} matrix) lies in {@link #kernel}. */
    int at(int o, int i) { return inputMajor ? i * out + o : o * in + i; }

    /** The BLAS transpose flag that reads W as op(W) ({@code transposeW}: W^T) from the stored kernel. */
    boolean op(boolean transposeW) { return transposeW != inputMajor; }
}
