package org.gradcam4j.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The converged solver on synthetic problems: a known high-resolution map pushed through the forward model
 * {@code D T_l} (area downsampling, exact, no noise), then recovered.
 */
class TvSuperResolutionTest {
    static final int S = 224, H = 14;

    /** Two smooth blobs and a sharp-edged square. */
    static double[] truth() {
        double[] v = new double[S * S];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                double b = Math.exp(-((x - 80.0) * (x - 80) + (y - 100.0) * (y - 100)) / (2 * 25.0 * 25))
                        + 0.7 * Math.exp(-((x - 160.0) * (x - 160) + (y - 150.0) * (y - 150)) / (2 * 12.0 * 12));
                if (x >= 30 && x < 60 && y >= 170 && y < 200) b += 0.5;
                v[y * S + x] = b;
            }
        }
        return v;
    }

    static SuperResolutionSolver.Problem observe(double[] truth, List<AffineWarp> warps) {
        ObservationOperator a = ObservationOperator.of(warps, H, Downsampling.AREA);
        double[] g = new double[a.rows()];
        a.apply(truth, g);
        float[] f = new float[g.length];
        for (int i = 0; i < g.length; i++) f[i] = (float) g[i];
        return SuperResolutionSolver.Problem.withPaperWeights(warps, new Tensor(f, warps.size(), H, H));
    }

    static double relativeError(Tensor v, double[] truth) {
        double e = 0, n = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = v.data()[i] - truth[i];
            e += d * d;
            n += truth[i] * truth[i];
        }
        return Math.sqrt(e / n);
    }

    /** More copies, more information: the recovered map gets closer to the truth as N grows (1, 4, 16). */
    @Test
    void recoveryErrorFallsAsCopiesGrow() {
        double[] truth = truth();
        TvSuperResolution solver = new TvSuperResolution(1e-4, 500, TvSuperResolution.DEFAULT_MAX_INNER_ITERATIONS);
        double previous = Double.POSITIVE_INFINITY;
        StringBuilder report = new StringBuilder();
        for (int n : new int[] {1, 4, 16}) {
            var sol = solver.solve(List.of(observe(truth, Augmentations.random(n, S, 11)))).get(0);
            double err = relativeError(sol.map(), truth);
            report.append(String.format("N=%d: error %.4f (%d iterations, gap %.1e)%n", n, err, sol.iterations(), sol.relativeGap()));
            assertTrue(sol.converged(), report.toString());
            assertTrue(err < previous, "error did not fall:\n" + report);
            previous = err;
        }
        System.out.print(report);
        assertTrue(previous < 0.2, "16 copies should recover the map to within 20%:\n" + report);
    }

    /**
     * What V-FISTA guarantees: {@code P(v_k) - P* <= (1 - 1/sqrt(kappa))^k (P(0) - P* + mu/2 ||v*||^2)}, checked
     * at every gap check with {@code P*} bounded below by the final certificate; the certified gap is never negative;
     * and, on this problem, the objective also falls at every check.
     */
    @Test
    void objectiveFollowsTheGuaranteeAndTheGapCertifiesIt() {
        double[] truth = truth();
        List<AffineWarp> warps = Augmentations.random(8, S, 5);
        var p = observe(truth, warps);
        List<double[]> checks = new ArrayList<>();
        TvSuperResolution solver = new TvSuperResolution(1e-6, 1000, TvSuperResolution.DEFAULT_MAX_INNER_ITERATIONS);
        var sol = solver.solve(List.of(p), (it, obj, gap) -> checks.add(new double[] {it, obj, gap})).get(0);
        assertTrue(sol.converged());
        assertTrue(sol.relativeGap() <= 1e-6 && sol.relativeGap() >= 0, "final gap " + sol.relativeGap());

        ObservationOperator a = ObservationOperator.of(warps, H, Downsampling.AREA);
        double l = 2 * a.normSquared(TvSuperResolution.POWER_ITERATIONS) * TvSuperResolution.LIPSCHITZ_MARGIN + 2 * p.lambdaEnergy();
        double mu = 2 * p.lambdaEnergy(), rate = 1 - Math.sqrt(mu / l);
        double pStarLow = sol.objective() * (1 - sol.relativeGap());
        double p0 = 0;
        for (float g : p.observations().data()) p0 += (double) g * g;
        double vNorm = 0;
        for (float v : sol.map().data()) vNorm += (double) v * v;
        double previous = Double.POSITIVE_INFINITY;
        for (double[] c : checks) {
            int k = (int) c[0];
            double bound = Math.pow(rate, k) * (p0 - pStarLow + mu / 2 * vNorm);
            assertTrue(c[1] - pStarLow <= bound * (1 + 1e-9), "iteration " + k + ": objective " + c[1] + " above the V-FISTA bound");
            assertTrue(c[2] >= 0, "negative certified gap at iteration " + k);
            assertTrue(c[1] <= previous * (1 + 1e-12), "objective rose at iteration " + k + ": " + c[1] + " > " + previous);
            previous = c[1];
        }
        assertEquals(sol.objective(), checks.get(checks.size() - 1)[1], 0);
    }

    @Test
    void zeroObservationsGiveAZeroMap() {
        List<AffineWarp> warps = Augmentations.random(3, S, 1);
        var p = SuperResolutionSolver.Problem.withPaperWeights(warps, Tensor.zeros(3, H, H));
        for (SuperResolutionSolver solver : List.of(new TvSuperResolution(), new SeedAdamSuperResolution())) {
            var sol = solver.solve(List.of(p)).get(0);
            for (float v : sol.map().data()) assertEquals(0f, v, solver.name());
            assertEquals(0, sol.objective(), 0, solver.name());
        }
    }

    /** A batch gives what the problems give one by one, with shared and distinct warps. */
    @Test
    void aBatchEqualsTheProblemsSolvedAlone() {
        int s = 64, h = 4;
        List<AffineWarp> w1 = Augmentations.random(4, s, 1), w2 = Augmentations.random(4, s, 2);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        List<SuperResolutionSolver.Problem> problems = new ArrayList<>();
        for (List<AffineWarp> w : List.of(w1, w1, w2)) {
            float[] g = new float[4 * h * h];
            for (int i = 0; i < g.length; i++) g[i] = (float) r.nextDouble();
            problems.add(SuperResolutionSolver.Problem.withPaperWeights(w, new Tensor(g, 4, h, h)));
        }
        for (SuperResolutionSolver solver : List.of(new TvSuperResolution(), new SeedAdamSuperResolution())) {
            var batch = solver.solve(problems);
            for (int i = 0; i < problems.size(); i++) {
                var alone = solver.solve(List.of(problems.get(i))).get(0);
                assertArrayEquals(alone.map().data(), batch.get(i).map().data(), solver.name() + " problem " + i);
            }
        }
    }
}
