package org.gradcam4j.explain;

import java.util.Collection;
import java.util.Map;
import org.gradcam4j.backend.Network;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;

/**
 * The facade's step for the methods of docs/ALGORITHMS.md section 8 that are not a formula over one pass's
 * activations and gradients: Eigen-CAM's projection, and the methods that run the network again (Score-CAM,
 * Ablation-CAM, Occlusion, SmoothGrad, Integrated Gradients), each in its own class.
 *
 * @param network     the explainer's network
 * @param input       (N x C x S x S) the batch
 * @param activations (N x C x h x w) the target layer's activations
 * @param logits      (N x classes) the batch's logits
 * @param probability whether the score is the softmax probability
 * @param blackPixel  the input value of a black pixel per channel (Occlusion's fill, IG's default baseline)
 * @param ablated     runs Ablation-CAM's ablated activations from the target layer on
 */
record ExtraMethods(Network network, Tensor input, Tensor activations, Tensor logits, int[] imageOf, int[] classOf,
                    boolean probability, MethodSettings settings, int maxBatch, float[] blackPixel, AblationCam.AblatedLogits ablated) {

    /**
     * Adds the layer maps of the CAM-type methods among {@code methods} this step computes; Occlusion's map at the
     * input's size (not an upsampled layer map) goes to {@code inputSizeMaps}.
     */
    void camMaps(Collection<Method> methods, Map<Method, CamLayerMaps> layerMaps, Map<Method, Tensor> inputSizeMaps) {
        for (Method m : methods) {
            switch (m.weights()) {
                case EIGEN -> layerMaps.put(m, CamMath.eigenCam(activations, imageOf));
                case SCORE -> layerMaps.put(m, ScoreCam.compute(network, input, activations, imageOf, classOf, probability,
                        settings.scoreCamForm(), maxBatch));
                case ABLATION -> layerMaps.put(m, AblationCam.compute(ablated, activations, logits, imageOf, classOf, probability, maxBatch));
                case OCCLUSION -> {
                    Occlusion.Result occ = Occlusion.compute(network, input, blackPixel, logits, imageOf, classOf, probability,
                            settings.occlusionPatch(), settings.occlusionStride(), maxBatch);
                    layerMaps.put(m, new CamLayerMaps(m, null, occ.grid()));
                    inputSizeMaps.put(m, occ.map());
                }
                default -> { }
            }
        }
    }

    /**
     * Adds the input attributions ((M x C x S x S), model channel order) of the sampled gradient methods among
     * {@code methods}, and Integrated Gradients' completeness gaps.
     */
    void gradients(Collection<Method> methods, Map<Method, Tensor> values, Map<Method, double[]> gaps) {
        for (Method m : methods) {
            switch (m.sampling()) {
                case NOISE -> values.put(m, SmoothGrad.compute(network, input, imageOf, classOf, probability, m.reluRule(), settings, maxBatch));
                case PATH -> {
                    float[] baseline = settings.igBaseline() == MethodSettings.IgBaseline.BLACK ? blackPixel : new float[input.dim(1)];
                    IntegratedGradients.Result r = IntegratedGradients.compute(network, input, baseline, logits, imageOf, classOf,
                            probability, settings, maxBatch);
                    values.put(m, r.values());
                    gaps.put(m, r.gaps());
                }
                case NONE -> { }
            }
        }
    }
}
