package org.gradcam4j.method;

import org.gradcam4j.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The CAM-family explanation methods (docs/ALGORITHMS.md section 3). Each produces one map per seed at the
 * target layer; the token is what the CLI accepts and what output file names carry.
 */
public enum CamMethod {
    GRADCAM("gradcam", "Grad-CAM"),
    GRADCAM_PP("gradcampp", "Grad-CAM++"),
    /** Grad-CAM++ as the authors' repository computes it (zero denominators to 1, per-channel alpha normalisation). */
    GRADCAM_PP_OFFICIAL("gradcampp-official", "Grad-CAM++ (official)"),
    /** Class activation mapping: needs a global-average-pool + linear head, uses no gradients. */
    CAM("cam", "CAM"),
    HIRESCAM("hirescam", "HiResCAM"),
    XGRADCAM("xgradcam", "XGrad-CAM"),
    LAYERCAM("layercam", "LayerCAM"),
    /** Grad-CAM with the gradients negated: regions whose removal would raise the score. */
    COUNTERFACTUAL("counterfactual", "counterfactual Grad-CAM");

    private final String token;
    private final String displayName;

    CamMethod(String token, String displayName) {
        this.token = token;
        this.displayName = displayName;
    }

    /** The file-name and command-line token, e.g. {@code gradcampp-official}. */
    public String token() { return token; }

    /** A human-readable name for labels and logs. */
    public String displayName() { return displayName; }

    /** Whether the method reads {@code dScore/dA}; only CAM does not. */
    public boolean needsGradients() { return this != CAM; }

    /** Whether the method produces one weight per channel (HiResCAM and LayerCAM weight per position instead). */
    public boolean hasChannelWeights() { return this != HIRESCAM && this != LAYERCAM; }

    /** Whether the layer map is passed through ReLU; CAM keeps its signed map. */
    public boolean appliesRelu() { return this != CAM; }

    public static CamMethod parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (CamMethod m : values()) if (m.token.equals(t)) return m;
        throw new InvalidInputException("unknown CAM method '" + s + "' (expected one of "
                + Arrays.stream(values()).map(CamMethod::token).collect(Collectors.joining(", ")) + ")");
    }

    @Override public String toString() { return token; }
}
