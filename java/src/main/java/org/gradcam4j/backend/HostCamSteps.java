package org.gradcam4j.backend;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.method.MapOps;
import org.gradcam4j.method.NormalisedMaps;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.tensor.Tensor;

/**
 * {@link ForwardPass#camMaps} on the host, from a pass's {@link ForwardPass#activation} and
 * {@link ForwardPass#backward}, with {@link CamMath} and {@link MapOps}: the CPU backend's implementation (the
 * reference every other backend is compared with). One GRADIENT-rule backward serves every gradient-based method
 * (and the vanilla input gradient, when asked); every other ReLU rule needed gets its own backward to the input.
 */
public final class HostCamSteps {
    private HostCamSteps() {}

    public static CamMaps compute(ForwardPass pass, CamRequest r) {
        int[] imageOf = r.imageOf();
        Tensor act = r.methods().isEmpty() ? null : pass.activation(r.layer());
        Map<Method, CamLayerMaps> layerMaps = new LinkedHashMap<>();
        Map<ReluRule, Tensor> inputGrads = new LinkedHashMap<>();
        boolean camGradients = r.methods().stream().anyMatch(Method::needsLayerGradients);
        boolean vanilla = r.inputGradients().contains(ReluRule.GRADIENT);
        if (camGradients || vanilla) {
            Gradients g = pass.backward(new BackwardRequest(r.seeds(), imageOf, vanilla ? Architecture.INPUT : r.layer(),
                    ReluRule.GRADIENT, camGradients ? Set.of(r.layer()) : Set.of(), Set.of()));
            for (Method m : r.methods()) {
                if (m.needsLayerGradients()) layerMaps.put(m, CamMath.compute(m, act, g.at(r.layer()), imageOf));
            }
            if (vanilla) inputGrads.put(ReluRule.GRADIENT, g.at(Architecture.INPUT));
        }
        if (r.methods().contains(Method.CAM)) layerMaps.put(Method.CAM, CamMath.cam(act, r.linearWeights(), r.classOf(), imageOf));

        Set<ReluRule> rules = new java.util.LinkedHashSet<>(r.inputGradients());
        if (!r.guidedProducts().isEmpty()) rules.add(ReluRule.GUIDED);
        for (ReluRule rule : rules) {
            if (inputGrads.containsKey(rule)) continue;
            inputGrads.put(rule, pass.backward(new BackwardRequest(r.seeds(), imageOf, Architecture.INPUT, rule, Set.of(), Set.of()))
                    .at(Architecture.INPUT));
        }

        Map<Method, NormalisedMaps> normalised = new LinkedHashMap<>();
        Map<Method, CamLayerMaps> ordered = new LinkedHashMap<>();
        for (Method m : r.methods()) {
            CamLayerMaps lm = layerMaps.get(m);
            ordered.put(m, lm);
            normalised.put(m, MapOps.normaliseByMax(MapOps.upsampleBilinear(lm.layerMaps(), r.outSize(), r.outSize())));
        }
        Map<Method, Tensor> products = new LinkedHashMap<>();
        for (Method m : r.guidedProducts()) {
            products.put(m, MapOps.guidedProduct(inputGrads.get(ReluRule.GUIDED), normalised.get(m).maps()));
        }
        inputGrads.keySet().retainAll(r.inputGradients());
        return new CamMaps(ordered, normalised, inputGrads, products);
    }
}
