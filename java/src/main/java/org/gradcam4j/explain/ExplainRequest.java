package org.gradcam4j.explain;

import java.util.List;
import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.method.Method;

/**
 * What to compute for a batch of images.
 *
 * @param methods     method tokens ({@code gradcam}, {@code gradcampp}, {@code guided}, ...) of the table {@link Method}
 * @param targets     which classes per image
 * @param layer       the target layer for CAM-family methods, or null for the model's default (last conv)
 * @param score       logit (default) or probability
 * @param predictions how many top predictions to report per image
 * @param augmentation the copies, seed and solver of the {@code augmented-*} methods (ignored by the others)
 * @param methodSettings the parameters of Score-CAM, SmoothGrad, Integrated Gradients and Occlusion (ignored by the others)
 */
public record ExplainRequest(List<String> methods, Targets targets, String layer, Score score, int predictions,
                             AugmentedGradCam.Settings augmentation, MethodSettings methodSettings) {
    public ExplainRequest {
        methods = List.copyOf(methods);
        if (methods.isEmpty()) throw new IllegalArgumentException("no methods requested");
        Method.parseList(methods, true); // validates
        if (predictions < 1) throw new IllegalArgumentException("predictions must be >= 1");
        if (augmentation == null) throw new IllegalArgumentException("augmentation settings must not be null");
        if (methodSettings == null) throw new IllegalArgumentException("method settings must not be null");
    }

    /** A request with the default settings of the sampling and perturbation methods. */
    public ExplainRequest(List<String> methods, Targets targets, String layer, Score score, int predictions,
                          AugmentedGradCam.Settings augmentation) {
        this(methods, targets, layer, score, predictions, augmentation, MethodSettings.defaults());
    }

    /** A request with the default augmentation settings (100 copies, seed 0, the converged solver). */
    public ExplainRequest(List<String> methods, Targets targets, String layer, Score score, int predictions) {
        this(methods, targets, layer, score, predictions, AugmentedGradCam.Settings.defaults());
    }

    /** Grad-CAM of the top class: the default request. */
    public static ExplainRequest gradCam() {
        return new ExplainRequest(List.of("gradcam"), Targets.topK(1), null, Score.LOGIT, 5);
    }

    public static ExplainRequest of(List<String> methods, Targets targets) {
        return new ExplainRequest(methods, targets, null, Score.LOGIT, 5);
    }

    public ExplainRequest withLayer(String l) { return new ExplainRequest(methods, targets, l, score, predictions, augmentation, methodSettings); }
    public ExplainRequest withScore(Score s) { return new ExplainRequest(methods, targets, layer, s, predictions, augmentation, methodSettings); }
    public ExplainRequest withAugmentation(AugmentedGradCam.Settings a) { return new ExplainRequest(methods, targets, layer, score, predictions, a, methodSettings); }
    public ExplainRequest withMethodSettings(MethodSettings m) { return new ExplainRequest(methods, targets, layer, score, predictions, augmentation, m); }

    /** The requested methods, parsed by the method table, in request order, duplicates removed. */
    public List<Method> parsedMethods() { return Method.parseList(methods, true); }
}
