package org.gradcam4j.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The linear maps of the super-resolution model against their adjoints: {@code <T x, y> = <x, T* y>} for the
 * warp, both downsamplings, the composed observation operator and the TV gradient, on random vectors. Everything
 * runs in double; a wrong tap, boundary or weight shows up as a relative mismatch of 1e-3 or more, while rounding
 * stays below 1e-13, hence the 1e-12 tolerance.
 */
class AdjointTest {
    static final double TOL = 1e-12;
    static final SplittableRandom R = new SplittableRandom(7);

    static double[] random(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = R.nextDouble() * 2 - 1;
        return x;
    }

    static void assertAdjoint(double lhs, double rhs, String what) {
        double rel = Math.abs(lhs - rhs) / Math.max(Math.abs(lhs), Math.abs(rhs));
        assertTrue(rel < TOL, what + ": <Ax, y> = " + lhs + " but <x, A*y> = " + rhs + " (relative " + rel + ")");
    }

    @Test
    void warpsAndTheirInverses() {
        int s = 48;
        List<AffineWarp> warps = List.of(AffineWarp.identity(s), AffineWarp.rotateThenShift(s, 0.37, 5.5, -3.25),
                AffineWarp.rotateThenShift(s, -0.5, -30, 30), AffineWarp.rotateThenShift(s, 0.2, 0, 0).inverse(),
                AffineWarp.rotateThenShift(s, 0, 0.5, 0)); // half-pixel shift: every output blends two pixels
        for (AffineWarp w : warps) {
            double[] x = random(s * s), y = random(s * s), tx = new double[s * s], ty = new double[s * s];
            w.apply(x, tx);
            w.adjoint(y, ty);
            assertAdjoint(ObservationOperator.dot(tx, y), ObservationOperator.dot(x, ty), w.toString());
        }
    }

    @Test
    void downsamplings() {
        for (Downsampling d : Downsampling.values()) {
            for (int[] sz : new int[][] {{224, 14}, {32, 2}, {48, 4}}) {
                int s = sz[0], h = sz[1];
                double[] x = random(s * s), y = random(h * h), dx = new double[h * h], dy = new double[s * s];
                d.apply(x, s, dx, h);
                d.adjoint(y, h, dy, s);
                assertAdjoint(ObservationOperator.dot(dx, y), ObservationOperator.dot(x, dy), d + " " + s + "->" + h);
            }
        }
    }

    @Test
    void observationOperatorIsAdjointAndEqualsTheComposition() {
        int s = 224, h = 14;
        List<AffineWarp> warps = Augmentations.random(5, s, 3);
        for (Downsampling d : Downsampling.values()) {
            ObservationOperator a = ObservationOperator.of(warps, h, d);
            double[] x = random(s * s), y = random(a.rows()), ax = new double[a.rows()], ay = new double[s * s];
            a.apply(x, ax);
            a.adjoint(y, ay);
            assertAdjoint(ObservationOperator.dot(ax, y), ObservationOperator.dot(x, ay), "A (" + d + ")");

            // row block l is D T_l: compare with warping then downsampling (the stored float weights: ~1e-7)
            double[] tx = new double[s * s], dtx = new double[h * h];
            for (int l = 0; l < warps.size(); l++) {
                warps.get(l).apply(x, tx);
                d.apply(tx, s, dtx, h);
                for (int c = 0; c < h * h; c++) {
                    assertEquals(dtx[c], ax[l * h * h + c], 1e-6 * (1 + Math.abs(dtx[c])), d + " copy " + l + " cell " + c);
                }
            }
        }
    }

    @Test
    void totalVariationGradient() {
        int s = 37;
        double[] x = random(s * s), px = random(s * s), py = random(s * s), gx = new double[s * s], gy = new double[s * s];
        // entries with no difference behind them are ignored by the adjoint: zero them for the identity
        for (int i = 0; i < s; i++) {
            px[i * s + s - 1] = 0;
            py[(s - 1) * s + i] = 0;
        }
        double[] adj = new double[s * s];
        TotalVariation.gradient(x, s, gx, gy);
        TotalVariation.adjoint(px, py, s, adj);
        assertAdjoint(ObservationOperator.dot(gx, px) + ObservationOperator.dot(gy, py), ObservationOperator.dot(x, adj), "grad");
        // the FGP's primal step uses its own, branch-free grad*: the same map
        TvSuperResolution.Fgp f = new TvSuperResolution.Fgp(s, 1);
        double[] zero = new double[s * s], w = new double[s * s];
        f.primal(zero, px, py, w);
        for (int i = 0; i < w.length; i++) assertEquals(-adj[i], w[i], 1e-14);
        double tv = 0;
        for (int i = 0; i < gx.length; i++) tv += Math.abs(gx[i]) + Math.abs(gy[i]);
        assertEquals(tv, TotalVariation.value(x, s), 1e-12 * tv);
    }

    @Test
    void inverseWarpUndoesTheWarpInside() {
        int s = 64;
        AffineWarp w = AffineWarp.rotateThenShift(s, 0.3, 4, -2);
        float[] img = new float[s * s], there = new float[s * s], back = new float[s * s];
        for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) img[y * s + x] = (float) (Math.sin(x / 9.0) + Math.cos(y / 7.0));
        w.apply(img, 0, there, 0);
        w.inverse().apply(there, 0, back, 0);
        // a smooth image survives two bilinear resamplings to ~1e-2 away from the zero-filled corners
        for (int y = 20; y < 44; y++) for (int x = 20; x < 44; x++) assertEquals(img[y * s + x], back[y * s + x], 2e-2, x + "," + y);
        // the identity is exact
        AffineWarp.identity(s).apply(img, 0, back, 0);
        for (int i = 0; i < img.length; i++) assertEquals(img[i], back[i]);
    }
}
