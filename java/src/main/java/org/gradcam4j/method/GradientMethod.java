package org.gradcam4j.method;

import org.gradcam4j.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.gradcam4j.backend.ReluRule;

/**
 * The gradient-family methods (docs/ALGORITHMS.md section 4): gradients of the score w.r.t. the input image
 * ({@code M x 3 x H x W}), obtained with one ReLU backward rule, optionally multiplied by a CAM map.
 */
public enum GradientMethod {
    VANILLA("vanilla", "gradient", ReluRule.GRADIENT, null),
    GUIDED("guided", "guided backprop", ReluRule.GUIDED, null),
    DECONVNET("deconvnet", "deconvnet", ReluRule.DECONVNET, null),
    /** Guided backpropagation times the upsampled, max-normalised Grad-CAM of the same class. */
    GUIDED_GRADCAM("guided-gradcam", "guided Grad-CAM", ReluRule.GUIDED, CamMethod.GRADCAM),
    /** Guided backpropagation times the upsampled, max-normalised Grad-CAM++ of the same class. */
    GUIDED_GRADCAMPP("guided-gradcampp", "guided Grad-CAM++", ReluRule.GUIDED, CamMethod.GRADCAM_PP);

    private final String token;
    private final String displayName;
    private final ReluRule reluRule;
    private final CamMethod guidingCam;

    GradientMethod(String token, String displayName, ReluRule reluRule, CamMethod guidingCam) {
        this.token = token;
        this.displayName = displayName;
        this.reluRule = reluRule;
        this.guidingCam = guidingCam;
    }

    /** The file-name and command-line token, e.g. {@code guided-gradcam}. */
    public String token() { return token; }

    public String displayName() { return displayName; }

    /** The rule the backward pass applies at every ReLU. */
    public ReluRule reluRule() { return reluRule; }

    /** The CAM method whose normalised map multiplies the gradient, if any. */
    public Optional<CamMethod> guidingCam() { return Optional.ofNullable(guidingCam); }

    public static GradientMethod parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (GradientMethod m : values()) if (m.token.equals(t)) return m;
        throw new InvalidInputException("unknown gradient method '" + s + "' (expected one of "
                + Arrays.stream(values()).map(GradientMethod::token).collect(Collectors.joining(", ")) + ")");
    }

    @Override public String toString() { return token; }
}
