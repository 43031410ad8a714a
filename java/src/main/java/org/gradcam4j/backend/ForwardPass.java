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

    /**
     * Ablation-CAM's ablated passes from this pass's own activations: the logits ((to - first) x classes) of copies
     * {@code first .. to-1} of row {@code image}'s output of {@code layer} ({@link AblatedActivations#make}: channel
     * {@code k} zeroed in copy {@code k}), run from that layer on. A device backend builds the copies where the
     * activation already is, so it never crosses the bus. Empty where the backend has no such path (the default): the
     * caller then makes the copies on the host and runs them with {@link Network#forwardFrom}. The pass must keep
     * {@code layer}; it stays open and unchanged.
     */
    default java.util.Optional<Tensor> ablatedLogits(String layer, int image, int first, int to) {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
