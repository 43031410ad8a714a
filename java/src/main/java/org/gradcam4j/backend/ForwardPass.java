package org.gradcam4j.backend;

import org.gradcam4j.tensor.Tensor;

/** The state of one batch's forward pass: its outputs and whatever backward needs. Close to release memory. */
public interface ForwardPass extends AutoCloseable {
    int batchSize();

    /** (N x classes) class logits (pre-softmax). Empty head: an error. */
    Tensor logits();

    /**
     * (N x C x h x w) output of a kept layer, after its ReLU ((N x C) for fc layers). Layers below
     * {@code keepFrom} are not kept and are an error here.
     */
    Tensor activation(String layer);

    /** Backward from per-seed logit gradients; may be called several times on one pass. */
    Gradients backward(BackwardRequest request);

    @Override
    void close();
}
