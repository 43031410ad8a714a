package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gradcam4j.explain.MethodSettings.IgBaseline;
import org.gradcam4j.explain.MethodSettings.IgRule;
import org.gradcam4j.explain.MethodSettings.SmoothVariant;
import org.gradcam4j.explain.SampledMethodsParityTest.Fixture;
import org.gradcam4j.tensor.Tensor;
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
 * ({@link Tolerances#againstTorchFloat32}: Ablation-CAM's weights, SmoothGrad, IG); Ablation-CAM's layer map
 * {@link Tolerances#CANCELLATION}. IG's trapezoid rule
 * evaluates the gradient at the constant baseline, an exact max-pool tie: see {@link #trapezoid()}.
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
        SampledMethodsParityTest.checkCam(fx, SCORECAM_LAYER, "scorecam", "scorecam", MethodSettings.defaults(), 24, null, Tolerances.NETWORK);
        SampledMethodsParityTest.checkCam(fx, SCORECAM_LAYER, "scorecam", "scorecam-paper", SampledMethodsParityTest.paperScoreCam(), 32, null, Tolerances.NETWORK);
    }

    @Test
    void ablationCam() {
        // the layer map: Tolerances.CANCELLATION (float32 rounding of 512 nearly equal logits, amplified by the sum)
        SampledMethodsParityTest.checkCam(fx, null, "ablationcam", "ablationcam", MethodSettings.defaults(), 100, null, Tolerances.CANCELLATION);
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
        trapezoid();
    }

    /**
     * The trapezoid rule's first point is the baseline, a constant image: every max-pool window there holds exact ties
     * in exact arithmetic, and which input takes the gradient is a tie-break that float32 rounding decides differently
     * in different engines (measured: 0.21 relative L2 against float64 on this net, where PyTorch float32 keeps the
     * ties exact and routes as float64 does). So that one term uses the engine's own vanilla gradient at the baseline
     * (one image per pass on both sides, so the same float32 operations), and everything else (the other points, the
     * weights 1 / N with halves at both ends, the factor X - X', the completeness gap) is checked against float64.
     */
    private static void trapezoid() {
        String t = "integrated-gradients", p = "methods/integrated-gradients-trapezoid/";
        List<ClassExplanation> rows = SampledMethodsParityTest.explain(fx, null, List.of(t),
                SampledMethodsParityTest.settings(SAMPLES, STEPS, SmoothVariant.MEAN, IgRule.RIEMANN_TRAPEZOID, IgBaseline.ZERO), 1, null);
        Map<String, Tensor> zero = new HashMap<>(fx.ref());
        Tensor input = fx.ref().get("input");
        zero.put("input", new Tensor(new float[input.size()], input.shape()));
        List<ClassExplanation> atBaseline = SampledMethodsParityTest.explain(new Fixture(fx.model(), zero, Map.of(), null), null,
                List.of("vanilla"), MethodSettings.defaults(), 1, null);
        for (int r = 0; r < rows.size(); r++) {
            float[] rest = fx.ref().get(p + "grad_without_baseline_term").slice(r).data(), factor = fx.ref().get(p + "baseline_factor").slice(r).data();
            float[] g0 = atBaseline.get(r).gradients().get("vanilla").values().data();
            float[] want = new float[rest.length];
            for (int i = 0; i < want.length; i++) want[i] = (float) (rest[i] + (double) factor[i] * g0[i]);
            GradientResult got = rows.get(r).gradients().get(t);
            double bound = fx.bound(Tolerances.NETWORK, "integrated-gradients-trapezoid", r);
            SampledMethodsParityTest.close("integrated-gradients-trapezoid seed " + r, got.values(), new Tensor(want, got.values().shape()), bound);
            // the gap's score difference S(X) - S(X') from the reference: sum(reference IG) - reference gap
            double refSum = 0, gotSum = 0, scale = 0;
            for (float v : fx.ref().get(p + "grad").slice(r).data()) refSum += v;
            for (float v : got.values().data()) gotSum += v;
            for (float v : want) scale += Math.abs(v);
            double delta = refSum - fx.ref().get(p + "gap").data()[r], wantGap = gotSum - delta;
            System.out.printf("  %-40s gap %.6g, from the reference's score difference %.6g%n", "integrated-gradients-trapezoid seed " + r,
                    got.completenessGap(), wantGap);
            assertTrue(Math.abs(got.completenessGap() - wantGap) <= bound * scale, "trapezoid completeness gap " + got.completenessGap() + " vs " + wantGap);
        }
    }

    @Test
    void occlusion() {
        SampledMethodsParityTest.checkOcclusion(fx, PATCH, STRIDE, 9);
    }
}
