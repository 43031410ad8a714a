package org.gradcam4j.explain;

import java.nio.file.Path;
import org.gradcam4j.explain.MethodSettings.IgBaseline;
import org.gradcam4j.explain.MethodSettings.IgRule;
import org.gradcam4j.explain.MethodSettings.SmoothVariant;
import org.gradcam4j.explain.SampledMethodsParityTest.Fixture;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.testing.Tolerances;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The forward-heavy and sampling methods on full-size VGG16 (224 x 224, 1000 classes, seeded random weights) against
 * tools/ref_methods.py in PyTorch float64, as {@link SampledMethodsParityTest} does on the narrow net: the same noise
 * tensors, path points and patches. One image, one class. Sized for CI (a float64 VGG16 forward takes seconds on two
 * cores):
 * <ul>
 *   <li>Score-CAM (both forms) at {@code block1_conv2}: 64 channels, the fewest of any VGG16 layer, so 64 masked
 *       forwards instead of 512 at {@code block5_conv3}; the definition does not depend on the layer. At input size
 *       both mask resamplings are the identity, so the reference's 64 masked forwards serve both forms (the resampling
 *       conventions themselves are checked on the narrow net, where the layer is upsampled).</li>
 *   <li>Ablation-CAM at the default {@code block5_conv3}: its 512 ablated activations run from that layer on (pool and
 *       the fc layers), which is cheap.</li>
 *   <li>SmoothGrad with 2 noisy copies (mean, squared, VarGrad; vanilla and guided), Integrated Gradients with 3 path
 *       points (Gauss-Legendre and trapezoid, zero baseline), Occlusion with a 96-pixel patch every 64 pixels (3 x 3
 *       positions covering the image).</li>
 * </ul>
 * Bounds: {@link Tolerances#NETWORK}, raised to twice PyTorch's own float32 error where the reference measured it
 * ({@link Tolerances#againstTorchFloat32}: Ablation-CAM's weights, SmoothGrad, IG); IG's trapezoid rule as on the
 * narrow net ({@link Tolerances#NEAR_TIE}: its gradient at the constant baseline meets exact max-pool ties).
 */
@Tag("slow")
class FullVggMethodsParityTest {
    static final String SCORECAM_LAYER = "block1_conv2";
    static final int SAMPLES = 2, STEPS = 3, PATCH = 96, STRIDE = 64;
    static Fixture fx;

    @BeforeAll
    static void reference() {
        Path dir = Reference.generate("methods-vgg16", "ref_methods.py", "--arch", "vgg16", "--batch", "1", "--one-seed",
                "--scorecam-layer", SCORECAM_LAYER, "--samples", String.valueOf(SAMPLES), "--steps", String.valueOf(STEPS),
                "--patch", String.valueOf(PATCH), "--stride", String.valueOf(STRIDE), "--f32-errors");
        fx = Fixture.load(dir);
        org.junit.jupiter.api.Assertions.assertEquals(SCORECAM_LAYER, fx.scoreCamLayer());
    }

    @Test
    void scoreCamBothForms() {
        // 64 masked inputs in batches of 24: the last one short
        SampledMethodsParityTest.checkCam(fx, SCORECAM_LAYER, "scorecam", "scorecam", MethodSettings.defaults(), 24, null);
        SampledMethodsParityTest.checkCam(fx, SCORECAM_LAYER, "scorecam", "scorecam-paper", SampledMethodsParityTest.paperScoreCam(), 32, null);
    }

    @Test
    void ablationCam() {
        SampledMethodsParityTest.checkCam(fx, null, "ablationcam", "ablationcam", MethodSettings.defaults(), 100, null);
    }

    @Test
    void smoothGradItsVariantsAndGuided() {
        for (SmoothVariant v : SmoothVariant.values()) {
            String refToken = v == SmoothVariant.MEAN ? "smoothgrad" : "smoothgrad-" + v.name().toLowerCase(java.util.Locale.ROOT);
            SampledMethodsParityTest.checkGradients(fx, "smoothgrad", refToken,
                    SampledMethodsParityTest.settings(SAMPLES, STEPS, v, IgRule.GAUSS_LEGENDRE, IgBaseline.ZERO), 2, Tolerances.NETWORK);
        }
        SampledMethodsParityTest.checkGradients(fx, "smoothgrad-guided", "smoothgrad-guided",
                SampledMethodsParityTest.settings(SAMPLES, STEPS, SmoothVariant.MEAN, IgRule.GAUSS_LEGENDRE, IgBaseline.ZERO), 1, Tolerances.NETWORK);
    }

    @Test
    void integratedGradientsBothRules() {
        SampledMethodsParityTest.checkGradients(fx, "integrated-gradients", "integrated-gradients-gl",
                SampledMethodsParityTest.settings(SAMPLES, STEPS, SmoothVariant.MEAN, IgRule.GAUSS_LEGENDRE, IgBaseline.ZERO), 3, Tolerances.NETWORK);
        SampledMethodsParityTest.checkGradients(fx, "integrated-gradients", "integrated-gradients-trapezoid",
                SampledMethodsParityTest.settings(SAMPLES, STEPS, SmoothVariant.MEAN, IgRule.RIEMANN_TRAPEZOID, IgBaseline.ZERO), 2, Tolerances.NEAR_TIE);
    }

    @Test
    void occlusion() {
        SampledMethodsParityTest.checkOcclusion(fx, PATCH, STRIDE, 9);
    }
}
