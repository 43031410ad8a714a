package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.testing.Tolerances;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The forward-heavy and sampling methods through the facade against tools/ref_methods.py (PyTorch float64, the
 * formulas of docs/ALGORITHMS.md section 8 written independently) on the narrow VGG16: Score-CAM in both forms,
 * Ablation-CAM (also on a backend without forward-from-layer, where the facade falls back to the CPU), SmoothGrad
 * (mean, squared, VarGrad; vanilla and guided; the same noise tensors) and Integrated Gradients (both rules, with
 * the completeness gap; the black baseline's value is checked separately).
 * Tolerance {@link Tolerances#NETWORK}: every value is a function of float32 network outputs.
 */
class SampledMethodsParityTest {
    static Path dir;
    static Map<String, Tensor> ref;
    static Model model;

    @BeforeAll
    static void reference() {
        dir = Reference.generate("methods-narrow16", "ref_methods.py", "--arch", "narrow16");
        ref = Reference.readAll(dir.resolve("ref.h5"));
        model = ModelLoader.load(dir.resolve("keras.h5"), null);
    }

    /**
     * A reference written by tools/ref_methods.py with the model it was computed on: the batch, the seeds, the methods'
     * outputs, PyTorch's own float32 errors where the script measured them, and Score-CAM's target layer.
     */
    record Fixture(Model model, Map<String, Tensor> ref, Map<String, Double> torchErr, String scoreCamLayer) {
        static Fixture load(Path dir) {
            Path h5 = dir.resolve("ref.h5");
            String layer;
            try (io.jhdf.HdfFile f = new io.jhdf.HdfFile(h5)) {
                layer = f.getAttribute("scorecam_layer") == null ? null : String.valueOf(f.getAttribute("scorecam_layer").getData());
            }
            return new Fixture(ModelLoader.load(dir.resolve("keras.h5"), null), Reference.readAll(h5), Reference.attributes(h5), layer);
        }

        /**
         * The bound for one seed of a method whose reference also ran in PyTorch float32: {@code base}, or twice PyTorch's
         * own float32 error there where that is larger ({@link Tolerances#againstTorchFloat32}).
         */
        double bound(double base, String refToken, int seed) {
            return Tolerances.againstTorchFloat32(base, torchErr.get("torch_f32_err/" + refToken + "/seed" + seed));
        }
    }

    /** Runs the facade on the reference batch, its seeds as per-image classes; returns rows in seed order. */
    static List<ClassExplanation> explain(List<String> methods, MethodSettings settings, int maxBatch) {
        return explain(methods, settings, maxBatch, null);
    }

    /** As {@link #explain(List, MethodSettings, int)}, on the given backend (null: the default). */
    static List<ClassExplanation> explain(List<String> methods, MethodSettings settings, int maxBatch, org.gradcam4j.backend.Backend backend) {
        return explain(new Fixture(model, ref, Map.of(), null), null, methods, settings, maxBatch, backend);
    }

    /** As {@link #explain(List, MethodSettings, int)}, on a fixture's model and batch, at a target layer (null: the default). */
    static List<ClassExplanation> explain(Fixture fx, String layer, List<String> methods, MethodSettings settings, int maxBatch,
                                          org.gradcam4j.backend.Backend backend) {
        int[] imageOf = Reference.ints(fx.ref().get("image_of")), classes = Reference.ints(fx.ref().get("classes"));
        Tensor input = fx.ref().get("input");
        int n = input.dim(0), size = input.dim(2);
        List<List<String>> perImage = new ArrayList<>();
        List<InputGeometry> geoms = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            perImage.add(new ArrayList<>());
            geoms.add(InputGeometry.of(size, size, size, ResizeMode.NONE));
            names.add("image" + i);
        }
        for (int r = 0; r < imageOf.length; r++) perImage.get(imageOf[r]).add(String.valueOf(classes[r]));
        Explainer.Options options = Explainer.Options.defaults().withMaxBatch(maxBatch);
        ExplainRequest request = ExplainRequest.of(methods, Targets.perImage(perImage)).withMethodSettings(settings);
        if (layer != null) request = request.withLayer(layer);
        try (Explainer ex = backend == null ? Explainer.of(fx.model(), options) : Explainer.of(fx.model(), backend, options)) {
            List<ImageExplanation> out = ex.explainPrepared(new Preprocessor.Batch(input, geoms, names), request);
            List<ClassExplanation> rows = new ArrayList<>();
            for (int r = 0; r < imageOf.length; r++) {
                ClassExplanation found = null;
                for (ClassExplanation c : out.get(imageOf[r]).classes()) if (c.classIndex() == classes[r]) found = c;
                rows.add(found);
            }
            return rows;
        }
    }

    static void close(String what, Tensor got, Tensor want, double tol) {
        assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()), what + " shape");
        double err = Errors.relativeL2(got, want);
        System.out.printf("  %-40s rel L2 %.2e (bound %.1e)%n", what, err, tol);
        assertTrue(err <= tol, what + ": relative L2 " + err + " > " + tol);
    }

    private static void checkCam(String token, String refToken, MethodSettings settings, int maxBatch) {
        checkCam(token, refToken, settings, maxBatch, null);
    }

    private static void checkCam(String token, String refToken, MethodSettings settings, int maxBatch, org.gradcam4j.backend.Backend backend) {
        checkCam(new Fixture(model, ref, Map.of(), null), null, token, refToken, settings, maxBatch, backend, Tolerances.NETWORK);
    }

    /**
     * A CAM-type method's weights and layer maps per seed against the fixture's; bound {@link Tolerances#NETWORK} for the
     * weights and {@code mapBound} for the layer maps, or twice PyTorch's float32 error where the reference measured it
     * and that is larger.
     */
    static void checkCam(Fixture fx, String layer, String token, String refToken, MethodSettings settings, int maxBatch,
                         org.gradcam4j.backend.Backend backend, double mapBound) {
        List<ClassExplanation> rows = explain(fx, layer, List.of(token), settings, maxBatch, backend);
        for (int r = 0; r < rows.size(); r++) {
            MapResult m = rows.get(r).maps().get(token);
            close(refToken + " weights seed " + r, m.weights(), fx.ref().get("methods/" + refToken + "/weights").slice(r),
                    fx.bound(Tolerances.NETWORK, refToken + "/weights", r));
            close(refToken + " layer_map seed " + r, m.layerMap(), fx.ref().get("methods/" + refToken + "/layer_map").slice(r),
                    fx.bound(mapBound, refToken + "/layer_map", r));
        }
    }

    @Test
    void scoreCamAsPytorchGradCam() {
        // batch 3 does not divide the 16 channels: the last masked batch is short
        checkCam("scorecam", "scorecam", MethodSettings.defaults(), 3);
    }

    @Test
    void scoreCamAsThePaper() {
        checkCam("scorecam", "scorecam-paper", paperScoreCam(), 16);
    }

    @Test
    void ablationCam() {
        checkCam("ablationcam", "ablationcam", MethodSettings.defaults(), 5);
    }

    /** A CPU backend whose networks lack forward-from-layer, as the CUDA backend's do: the facade falls back. */
    @Test
    void ablationCamOnABackendWithoutForwardFrom() {
        org.gradcam4j.backend.Backend cpu = new org.gradcam4j.backend.cpu.CpuBackend();
        org.gradcam4j.backend.Backend without = new org.gradcam4j.backend.Backend() {
            @Override public String name() { return "test-without-forward-from"; }
            @Override public String description() { return name(); }
            @Override public org.gradcam4j.backend.Network load(Model m) {
                org.gradcam4j.backend.Network n = cpu.load(m);
                return new org.gradcam4j.backend.Network() {
                    @Override public org.gradcam4j.model.Architecture architecture() { return n.architecture(); }
                    @Override public org.gradcam4j.backend.ForwardPass forward(Tensor input, String keepFrom) { return n.forward(input, keepFrom); }
                    @Override public void close() { n.close(); }
                };
            }
            @Override public void close() { cpu.close(); }
        };
        java.util.List<String> warnings = new java.util.ArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(Explainer.class.getName());
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override public void publish(java.util.logging.LogRecord r) { warnings.add(r.getMessage()); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        log.addHandler(h);
        try {
            checkCam("ablationcam", "ablationcam", MethodSettings.defaults(), 16, without);
        } finally {
            log.removeHandler(h);
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains("cannot forward from a layer") && w.contains("CPU")), warnings.toString());
    }

    static MethodSettings settings(int samples, MethodSettings.SmoothVariant variant, MethodSettings.IgRule rule,
                                   MethodSettings.IgBaseline baseline) {
        // as tools/ref_methods.py's defaults: 6 noisy copies, noise seed 11, 7 path points
        return settings(samples, 7, variant, rule, baseline);
    }

    /** SmoothGrad's and IG's settings as tools/ref_methods.py uses them (noise 0.15, seed 11). */
    static MethodSettings settings(int samples, int steps, MethodSettings.SmoothVariant variant, MethodSettings.IgRule rule,
                                   MethodSettings.IgBaseline baseline) {
        MethodSettings d = MethodSettings.defaults();
        return new MethodSettings(d.scoreCamForm(), samples, 0.15, variant, 11, steps, rule, baseline, d.occlusionPatch(), d.occlusionStride());
    }

    /** The paper's form of Score-CAM, everything else default. */
    static MethodSettings paperScoreCam() {
        MethodSettings d = MethodSettings.defaults();
        return new MethodSettings(MethodSettings.ScoreCamForm.PAPER, d.smoothSamples(), d.smoothNoise(), d.smoothVariant(),
                d.noiseSeed(), d.igSteps(), d.igRule(), d.igBaseline(), d.occlusionPatch(), d.occlusionStride());
    }

    private static void checkGradients(String token, String refToken, MethodSettings settings, int maxBatch) {
        checkGradients(token, refToken, settings, maxBatch, Tolerances.NETWORK);
    }

    private static void checkGradients(String token, String refToken, MethodSettings settings, int maxBatch, double tol) {
        checkGradients(new Fixture(model, ref, Map.of(), null), token, refToken, settings, maxBatch, tol);
    }

    /**
     * A gradient-type method's attributions per seed against the fixture's (bound {@code tol}, or twice PyTorch's own
     * float32 error on that seed where the reference measured it and that is larger), and Integrated Gradients'
     * completeness gap against the reference's, to the same bound relative to sum |IG|.
     */
    static void checkGradients(Fixture fx, String token, String refToken, MethodSettings settings, int maxBatch, double tol) {
        List<ClassExplanation> rows = explain(fx, null, List.of(token), settings, maxBatch, null);
        for (int r = 0; r < rows.size(); r++) {
            GradientResult g = rows.get(r).gradients().get(token);
            Tensor want = fx.ref().get("methods/" + refToken + "/grad").slice(r);
            double bound = fx.bound(tol, refToken, r);
            close(refToken + " seed " + r, g.values(), want, bound);
            if (fx.ref().containsKey("methods/" + refToken + "/gap")) {
                double refGap = fx.ref().get("methods/" + refToken + "/gap").data()[r], scale = 0;
                for (float v : want.data()) scale += Math.abs(v);
                System.out.printf("  %-40s gap %.6g, reference %.6g (sum |IG| %.4g)%n", refToken + " seed " + r, g.completenessGap(), refGap, scale);
                assertTrue(Math.abs(g.completenessGap() - refGap) <= bound * scale,
                        refToken + " completeness gap " + g.completenessGap() + " vs reference " + refGap);
            } else {
                assertTrue(Double.isNaN(g.completenessGap()));
            }
        }
    }

    @Test
    void smoothGradItsVariantsAndGuided() {
        var mean = settings(6, MethodSettings.SmoothVariant.MEAN, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.BLACK);
        checkGradients("smoothgrad", "smoothgrad", mean, 4);   // 6 copies in batches of 4: one short batch
        checkGradients("smoothgrad-guided", "smoothgrad-guided", mean, 6);
        checkGradients("smoothgrad", "smoothgrad-squared",
                settings(6, MethodSettings.SmoothVariant.SQUARED, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.BLACK), 6);
        checkGradients("smoothgrad", "smoothgrad-vargrad",
                settings(6, MethodSettings.SmoothVariant.VARGRAD, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.BLACK), 3);
    }

    @Test
    void integratedGradientsBothRulesAndBaselines() {
        checkGradients("integrated-gradients", "integrated-gradients-gl",
                settings(6, MethodSettings.SmoothVariant.MEAN, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.ZERO), 4);
        // The trapezoid rule evaluates the gradient at the baseline itself, a constant image: every max-pool window
        // there holds equal values in exact arithmetic, and which one takes the gradient is a tie-break. PyTorch keeps
        // them exactly equal and routes to the first; float32 GEMM kernels round edge columns differently, so the CPU
        // backend sees near-ties and routes some windows elsewhere (measured 6e-3 here): the near-tie bound applies.
        checkGradients("integrated-gradients", "integrated-gradients-trapezoid",
                settings(6, MethodSettings.SmoothVariant.MEAN, MethodSettings.IgRule.RIEMANN_TRAPEZOID, MethodSettings.IgBaseline.ZERO), 7,
                Tolerances.NEAR_TIE);
    }

    @Test
    void gaussLegendreMatchesTheTabulatedRule() {
        // 3 points: nodes -sqrt(3/5), 0, sqrt(3/5), weights 5/9, 8/9, 5/9; and exact for x^(2n-1)
        double[][] gl = IntegratedGradients.gaussLegendre(3);
        assertEquals(-Math.sqrt(0.6), gl[0][0], 1e-14);
        assertEquals(0, gl[0][1], 1e-14);
        assertEquals(8.0 / 9, gl[1][1], 1e-13);
        assertEquals(5.0 / 9, gl[1][2], 1e-13);
        for (int n : new int[] {1, 2, 7, 50}) {
            double[][] r = IntegratedGradients.gaussLegendre(n);
            double sum = 0, odd = 0, even = 0;
            for (int i = 0; i < n; i++) {
                sum += r[1][i];
                even += r[1][i] * Math.pow(r[0][i], 2 * n - 2);
                odd += r[1][i] * Math.pow(r[0][i], 2 * n - 1);
            }
            assertEquals(2, sum, 1e-13, n + " points: weights sum to 2");
            assertEquals(2.0 / (2 * n - 1), even, 1e-12, n + " points integrate x^(2n-2) exactly");
            assertEquals(0, odd, 1e-12);
        }
        double[][] t = IntegratedGradients.path(MethodSettings.IgRule.RIEMANN_TRAPEZOID, 5);
        assertEquals(0.25, t[0][1], 0);
        assertEquals(0.1, t[1][0], 1e-15);
        assertEquals(0.2, t[1][2], 1e-15);
    }

    /** The black baseline is a black pixel in pixel space: with zero-mean preprocessing it is the zero input. */
    @Test
    void blackBaselineIsTheBlackPixel() {
        Model zeroMean = new Model(model.architecture(),
                new org.gradcam4j.model.Preprocessing(org.gradcam4j.model.ChannelOrder.BGR, 1f, new float[] {0, 0, 0}, new float[] {1, 1, 1}),
                model.labels(), model.weights(), model.source());
        Model saved = model;
        try {
            model = zeroMean;
            var black = explain(List.of("integrated-gradients"),
                    settings(6, MethodSettings.SmoothVariant.MEAN, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.BLACK), 8);
            var zero = explain(List.of("integrated-gradients"),
                    settings(6, MethodSettings.SmoothVariant.MEAN, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.ZERO), 8);
            for (int r = 0; r < black.size(); r++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(zero.get(r).gradients().get("integrated-gradients").values().data(),
                        black.get(r).gradients().get("integrated-gradients").values().data());
            }
        } finally {
            model = saved;
        }
        // with Keras preprocessing the black pixel is -mean: a different baseline, a different attribution
        var keras = explain(List.of("integrated-gradients"),
                settings(6, MethodSettings.SmoothVariant.MEAN, MethodSettings.IgRule.GAUSS_LEGENDRE, MethodSettings.IgBaseline.BLACK), 8);
        assertTrue(Errors.relativeL2(keras.get(0).gradients().get("integrated-gradients").values(), ref.get("methods/integrated-gradients-gl/grad").slice(0)) > 0.1);
    }

    /** Occlusion with a 16-pixel patch every 14 pixels on the 64-pixel input: a 6-pixel strip along two edges stays uncovered. */
    @Test
    void occlusion() {
        checkOcclusion(new Fixture(model, ref, Map.of(), null), 16, 14, 5);
        for (ClassExplanation row : explain(List.of("occlusion"), occlusionSettings(16, 14), 5)) {
            assertEquals(0f, row.maps().get("occlusion").map().data()[64 * 64 - 1], 0f, "the uncovered corner");
        }
    }

    static MethodSettings occlusionSettings(int patch, int stride) {
        MethodSettings d = MethodSettings.defaults();
        return new MethodSettings(d.scoreCamForm(), d.smoothSamples(), d.smoothNoise(), d.smoothVariant(), d.noiseSeed(),
                d.igSteps(), d.igRule(), d.igBaseline(), patch, stride);
    }

    /** Occlusion's grid of drops (layer map) and its per-pixel mean, normalised by its maximum (map), per seed. */
    static void checkOcclusion(Fixture fx, int patch, int stride, int maxBatch) {
        List<ClassExplanation> rows = explain(fx, null, List.of("occlusion"), occlusionSettings(patch, stride), maxBatch, null);
        int size = fx.ref().get("input").dim(2);
        for (int r = 0; r < rows.size(); r++) {
            MapResult m = rows.get(r).maps().get("occlusion");
            close("occlusion layer_map seed " + r, m.layerMap(), fx.ref().get("methods/occlusion/layer_map").slice(r), Tolerances.NETWORK);
            Tensor want = org.gradcam4j.method.MapOps.normaliseByMax(fx.ref().get("methods/occlusion/map_raw").slice(r).reshape(1, size, size))
                    .maps().reshape(size, size);
            close("occlusion map seed " + r, m.map(), want, Tolerances.NETWORK);
        }
    }
}
