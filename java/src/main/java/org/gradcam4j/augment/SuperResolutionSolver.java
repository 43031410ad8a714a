package org.gradcam4j.augment;

import java.util.List;
import org.gradcam4j.tensor.Tensor;

/**
 * Heat-map super-resolution (docs/ALGORITHMS.md section 5): for each problem, the {@code S x S} map {@code v} that
 * minimises
 * <pre>
 *   sum_l || D(T_l v) - g_l ||^2 + lambdaTv * TV(v) + lambdaEnergy * ||v||^2
 * </pre>
 * with {@code T_l} the warp of copy {@code l}, {@code D} the solver's {@link Downsampling}, and TV anisotropic
 * with forward differences ({@code sum |v[y][x+1] - v[y][x]| + |v[y+1][x] - v[y][x]|}, no term past the last
 * row or column).
 *
 * <p>Implementations take a batch of problems at once, so that a device implementation can solve them side by
 * side; problems that share the same warp list (the classes of one image) share one observation operator.
 * The CPU implementations ({@link TvSuperResolution}, {@link SeedAdamSuperResolution}) are the reference.
 */
public interface SuperResolutionSolver {

    /**
     * One problem.
     *
     * @param warps        (N) the copies' warps on {@code S x S} planes
     * @param observations (N x h x h) the observed low-resolution maps {@code g_l}
     * @param lambdaTv     weight of the total variation
     * @param lambdaEnergy weight of {@code ||v||^2}
     */
    record Problem(List<AffineWarp> warps, Tensor observations, double lambdaTv, double lambdaEnergy) {
        public Problem {
            warps = List.copyOf(warps);
            if (observations.rank() != 3 || observations.dim(0) != warps.size() || observations.dim(1) != observations.dim(2)) {
                throw new IllegalArgumentException("observations must be (N x h x h) with N = " + warps.size() + " warps, got " + observations);
            }
            if (!(lambdaTv >= 0) || !(lambdaEnergy >= 0)) {
                throw new IllegalArgumentException("weights must be >= 0: lambdaTv " + lambdaTv + ", lambdaEnergy " + lambdaEnergy);
            }
        }

        /** The paper's and the seed's weights: {@code lambdaTv = 0.002 N}, {@code lambdaEnergy = 0.0001 N}. */
        public static Problem withPaperWeights(List<AffineWarp> warps, Tensor observations) {
            int n = warps.size();
            return new Problem(warps, observations, 0.002 * n, 0.0001 * n);
        }

        public int size() { return warps.get(0).size(); }
        public int cells() { return observations.dim(1); }
    }

    /**
     * A solved problem.
     *
     * @param map         (S x S) the high-resolution map {@code v}, unnormalised
     * @param iterations  outer iterations (the default solver) or optimiser steps (seed mode)
     * @param innerIterations total inner iterations (the default solver's TV prox); 0 where there are none
     * @param objective   the objective above at {@code map}, with this solver's {@code D}
     * @param relativeGap a certified bound on {@code (objective - optimum) / objective} (primal-dual gap), or NaN
     *                    where the solver computes none (seed mode)
     * @param converged   whether the stopping tolerance was met (always false in seed mode, which runs fixed steps)
     * @param seconds     wall time of this problem's solve
     */
    record Solution(Tensor map, int iterations, long innerIterations, double objective, double relativeGap, boolean converged,
                    double seconds) {}

    /** Short name for reports: {@code default} or {@code seed}. */
    String name();

    /** The downsampling operator {@code D} of this solver's model. */
    Downsampling downsampling();

    /** Solves every problem; the result list is in problem order. */
    List<Solution> solve(List<Problem> problems);
}
