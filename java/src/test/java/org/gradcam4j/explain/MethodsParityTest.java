package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.method.Method;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.testing.Tolerances;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Test;

/**
 * Every method of the facade against PyTorch float64 (tools/ref_vgg.py, formulas in tools/ref_cam_math.py):
 * layer maps, channel weights, normalised maps and input gradients, per (image, class) seed, with several
 * classes of one image explained in one pass. Tolerance {@link Tolerances#NETWORK}, except input gradients and the
 * guided products of the full-size networks (max-pool near-ties, see CpuParityTest). The normalised maps
 * are also compared with pytorch-grad-cam's convention (min-max normalisation): correlation above 0.9999.
 */
public class MethodsParityTest {

    @Test
    void narrow() {
        Path dir = Reference.generate("narrow16", "ref_vgg.py", "--arch", "narrow16", "--conv-wgrad", "block2_conv1");
        check(dir, ModelLoader.load(dir.resolve("keras.h5"), null), Tolerances.NETWORK);
    }

    /**
     * @param gradTol bound for input gradients and guided products: {@link Tolerances#NETWORK} on narrow nets, {@link Tolerances#NEAR_TIE} on
     *                full-size ones
     */
    public static void check(Path dir, Model model, double gradTol) {
        Map<String, Tensor> ref = Reference.readAll(dir.resolve("ref.h5"));
        Map<String, Double> torchErr = Reference.attributes(dir.resolve("ref.h5"));
        int[] imageOf = Reference.ints(ref.get("image_of"));
        int[] classes = Reference.ints(ref.get("classes"));
        Tensor input = ref.get("input");
        int n = input.dim(0), size = input.dim(2);
        List<List<String>> perImage = new ArrayList<>();
        for (int i = 0; i < n; i++) perImage.add(new ArrayList<>());
        for (int r = 0; r < imageOf.length; r++) perImage.get(imageOf[r]).add(String.valueOf(classes[r]));
        List<String> methods = new ArrayList<>();
        for (Method m : Method.all(false)) if (!m.isAugmented() && !m.runsExtraPasses()) methods.add(m.token());
        List<InputGeometry> geoms = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            geoms.add(InputGeometry.of(size, size, size, ResizeMode.NONE));
            names.add("image" + i);
        }
        try (Explainer ex = Explainer.of(model, Explainer.Options.defaults())) {
            List<ImageExplanation> out = ex.explainPrepared(new Preprocessor.Batch(input, geoms, names),
                    ExplainRequest.of(methods, Targets.perImage(perImage)));
            assertEquals(n, out.size());
            for (int r = 0; r < imageOf.length; r++) {
                ClassExplanation ce = find(out.get(imageOf[r]), classes[r]);
                for (Method m : Method.all(false)) {
                    if (!m.isCam() || m.runsExtraPasses()) continue;   // those: SampledMethodsParityTest
                    String t = m.token(), p = "methods/" + t + "/";
                    MapResult mr = ce.maps().get(t);
                    assertNotNull(mr, t);
                    close(t + " layer_map seed " + r, mr.layerMap(), ref.get(p + "layer_map").slice(r), Tolerances.NETWORK);
                    if (ref.containsKey(p + "weights")) close(t + " weights seed " + r, mr.weights(), ref.get(p + "weights").slice(r), Tolerances.NETWORK);
                    Tensor want = ref.get(p + "map").slice(r);
                    close(t + " map seed " + r, mr.map(), want, Tolerances.NETWORK);
                    if (!mr.empty()) {
                        double corr = correlation(mr.map().data(), minMax(want.data()));
                        assertTrue(corr > 0.9999, t + ": correlation with the min-max normalised map " + corr);
                    }
                }
                for (String t : new String[] {"vanilla", "guided", "deconvnet"}) {
                    close(t + " grad seed " + r, ce.gradients().get(t).values(), ref.get("methods/" + t + "/grad").slice(r),
                            seedBound(gradTol, torchErr, Method.parse(t).reluRule(), r));
                }
                for (String t : new String[] {"guided-gradcam", "guided-gradcampp"}) {
                    close(t + " map seed " + r, ce.gradients().get(t).values(), ref.get("methods/" + t + "/map").slice(r),
                            seedBound(gradTol, torchErr, Method.parse(t).reluRule(), r));
                }
            }
        }
    }

    /**
     * The bound for one seed's input gradient: {@code gradTol}, or twice PyTorch's own float32 error on that seed's
     * gradient where that is larger. At full size a max-pool window whose top two inputs lie within float32 rounding
     * reroutes a seed's gradient in any float32 implementation (PyTorch's included, measured by tools/ref_vgg.py); a
     * float32 engine is held to what float32 can do there, and a wrong rule or layer still gives errors of order 1.
     */
    private static double seedBound(double gradTol, Map<String, Double> torchErr, ReluRule rule, int seed) {
        Double e = torchErr.get("torch_f32_err/grad/input/" + rule.name().toLowerCase(java.util.Locale.ROOT) + "/seed" + seed);
        return Tolerances.againstTorchFloat32(gradTol, e);
    }

    private static ClassExplanation find(ImageExplanation e, int cls) {
        for (ClassExplanation c : e.classes()) if (c.classIndex() == cls) return c;
        throw new AssertionError("no explanation of class " + cls + " for " + e.source());
    }

    private static void close(String what, Tensor got, Tensor want, double tol) {
        assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()), what + " shape");
        double err = Errors.relativeL2(got, want);
        System.out.printf("  %-40s rel L2 %.2e (bound %.0e)%n", what, err, tol);
        assertTrue(err <= tol, what + ": relative L2 " + err + " > " + tol);
    }

    /** pytorch-grad-cam's scale_cam_image: (x - min) / (max - min + 1e-7). */
    static float[] minMax(float[] x) {
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : x) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (x[i] - lo) / (hi - lo + 1e-7f);
        return out;
    }

    static double correlation(float[] a, float[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return sab / Math.sqrt(saa * sbb);
    }
}
