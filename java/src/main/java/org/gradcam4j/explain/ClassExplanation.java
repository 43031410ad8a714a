package org.gradcam4j.explain;

import java.util.Map;

/** Every requested method's result for one class of one image. Maps keyed by method token, in request order. */
public record ClassExplanation(int classIndex, String id, String name, float logit, float probability,
                               Map<String, MapResult> maps, Map<String, GradientResult> gradients) {
    public ClassExplanation {
        maps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(maps));
        gradients = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(gradients));
    }
}
