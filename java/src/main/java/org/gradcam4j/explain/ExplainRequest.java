package org.gradcam4j.explain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
 */
public record ExplainRequest(List<String> methods, Targets targets, String layer, Score score, int predictions) {
    public ExplainRequest {
        methods = List.copyOf(methods);
        if (methods.isEmpty()) throw new IllegalArgumentException("no methods requested");
        parseMethods(methods); // validates
        if (predictions < 1) throw new IllegalArgumentException("predictions must be >= 1");
    }

    /** Grad-CAM of the top class: the default request. */
    public static ExplainRequest gradCam() {
        return new ExplainRequest(List.of("gradcam"), Targets.topK(1), null, Score.LOGIT, 5);
    }

    public static ExplainRequest of(List<String> methods, Targets targets) {
        return new ExplainRequest(methods, targets, null, Score.LOGIT, 5);
    }

    public ExplainRequest withLayer(String l) { return new ExplainRequest(methods, targets, l, score, predictions); }
    public ExplainRequest withScore(Score s) { return new ExplainRequest(methods, targets, layer, s, predictions); }

    /** The requested methods split by family, in request order, duplicates removed. */
    public record Parsed(List<CamMethod> cams, List<GradientMethod> gradients) {}

    public static Parsed parseMethods(List<String> tokens) {
        Set<CamMethod> cams = new LinkedHashSet<>();
        Set<GradientMethod> grads = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String raw : tokens) {
            String t = raw.trim();
            if (t.isEmpty()) continue;
            boolean found = false;
            for (CamMethod m : CamMethod.values()) if (m.token().equalsIgnoreCase(t)) { cams.add(m); found = true; }
            for (GradientMethod m : GradientMethod.values()) if (m.token().equalsIgnoreCase(t)) { grads.add(m); found = true; }
            if (!found) unknown.add(t);
        }
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            for (CamMethod m : CamMethod.values()) known.add(m.token());
            for (GradientMethod m : GradientMethod.values()) known.add(m.token());
            throw new IllegalArgumentException("unknown method" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known: " + String.join(", ", known) + ")");
        }
        return new Parsed(List.copyOf(cams), List.copyOf(grads));
    }
}
