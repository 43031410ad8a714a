package org.gradcam4j.backend;

import java.util.List;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.tensor.Tensor;

/**
 * The argument checks every backend makes on forward and backward calls, written once so that all backends
 * refuse the same things with the same messages. Layer indices: -1 is the input, {@code layers().size()} "none".
 */
public final class PassChecks {
    private PassChecks() {}

    /** Checks a forward input and returns the keep index for {@code keepFrom}. */
    public static int forward(Architecture arch, Tensor input, String keepFrom) {
        int s = arch.inputSize();
        if (input.rank() != 4 || input.dim(1) != arch.inputChannels() || input.dim(2) != s || input.dim(3) != s) {
            throw new IllegalArgumentException("input must be (N x " + arch.inputChannels() + " x " + s + " x " + s + "), got " + input);
        }
        if (input.dim(0) == 0) throw new IllegalArgumentException("empty batch");
        return keepIndex(arch, keepFrom);
    }

    /** The keep index for {@code keepFrom}: a layer's index, -1 for the input, the layer count for null (nothing). */
    public static int keepIndex(Architecture arch, String keepFrom) {
        return keepFrom == null ? arch.layers().size() : Architecture.INPUT.equals(keepFrom) ? -1 : arch.indexOf(keepFrom);
    }

    /** Layer index of a name, -1 for {@link Architecture#INPUT}. */
    public static int index(Architecture arch, String layer) {
        return Architecture.INPUT.equals(layer) ? -1 : arch.indexOf(layer);
    }

    /**
     * Checks a backward request against a pass of {@code batch} images that kept layers from {@code keepIndex}
     * up, and returns the index of its stop layer.
     */
    public static int backward(Architecture arch, int batch, int keepIndex, BackwardRequest req) {
        List<LayerSpec> layers = arch.layers();
        if (arch.numClasses() == 0) throw new IllegalStateException(arch.name() + " has no classifier head: nothing to backpropagate from");
        Tensor seeds = req.seeds();
        if (seeds.dim(1) != arch.numClasses()) {
            throw new IllegalArgumentException("seeds have " + seeds.dim(1) + " columns, the model has " + arch.numClasses() + " classes");
        }
        for (int r : req.imageOf()) if (r < 0 || r >= batch) throw new IllegalArgumentException("imageOf entry " + r + " outside the batch of " + batch);
        int stop = index(arch, req.stopAt());
        if (stop < keepIndex) {
            throw new IllegalStateException("backward to '" + req.stopAt() + "' needs the forward pass to keep from there (keepFrom was "
                    + (keepIndex == -1 ? "input" : keepIndex >= layers.size() ? "none" : layers.get(keepIndex).name()) + ")");
        }
        for (String c : req.capture()) {
            if (index(arch, c) < stop) throw new IllegalArgumentException("capture layer '" + c + "' lies below stopAt '" + req.stopAt() + "'");
        }
        for (String w : req.weightGradLayers()) {
            int wi = arch.indexOf(w);
            if (!layers.get(wi).hasWeights()) throw new IllegalArgumentException("layer '" + w + "' has no weights");
            if (wi <= stop) throw new IllegalArgumentException("weight gradients of '" + w + "' need backward below it (stopAt '" + req.stopAt() + "')");
        }
        return stop;
    }

    /** Checks the activations of {@link Network#forwardFrom} and returns the layer's index. */
    public static int forwardFrom(Architecture arch, String layer, Tensor activations) {
        int i = arch.indexOf(layer);
        if (arch.numClasses() == 0) throw new IllegalStateException(arch.name() + " has no classifier head: no logits to forward to");
        if (activations.rank() == 0 || activations.dim(0) == 0) throw new IllegalArgumentException("empty batch");
        int[] want = shape(arch, i, activations.dim(0));
        if (!java.util.Arrays.equals(want, activations.shape())) {
            throw new IllegalArgumentException("activations of '" + layer + "' must be " + java.util.Arrays.toString(want)
                    + ", got " + activations);
        }
        return i;
    }

    /**
     * Checks {@link ForwardPass#ablatedLogits} on a pass of {@code batch} images that kept layers from
     * {@code keepIndex} up, and returns the layer's index.
     */
    public static int ablated(Architecture arch, int batch, int keepIndex, String layer, int image, int first, int to) {
        int i = arch.indexOf(layer);
        if (arch.numClasses() == 0) throw new IllegalStateException(arch.name() + " has no classifier head: no logits to forward to");
        if (i < keepIndex && i != arch.layers().size() - 1) {
            throw new IllegalStateException("activation of '" + layer + "' was not kept: forward with keepFrom at or below it");
        }
        if (image < 0 || image >= batch) throw new IllegalArgumentException("image " + image + " outside the pass's batch of " + batch);
        int channels = shape(arch, i, 1)[1];
        if (first < 0 || to > channels || first >= to) {
            throw new IllegalArgumentException("ablated channels " + first + ".." + to + " outside the layer's " + channels);
        }
        return i;
    }

    /** Checks new parameters for {@link Network#updateParameters} and returns the layer's index. */
    public static int parameters(Architecture arch, String layer, Tensor kernel, Tensor bias) {
        int i = arch.indexOf(layer);
        LayerSpec l = arch.layers().get(i);
        if (!l.hasWeights()) throw new IllegalArgumentException("layer '" + layer + "' has no parameters");
        if (!java.util.Arrays.equals(kernel.shape(), l.kernelShape()) || (bias == null) == l.bias()) {
            throw new IllegalArgumentException("parameters of the wrong shape for '" + layer + "'");
        }
        return i;
    }

    /** The shape of {@code rows} values of a layer's output (-1: the input), as every API exposes it. */
    public static int[] shape(Architecture arch, int layer, int rows) {
        if (layer < 0) return new int[] {rows, arch.inputChannels(), arch.inputSize(), arch.inputSize()};
        LayerSpec l = arch.layers().get(layer);
        return l.isSpatial() ? new int[] {rows, l.outChannels(), l.outSize(), l.outSize()} : new int[] {rows, l.outChannels()};
    }
}
