package org.gradcam4j.backend;

import org.gradcam4j.model.Architecture;
import org.gradcam4j.tensor.Tensor;

/** A model prepared on a backend. Thread-safety: one forward pass at a time per network (see implementations). */
public interface Network extends AutoCloseable {
    Architecture architecture();

    /**
     * Runs a batch forward.
     *
     * @param input    (N x 3 x H x W) preprocessed input in the model's channel order
     * @param keepFrom the deepest point any later backward on this pass will reach: a layer name,
     *                 {@code Architecture.INPUT} for everything, or {@code null} when no backward will follow.
     *                 Only what backward needs from there up is kept.
     */
    ForwardPass forward(Tensor input, String keepFrom);

    /**
     * Replaces one layer's parameters (canonical layout, as in {@link org.gradcam4j.model.ModelWeights}) in place,
     * so that a training loop need not prepare the whole network again after every step. Forward passes already
     * open keep what they computed. Returns false where a backend cannot; the caller then loads the model afresh.
     *
     * @param bias null for a layer without one
     */
    default boolean updateParameters(String layer, Tensor kernel, Tensor bias) { return false; }

    @Override
    void close();
}
