package org.gradcam4j.method;

/**
 * Every small constant the explanation math adds to keep a division finite, written once (docs/ALGORITHMS.md).
 * The CUDA kernels' copies live in {@code kernels/method_constants.h}; {@code NumericConstantsTest} fails when the
 * two disagree. Each value says how it was chosen.
 */
public final class Epsilons {
    private Epsilons() {}

    /**
     * The {@code eps} in the Grad-CAM++ default form's alpha denominator {@code 2 g^2 + (sum A) g^3 + eps}.
     * Chosen as pytorch-grad-cam's value (its {@code GradCAMPlusPlus} adds 1e-6), so that maps compare with it
     * directly; it only matters where {@code g} is tiny.
     */
    public static final double GRADCAM_PP = 1e-6;

    /**
     * The {@code eps} in XGrad-CAM's denominator {@code sum_ij A + eps}. Chosen as pytorch-grad-cam's value (its
     * {@code XGradCAM} adds 1e-7); it only matters for channels whose activations sum to nearly zero.
     */
    public static final double XGRADCAM = 1e-7;

    /**
     * The {@code eps} in Score-CAM's mask scaling {@code (M - min) / (max - min + eps)}. pytorch-grad-cam's value (its
     * {@code ScoreCAM} adds 1e-8), so that the default form computes exactly what it computes; a constant channel
     * gives an all-zero mask.
     */
    public static final double SCORECAM_MASK = 1e-8;
}
