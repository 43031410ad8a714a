package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.augment.AugmentedGradCam.Aggregation;
import org.gradcam4j.method.CamMethod;
import org.gradcam4j.method.GradientMethod;

/**
 * What to compute for a batch of images.
 *
 * @param methods     method tokens ({@code gradcam}, {@code gradcampp}, {@code guided}, ...), see {@link #parseMethods}
 * @param targets     which classes per image
 * @param layer       the target layer for CAM-family methods, or null for the model's default (last conv)
 * @param score       logit (default) or probability
 * @param predictions how many top predictions to report per image
 * @param augmentation the copies, seed and solver of the {@code augmented-*} methods (ignored by the others)
 */
public record ExplainRequest(List<String> methods, Targets targets, String layer, Score score, int predictions,
                             AugmentedGradCam.Settings augmentation) {
    public ExplainRequest {
        methods = List.copyOf(methods);
        if (methods.isEmpty()) throw new IllegalArgumentException("no methods requested");
        parseMethods(methods); // validates
        if (predictions < 1) throw new IllegalArgumentException("predictions must be >= 1");
        if (augmentation == null) throw new IllegalArgumentException("augmentation settings must not be null");
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

    public ExplainRequest withLayer(String l) { return new ExplainRequest(methods, targets, l, score, predictions, augmentation); }
    public ExplainRequest withScore(Score s) { return new ExplainRequest(methods, targets, layer, s, predictions, augmentation); }
    public ExplainRequest withAugmentation(AugmentedGradCam.Settings a) { return new ExplainRequest(methods, targets, layer, score, predictions, a); }

    /**
     * The requested methods split by family, in request order, duplicates removed.
     *
     * @param augmented the {@code augmented-*} methods: Grad-CAM aggregated over augmented copies
     */
    public record Parsed(List<CamMethod> cams, List<GradientMethod> gradients, List<Aggregation> augmented) {
        public Parsed(List<CamMethod> cams, List<GradientMethod> gradients) { this(cams, gradients, List.of()); }
    }

    /** The token that stands for every method (CAM only where the network has a GAP head: see {@link #allMethods}). */
    public static final String ALL = "all";

    /** Every method token, in display order: the CAM family, the augmented aggregations, the gradient family. */
    public static List<String> allMethods(boolean gapHead) {
        List<String> all = new ArrayList<>();
        for (CamMethod m : CamMethod.values()) if (m != CamMethod.CAM || gapHead) all.add(m.token());
        for (org.gradcam4j.augment.AugmentedGradCam.Aggregation a : org.gradcam4j.augment.AugmentedGradCam.Aggregation.values()) all.add(a.token());
        for (GradientMethod m : GradientMethod.values()) all.add(m.token());
        return all;
    }

    public static Parsed parseMethods(List<String> tokens) {
        Set<CamMethod> cams = new LinkedHashSet<>();
        Set<GradientMethod> grads = new LinkedHashSet<>();
        Set<Aggregation> augmented = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String raw : tokens) {
            String t = raw.trim();
            if (t.isEmpty()) continue;
            boolean found = false;
            for (CamMethod m : CamMethod.values()) if (m.token().equalsIgnoreCase(t)) { cams.add(m); found = true; }
            for (GradientMethod m : GradientMethod.values()) if (m.token().equalsIgnoreCase(t)) { grads.add(m); found = true; }
            Aggregation a = Aggregation.ofToken(t);
            if (a != null) { augmented.add(a); found = true; }
            if (!found) unknown.add(t);
        }
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            for (CamMethod m : CamMethod.values()) known.add(m.token());
            for (GradientMethod m : GradientMethod.values()) known.add(m.token());
            for (Aggregation m : Aggregation.values()) known.add(m.token());
            throw new InvalidInputException("unknown method" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known: " + String.join(", ", known) + ")");
        }
        return new Parsed(List.copyOf(cams), List.copyOf(grads), List.copyOf(augmented));
    }
}
