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

    /**
     * The CAM-family step of an explanation on this pass (docs/ALGORITHMS.md sections 3 and 4): the layer maps and
     * channel weights of every requested method, their upsampled max-normalised maps, the requested input gradients
     * and Guided Grad-CAM products. The default computes on the host from {@link #activation} and {@link #backward}
     * ({@link HostCamSteps}, the CPU backend's way); a device backend computes where the activations live and
     * returns only the results. The pass must keep the target layer (and the input, when input gradients or
     * products are asked for).
     */
    default CamMaps camMaps(CamRequest request) { return HostCamSteps.compute(this, request); }

    @Override
    void close();
}
