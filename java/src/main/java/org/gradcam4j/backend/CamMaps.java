package org.gradcam4j.backend;

import java.util.Map;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.Method;
import org.gradcam4j.method.NormalisedMaps;
import org.gradcam4j.tensor.Tensor;

/**
 * What {@link ForwardPass#camMaps} hands back.
 *
 * @param layerMaps      per method: its layer maps (M x h x w) and channel weights (M x C, where it has them)
 * @param normalised     per method: the layer maps upsampled to (M x S x S) and divided by their maximum, with the
 *                       empty flags
 * @param inputGradients per requested ReLU rule: the input gradient (M x 3 x S x S, the model's channel order)
 * @param guidedProducts per requested method: guided-backprop input gradient x its normalised map (M x 3 x S x S,
 *                       the model's channel order)
 */
public record CamMaps(Map<Method, CamLayerMaps> layerMaps, Map<Method, NormalisedMaps> normalised,
                      Map<ReluRule, Tensor> inputGradients, Map<Method, Tensor> guidedProducts) {
    public CamMaps {
        layerMaps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(layerMaps));
        normalised = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(normalised));
        inputGradients = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputGradients));
        guidedProducts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(guidedProducts));
    }
}
