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
     * Memory of the backend's own that a batch of {@code n} inputs can be written into directly
     * ({@link StagedInput}), or empty where the backend has none (the CPU backend) or none is free now; the caller
     * then builds a tensor and calls {@link #forward(Tensor, String)}. Either way the results are the same.
     */
    default java.util.Optional<StagedInput> stageInput(int n) { return java.util.Optional.empty(); }

    /**
     * {@link #forward(Tensor, String)} on an input staged by this network and made {@link StagedInput#ready()}; the
     * pass keeps its own copy, so the staged input may be closed as soon as this returns.
     *
     * @throws IllegalArgumentException when the input was not staged by this network
     * @throws IllegalStateException    when it is not ready or already closed
     */
    default ForwardPass forward(StagedInput input, String keepFrom) {
        throw new IllegalArgumentException("this network stages no inputs (stageInput is empty)");
    }

    /**
     * A forward pass over {@code n} augmented copies of one image made by the backend itself (on a GPU: warped on
     * the device, so the copies never cross the bus), or empty where the backend has no such path and the caller
     * warps on the host. Copy {@code k} is {@code T_k (image - fill) + fill} per channel, bilinear, with
     * {@code T_k} the affine map {@code source = (a0 x + a1 y + a2, a3 x + a4 y + a5)} of output pixel
     * {@code (x, y)}, exactly as {@code org.gradcam4j.augment.Augmentations.warpInput} computes it.
     *
     * @param image    (C x S x S) preprocessed input
     * @param fill     (C) the value the warp fills with
     * @param affine   (n x 6) per copy {@code a0..a5}
     * @param identity (n) copies that are the image itself
     */
    default java.util.Optional<ForwardPass> forwardWarped(Tensor image, float[] fill, double[] affine, boolean[] identity,
                                                          String keepFrom) {
        return java.util.Optional.empty();
    }

    /**
     * A forward pass over copies {@code from .. to-1} of one image made by a recipe ({@link InputCopies}: Score-CAM's
     * masked inputs, Integrated Gradients' path points, Occlusion's occluded inputs, SmoothGrad's noisy copies). Here
     * the host makes them ({@link InputCopies#make}) and runs {@link #forward(Tensor, String)}; a backend may make
     * them itself (the CUDA backend: on the device from the one uploaded image), with the same values.
     *
     * @param image (C x S x S) preprocessed input
     */
    default ForwardPass forwardCopies(Tensor image, InputCopies copies, int from, int to, String keepFrom) {
        copies.check(architecture(), image, from, to);
        return forward(copies.make(image, from, to), keepFrom);
    }

    /**
     * The logits of a batch whose {@code layer} output is given instead of computed: the layers above {@code layer}
     * run on {@code activations} (after the layer's ReLU, as {@link ForwardPass#activation} returns them), the layers
     * below do not run at all. Ablation-CAM forwards its ablated activations this way. Empty where the backend has
     * no such path (the caller then runs it elsewhere); nothing is kept for a backward pass.
     *
     * @param activations (n x C x h x w) for a spatial layer, (n x C) for an fc layer
     * @return (n x classes) logits
     */
    default java.util.Optional<Tensor> forwardFrom(String layer, Tensor activations) {
        return java.util.Optional.empty();
    }

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
