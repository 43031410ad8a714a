package org.gradcam4j.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.gradcam4j.backend.cuda.CudaRuntime;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The GPU super-resolution solvers against the CPU ones (tagged gpu; skipped without a device): a batch of three
 * problems, two sharing their warps (two classes of one image) and one with its own, solved by
 * {@link CudaSuperResolution} and by the CPU solver it wraps: the same outer and inner iteration counts and maps
 * within 1e-4 relative L2, for the default solver and the seed mode.
 */
@Tag("gpu")
class CudaSuperResolutionGpuTest {
    private static final CudaRuntime.Status status = CudaRuntime.status();

    @BeforeEach
    void device() { assumeTrue(status.hasDevice(), status::reason); }

    private static List<SuperResolutionSolver.Problem> problems(Downsampling d) {
        double[] truth = TvSuperResolutionTest.truth();
        List<AffineWarp> w1 = Augmentations.random(16, TvSuperResolutionTest.S, 3), w2 = Augmentations.random(16, TvSuperResolutionTest.S, 4);
        List<SuperResolutionSolver.Problem> p = new ArrayList<>();
        p.add(observe(truth, w1, d, 1.0));
        p.add(observe(truth, w1, d, 0.5));
        p.add(observe(truth, w2, d, 1.0));
        return p;
    }

    private static SuperResolutionSolver.Problem observe(double[] truth, List<AffineWarp> warps, Downsampling d, double scale) {
        ObservationOperator a = ObservationOperator.of(warps, TvSuperResolutionTest.H, d);
        double[] g = new double[a.rows()];
        a.apply(truth, g);
        float[] f = new float[g.length];
        for (int i = 0; i < g.length; i++) f[i] = (float) (scale * g[i]);
        return SuperResolutionSolver.Problem.withPaperWeights(warps, new Tensor(f, warps.size(), TvSuperResolutionTest.H, TvSuperResolutionTest.H));
    }

    private static void compare(SuperResolutionSolver cpu) {
        List<SuperResolutionSolver.Problem> ps = problems(cpu.downsampling());
        List<SuperResolutionSolver.Solution> want = cpu.solve(ps);
        List<SuperResolutionSolver.Solution> got = new CudaSuperResolution(cpu, 0).solve(ps);
        for (int i = 0; i < ps.size(); i++) {
            SuperResolutionSolver.Solution a = want.get(i), b = got.get(i);
            double e = Errors.relativeL2(b.map().data(), a.map().data());
            System.out.printf(Locale.ROOT, "gpu-solver %-7s problem %d: map rel.L2 %.3e, iterations %d/%d vs %d/%d, objective %.9f vs %.9f, %.3f s vs %.3f s%n",
                    cpu.name(), i, e, b.iterations(), b.innerIterations(), a.iterations(), a.innerIterations(), b.objective(), a.objective(),
                    b.seconds(), a.seconds());
            assertEquals(a.iterations(), b.iterations(), "problem " + i + " iterations");
            assertEquals(a.innerIterations(), b.innerIterations(), "problem " + i + " inner iterations");
            assertEquals(a.converged(), b.converged(), "problem " + i + " converged");
            assertTrue(e <= 1e-4, "problem " + i + ": map relative L2 " + e);
        }
    }

    @Test
    void theDefaultSolverTakesTheSameStepsOnTheGpu() { compare(new TvSuperResolution()); }

    @Test
    void theSeedSolverTakesTheSameStepsOnTheGpu() { compare(new SeedAdamSuperResolution()); }
}
