package org.gradcam4j.cli;

import org.gradcam4j.explain.MethodSettings;
import picocli.CommandLine.Option;

/** Options of the forward-heavy and sampling methods (docs/ALGORITHMS.md section 8), shared by {@code explain} and {@code eval}. */
final class MethodOptions {
    @Option(names = "--scorecam-form", defaultValue = "pytorch-grad-cam", paramLabel = "FORM",
            description = "scorecam: pytorch-grad-cam (its ScoreCAM exactly: aligned-corner masks, softmax of the scores over channels) "
                    + "or paper (probability increase over the zero input, no softmax) (default: ${DEFAULT-VALUE})")
    String scoreCamForm;

    @Option(names = "--smooth-samples", defaultValue = "50", paramLabel = "N", description = "smoothgrad*: noisy copies per image (default: ${DEFAULT-VALUE})")
    int smoothSamples;

    @Option(names = "--smooth-noise", defaultValue = "0.15", paramLabel = "F",
            description = "smoothgrad*: noise sigma as a fraction of the input's max - min (default: ${DEFAULT-VALUE})")
    double smoothNoise;

    @Option(names = "--smooth-variant", defaultValue = "mean", paramLabel = "V",
            description = "smoothgrad*: mean, squared or vargrad of the copies' gradients (default: ${DEFAULT-VALUE})")
    String smoothVariant;

    @Option(names = "--noise-seed", defaultValue = "0", paramLabel = "S", description = "smoothgrad*: seed of the noise (default: ${DEFAULT-VALUE})")
    long noiseSeed;

    @Option(names = "--ig-steps", defaultValue = "50", paramLabel = "N", description = "integrated-gradients: points on the path (default: ${DEFAULT-VALUE})")
    int igSteps;

    @Option(names = "--ig-method", defaultValue = "gauss-legendre", paramLabel = "RULE",
            description = "integrated-gradients: gauss-legendre or riemann-trapezoid, as Captum's (default: ${DEFAULT-VALUE})")
    String igMethod;

    @Option(names = "--ig-baseline", defaultValue = "black", paramLabel = "B",
            description = "integrated-gradients: black (a black image, preprocessed) or zero (zero network input) (default: ${DEFAULT-VALUE})")
    String igBaseline;

    @Option(names = "--occlusion-patch", defaultValue = "32", paramLabel = "P",
            description = "occlusion: side of the black patch, in network-input pixels (default: ${DEFAULT-VALUE})")
    int occlusionPatch;

    @Option(names = "--occlusion-stride", defaultValue = "16", paramLabel = "S",
            description = "occlusion: step between patch positions, in network-input pixels (default: ${DEFAULT-VALUE})")
    int occlusionStride;

    /** The settings; usage errors are InvalidInputException (exit 2). */
    MethodSettings settings() {
        try {
            return new MethodSettings(MethodSettings.ScoreCamForm.parse(scoreCamForm), smoothSamples, smoothNoise,
                    MethodSettings.SmoothVariant.parse(smoothVariant), noiseSeed, igSteps, MethodSettings.IgRule.parse(igMethod),
                    MethodSettings.IgBaseline.parse(igBaseline), occlusionPatch, occlusionStride);
        } catch (IllegalArgumentException e) {
            throw new org.gradcam4j.InvalidInputException("method options: " + e.getMessage(), e);
        }
    }
}
