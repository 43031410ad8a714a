package org.gradcam4j.backend;

import org.gradcam4j.tensor.Tensor;

/**
 * Ablation-CAM's ablated activations (docs/ALGORITHMS.md section 8): copy {@code k} of one image's target-layer
 * activation with channel {@code k} set to zero, every other value as it was. This is the host definition; a backend
 * may build the copies itself from the activation it already holds ({@link ForwardPass#ablatedLogits}; the CUDA
 * backend does, on the device, with {@code kernels/ablated_copies.cuh}, whose reference
 * {@code InputCopiesKernelReferenceTest} holds to this class bit for bit).
 */
public final class AblatedActivations {
    private AblatedActivations() {}

    /**
     * Copies {@code first .. to-1} of {@code activation} (C x h x w), as ((to - first) x C x h x w): copy {@code k}
     * has channel {@code k} zeroed.
     */
    public static Tensor make(Tensor activation, int first, int to) {
        if (activation.rank() != 3) throw new IllegalArgumentException("activation must be (C x h x w), got " + activation);
        int c = activation.dim(0), plane = activation.dim(1) * activation.dim(2), per = c * plane;
        if (first < 0 || to > c || first >= to) throw new IllegalArgumentException("ablated channels " + first + ".." + to + " outside the activation's " + c);
        float[] a = activation.data(), b = new float[(to - first) * per];
        for (int k = first; k < to; k++) {
            int off = (k - first) * per;
            System.arraycopy(a, 0, b, off, per);
            java.util.Arrays.fill(b, off + k * plane, off + (k + 1) * plane, 0f);
        }
        return new Tensor(b, to - first, c, activation.dim(1), activation.dim(2));
    }
}
