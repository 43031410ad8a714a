package org.gradcam4j.backend;

import java.util.Map;
import org.gradcam4j.tensor.Tensor;

/**
 * The result of a backward pass.
 *
 * @param layerGrads  layer name (or {@code input}) to the gradient w.r.t. that layer's output (after its ReLU),
 *                    (M x C x h x w) for spatial layers, (M x C) for fc layers; (M x 3 x H x W) for the input
 * @param weightGrads {@code <layer>/kernel} and {@code <layer>/bias} to gradients in the canonical layout
 */
public record Gradients(Map<String, Tensor> layerGrads, Map<String, Tensor> weightGrads) {
    public Gradients {
        layerGrads = Map.copyOf(layerGrads);
        weightGrads = Map.copyOf(weightGrads);
    }

    public Tensor at(String layer) {
        Tensor t = layerGrads.get(layer);
        if (t == null) throw new IllegalArgumentException("no gradient captured for '" + layer + "'; captured: " + layerGrads.keySet());
        return t;
    }
}
