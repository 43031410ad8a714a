package org.gradcam4j.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.gradcam4j.io.Npy;
import org.gradcam4j.io.NpyArray;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.NativeReferenceDump;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA kernel parity suite compares each kernel with a C++ reference ({@code kernels/reference/}); this test
 * closes the loop to the Java CPU implementation, so that a reference which copies its kernel instead of Java's
 * behaviour is caught: {@code gradcam4j_reference_check --dump} writes the suite's own cases (its seeded inputs,
 * {@code kernels/test/case_inputs.h}) with the references' outputs, and every output is recomputed here with
 * {@link CamMath} and {@link MapOps}. Runs where the native build exists ({@code build/native}, made by
 * {@code tools/build-native.sh} or CI where nvcc is installed); skips elsewhere. No GPU needed.
 *
 * <p>Tolerances: the references and Java both evaluate in double and round once to float, in the same order for
 * the per-channel sums, so reductions agree to a float ulp or two (relative L2 below {@code 1e-6}); bilinear
 * resampling uses the same taps ({@code 1e-6}); normalisation and the guided product are single float operations
 * on the same values and must be bit-identical.
 */
class KernelReferenceJavaParityTest {
    private static final double TOL_REDUCE = 1e-6;
    private static final double TOL_RESAMPLE = 1e-6;

    @TempDir static Path dump;

    @BeforeAll
    static void dumpCases() throws IOException, InterruptedException {
        NativeReferenceDump.into(dump, "--xgradcam-eps", Double.toString(Epsilons.XGRADCAM),
                "--gradcampp-eps", Double.toString(Epsilons.GRADCAM_PP));
    }

    @Test
    void camFamilyReferencesMatchCamMath() throws IOException {
        List<Path> cases = cases("cam_");
        assertTrue(cases.size() >= 5, "cases dumped: " + cases);
        for (Path d : cases) {
            String name = d.getFileName().toString();
            Tensor grad = read(d, "grad"), act = read(d, "act"), weights = read(d, "weights");
            int[] imageOf = ((NpyArray.Int32) Npy.read(d.resolve("image_of.npy"))).data();

            near(read(d, "gradcam_weights"), CamMath.gradCamWeights(grad), TOL_REDUCE, name + " gradcam weights");
            near(read(d, "xgradcam_weights"), CamMath.xGradCamWeights(act, grad, imageOf), TOL_REDUCE, name + " xgradcam weights");
            near(read(d, "gradcampp_default_weights"), CamMath.gradCamPlusPlusWeights(act, grad, imageOf), TOL_REDUCE,
                    name + " gradcam++ weights");
            near(read(d, "gradcampp_official_weights"), CamMath.gradCamPlusPlusOfficialWeights(act, grad, imageOf), TOL_REDUCE,
                    name + " gradcam++ official weights");
            boolean[] wellConditioned = wellConditioned(act, grad, imageOf);
            near(masked(read(d, "gradcampp_default_alphas"), wellConditioned),
                    masked(CamMath.gradCamPlusPlusAlpha(act, grad, imageOf, false), wellConditioned), TOL_REDUCE, name + " gradcam++ alphas");
            near(masked(read(d, "gradcampp_official_alphas"), wellConditioned),
                    masked(CamMath.gradCamPlusPlusAlpha(act, grad, imageOf, true), wellConditioned), TOL_REDUCE,
                    name + " gradcam++ official alphas");
            near(read(d, "weighted_sum_relu"), CamMath.weightedSum(act, weights, imageOf, true), TOL_REDUCE, name + " weighted sum, ReLU");
            near(read(d, "weighted_sum_linear"), CamMath.weightedSum(act, weights, imageOf, false), TOL_REDUCE, name + " weighted sum (CAM)");
            near(read(d, "hirescam"), CamMath.hiResCamMaps(act, grad, imageOf), TOL_REDUCE, name + " hirescam");
            near(read(d, "layercam"), CamMath.layerCamMaps(act, grad, imageOf), TOL_REDUCE, name + " layercam");
        }
    }

    @Test
    void upsampleReferenceMatchesMapOps() throws IOException {
        List<Path> cases = cases("upsample_");
        assertTrue(cases.size() >= 5, "cases dumped: " + cases);
        for (Path d : cases) {
            Tensor out = read(d, "out");
            near(out, MapOps.upsampleBilinear(read(d, "in"), out.dim(1), out.dim(2)), TOL_RESAMPLE, d.getFileName().toString());
        }
    }

    /** Negatives zeroed, non-positive maps all zero and empty, non-finite maps refused (the reference: max NaN). */
    @Test
    void normaliseReferenceMatchesMapOpsBitForBit() throws IOException {
        List<Path> cases = cases("normalise_");
        assertTrue(cases.size() >= 4, "cases dumped: " + cases);
        int refused = 0, empty = 0;
        for (Path d : cases) {
            Tensor in = read(d, "in"), out = read(d, "out");
            float[] max = read(d, "max").data();
            for (int m = 0; m < in.dim(0); m++) {
                String what = d.getFileName() + " map " + m;
                Tensor map = in.slice(m).reshape(1, 1, in.dim(2));
                NormalisedMaps java;
                try {
                    java = MapOps.normaliseByMax(map);
                } catch (IllegalArgumentException nonFinite) {
                    assertTrue(Float.isNaN(max[m]), what + ": Java refuses the map (" + nonFinite.getMessage() + "), the reference reports max " + max[m]);
                    assertArrayEquals(new float[map.data().length], out.slice(m).data(), what + ": a refused map comes back zero");
                    refused++;
                    continue;
                }
                assertArrayEquals(java.maps().data(), out.slice(m).data(), what);
                assertEquals(java.isEmpty(0), !(max[m] > 0), what + ": empty flag");
                if (java.isEmpty(0)) empty++;
            }
        }
        assertTrue(refused >= 2 && empty >= 3, "the cases cover refused (" + refused + ") and empty (" + empty + ") maps");
    }

    @Test
    void guidedProductReferenceMatchesMapOpsBitForBit() throws IOException {
        for (Path d : cases("product_")) {
            assertArrayEquals(read(d, "out").data(), MapOps.guidedProduct(read(d, "guided"), read(d, "map")).data(),
                    d.getFileName().toString());
        }
    }

    // The suite's own mask: alphas where g < 0 and 2 + S g is near 0 are singular (and never reach the weights).
    private static boolean[] wellConditioned(Tensor act, Tensor grad, int[] imageOf) {
        int m = grad.dim(0), c = grad.dim(1), hw = grad.dim(2) * grad.dim(3);
        float[] a = act.data(), g = grad.data();
        boolean[] ok = new boolean[g.length];
        for (int r = 0; r < m; r++) {
            for (int k = 0; k < c; k++) {
                double s = 0;
                int ao = (imageOf[r] * c + k) * hw, go = (r * c + k) * hw;
                for (int i = 0; i < hw; i++) s += a[ao + i];
                for (int i = 0; i < hw; i++) ok[go + i] = g[go + i] >= 0 || Math.abs(2 + s * g[go + i]) >= 1;
            }
        }
        return ok;
    }

    private static Tensor masked(Tensor t, boolean[] keep) {
        float[] out = t.data().clone();
        for (int i = 0; i < out.length; i++) if (!keep[i]) out[i] = 0;
        return new Tensor(out, t.shape());
    }

    private static void near(Tensor reference, Tensor java, double tol, String what) {
        assertArrayEquals(reference.shape(), java.shape(), what + ": shape");
        float[] r = reference.data(), j = java.data();
        double diff = 0, norm = 0, jnorm = 0;
        for (int i = 0; i < r.length; i++) {
            assertTrue(Float.isFinite(j[i]) == Float.isFinite(r[i]), what + ": finiteness differs at " + i);
            double d = (double) j[i] - r[i];
            diff += d * d;
            norm += (double) r[i] * r[i];
            jnorm += (double) j[i] * j[i];
        }
        double err = norm == 0 ? Math.sqrt(jnorm) : Math.sqrt(diff / norm);
        assertTrue(err <= tol, what + ": relative L2 " + err + " > " + tol);
    }

    private static Tensor read(Path dir, String name) throws IOException {
        return ((NpyArray.Float32) Npy.read(dir.resolve(name + ".npy"))).tensor();
    }

    private static List<Path> cases(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dump)) {
            List<Path> out = new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList());
            return out;
        }
    }
}
