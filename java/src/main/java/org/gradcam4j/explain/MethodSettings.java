package org.gradcam4j.explain;

import java.util.Locale;

/**
 * The parameters of the sampling and perturbation methods (docs/ALGORITHMS.md section 8); each is ignored by the
 * methods that do not use it.
 *
 * @param scoreCamForm      {@code scorecam}: pytorch-grad-cam's form (default) or the paper's
 * @param smoothSamples     {@code smoothgrad*}: noisy copies per image (50)
 * @param smoothNoise       {@code smoothgrad*}: noise sigma as a fraction of the input's {@code max - min} (0.15)
 * @param smoothVariant     {@code smoothgrad*}: mean, squared or vargrad
 * @param noiseSeed         {@code smoothgrad*}: seed of the noise
 * @param igSteps           {@code integrated-gradients}: points on the path (50)
 * @param igRule            {@code integrated-gradients}: Gauss-Legendre (default) or Riemann-trapezoid
 * @param igBaseline        {@code integrated-gradients}: black image in pixel space (default) or zero input
 * @param occlusionPatch    {@code occlusion}: patch side in network pixels (32)
 * @param occlusionStride   {@code occlusion}: stride in network pixels (16)
 */
public record MethodSettings(ScoreCamForm scoreCamForm, int smoothSamples, double smoothNoise, SmoothVariant smoothVariant,
                             long noiseSeed, int igSteps, IgRule igRule, IgBaseline igBaseline, int occlusionPatch, int occlusionStride) {

    /** How Score-CAM scores its masked inputs. */
    public enum ScoreCamForm {
        /** pytorch-grad-cam's ScoreCAM: align-corners masks, the score, softmax over channels. */
        PYTORCH_GRAD_CAM,
        /** The paper's: half-pixel masks, probability increase over the zero-input baseline, no softmax. */
        PAPER;

        public static ScoreCamForm parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "pytorch-grad-cam", "default" -> PYTORCH_GRAD_CAM;
                case "paper" -> PAPER;
                default -> throw new org.gradcam4j.InvalidInputException("unknown Score-CAM form '" + s + "' (expected pytorch-grad-cam or paper)");
            };
        }
    }

    /** SmoothGrad's statistic of the copies' gradients. */
    public enum SmoothVariant {
        MEAN, SQUARED, VARGRAD;

        public static SmoothVariant parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "mean", "smoothgrad" -> MEAN;
                case "squared", "smoothgrad-sq" -> SQUARED;
                case "vargrad" -> VARGRAD;
                default -> throw new org.gradcam4j.InvalidInputException("unknown SmoothGrad variant '" + s + "' (expected mean, squared or vargrad)");
            };
        }
    }

    /** Integrated Gradients' quadrature. */
    public enum IgRule {
        GAUSS_LEGENDRE, RIEMANN_TRAPEZOID;

        public static IgRule parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "gauss-legendre", "gausslegendre" -> GAUSS_LEGENDRE;
                case "riemann-trapezoid", "riemann_trapezoid", "trapezoid" -> RIEMANN_TRAPEZOID;
                default -> throw new org.gradcam4j.InvalidInputException("unknown integration rule '" + s + "' (expected gauss-legendre or riemann-trapezoid)");
            };
        }
    }

    /** Integrated Gradients' baseline. */
    public enum IgBaseline {
        /** The all-black image in pixel space, preprocessed. */
        BLACK,
        /** Zero in the preprocessed (network input) space. */
        ZERO;

        public static IgBaseline parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "black" -> BLACK;
                case "zero" -> ZERO;
                default -> throw new org.gradcam4j.InvalidInputException("unknown baseline '" + s + "' (expected black or zero)");
            };
        }
    }

    public MethodSettings {
        java.util.Objects.requireNonNull(scoreCamForm, "scoreCamForm");
        java.util.Objects.requireNonNull(smoothVariant, "smoothVariant");
        java.util.Objects.requireNonNull(igRule, "igRule");
        java.util.Objects.requireNonNull(igBaseline, "igBaseline");
        if (smoothSamples < 1) throw new org.gradcam4j.InvalidInputException("SmoothGrad samples must be >= 1, got " + smoothSamples);
        if (!(smoothNoise >= 0 && Double.isFinite(smoothNoise))) throw new org.gradcam4j.InvalidInputException("SmoothGrad noise must be >= 0, got " + smoothNoise);
        if (igSteps < 2) throw new org.gradcam4j.InvalidInputException("Integrated Gradients steps must be >= 2, got " + igSteps);
        if (occlusionPatch < 1 || occlusionStride < 1) {
            throw new org.gradcam4j.InvalidInputException("occlusion patch and stride must be >= 1, got " + occlusionPatch + " and " + occlusionStride);
        }
    }

    /** The defaults of docs/ALGORITHMS.md section 8. */
    public static MethodSettings defaults() {
        return new MethodSettings(ScoreCamForm.PYTORCH_GRAD_CAM, 50, 0.15, SmoothVariant.MEAN, 0, 50, IgRule.GAUSS_LEGENDRE,
                IgBaseline.BLACK, 32, 16);
    }
}
