package org.gradcam4j.augment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradcam4j.backend.cuda.CudaSolvers;
import org.gradcam4j.tensor.Tensor;

/**
 * A CPU solver's algorithm run on a GPU ({@code native/tv_solver_host.h}): the problems that share an observation
 * operator and weights (the classes of one image) are solved side by side, step for step as {@link TvSuperResolution}
 * or {@link SeedAdamSuperResolution} would, so both give the same iterations and maps to rounding. Not yet run on a
 * GPU: the GPU test suite compares it with the CPU solvers.
 */
public final class CudaSuperResolution implements SuperResolutionSolver {
    private final SuperResolutionSolver cpu;
    private final int device;

    /** @param cpu a {@link TvSuperResolution} or {@link SeedAdamSuperResolution}: the algorithm and settings to run */
    public CudaSuperResolution(SuperResolutionSolver cpu, int device) {
        if (!(cpu instanceof TvSuperResolution) && !(cpu instanceof SeedAdamSuperResolution)) {
            throw new IllegalArgumentException("no GPU version of the solver '" + cpu.name() + "'");
        }
        this.cpu = cpu;
        this.device = device;
    }

    public SuperResolutionSolver cpuSolver() { return cpu; }

    @Override public String name() { return cpu.name(); }

    @Override public Downsampling downsampling() { return cpu.downsampling(); }

    private record Group(ObservationOperator operator, double lambdaTv, double lambdaE) {}

    @Override
    public List<Solution> solve(List<Problem> problems) {
        Map<List<AffineWarp>, ObservationOperator> ops = TvSuperResolution.operators(problems, downsampling());
        Map<Group, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            groups.computeIfAbsent(new Group(ops.get(p.warps()), p.lambdaTv(), p.lambdaEnergy()), k -> new ArrayList<>()).add(i);
        }
        Solution[] out = new Solution[problems.size()];
        for (Map.Entry<Group, List<Integer>> e : groups.entrySet()) {
            long t0 = System.nanoTime();
            Group g = e.getKey();
            List<Integer> idx = e.getValue();
            ObservationOperator a = g.operator();
            int m = a.rows(), b = idx.size(), s = a.size();
            double[] obs = new double[b * m];
            for (int k = 0; k < b; k++) {
                float[] o = problems.get(idx.get(k)).observations().data();
                for (int i = 0; i < m; i++) obs[k * m + i] = o[i];
            }
            CudaSolvers.Operator op = new CudaSolvers.Operator(s, a.rowStarts(), a.columnIndices(), a.weights());
            CudaSolvers.Results r;
            if (cpu instanceof TvSuperResolution tv) {
                r = CudaSolvers.solveDefault(device, op, b, obs, ObservationOperator.powerStart(s * s),
                        new double[] {g.lambdaTv(), g.lambdaE(), TvSuperResolution.LIPSCHITZ_MARGIN, tv.tolerance(), TvSuperResolution.INNER_SHARE},
                        new int[] {TvSuperResolution.POWER_ITERATIONS, tv.maxIterations(), tv.maxInnerIterations(),
                                TvSuperResolution.CHECK_EVERY, TvSuperResolution.INNER_CHECK_EVERY});
            } else {
                SeedAdamSuperResolution seed = (SeedAdamSuperResolution) cpu;
                r = CudaSolvers.solveSeed(device, op, b, obs,
                        new double[] {g.lambdaTv(), g.lambdaE(), SeedAdamSuperResolution.LEARNING_RATE, SeedAdamSuperResolution.BETA1,
                                SeedAdamSuperResolution.BETA2, SeedAdamSuperResolution.EPSILON}, seed.steps());
            }
            double seconds = (System.nanoTime() - t0) / 1e9 / b;
            for (int k = 0; k < b; k++) {
                float[] map = new float[s * s];
                System.arraycopy(r.maps(), k * s * s, map, 0, s * s);
                out[idx.get(k)] = new Solution(new Tensor(map, s, s), r.iterations(k), r.innerIterations(k), r.objective(k), r.gap(k),
                        r.converged(k), seconds);
            }
        }
        return List.of(out);
    }
}
