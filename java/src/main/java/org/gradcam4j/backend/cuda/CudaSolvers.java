package org.gradcam4j.backend.cuda;

/**
 * The GPU super-resolution solvers ({@code native/tv_solver_host.h}): B problems that share one observation operator
 * (CSR, {@code rows x size^2}) and the same weights, solved side by side, step for step as the Java solvers do.
 * Used by {@code org.gradcam4j.augment.CudaSuperResolution}; the arrays are that class's business.
 */
public final class CudaSolvers {
    private CudaSolvers() {}

    /** Maps ({@code problems x size x size}) and, per problem, iterations, inner iterations, objective, gap, converged. */
    public record Results(float[] maps, double[] stats) {
        public int iterations(int b) { return (int) stats[5 * b]; }
        public long innerIterations(int b) { return (long) stats[5 * b + 1]; }
        public double objective(int b) { return stats[5 * b + 2]; }
        public double gap(int b) { return stats[5 * b + 3]; }
        public boolean converged(int b) { return stats[5 * b + 4] != 0; }
    }

    /** Operator in CSR form: {@code rowStart} (rows + 1), {@code column} and {@code weight} (nnz). */
    public record Operator(int size, int[] rowStart, int[] column, float[] weight) {
        public int rows() { return rowStart.length - 1; }
    }

    /**
     * V-FISTA + FGP to a certified relative gap (TvSuperResolution's algorithm and constants).
     *
     * @param powerStart the normalised start of the power iteration for {@code ||A||^2}
     * @param settings   lambdaTv, lambdaE, Lipschitz margin, tolerance, inner share
     * @param limits     power iterations, max iterations, max inner iterations, check every, inner check every
     */
    public static Results solveDefault(int device, Operator op, int problems, double[] observations, double[] powerStart,
                                       double[] settings, int[] limits) {
        check(device);
        float[] maps = new float[problems * op.size() * op.size()];
        double[] stats = new double[5 * problems];
        neutralOutOfMemory(() -> CudaSolverNative.solveDefault(device, op.size(), op.rowStart(), op.column(), op.weight(), problems,
                observations, powerStart, settings, limits, maps, stats));
        return new Results(maps, stats);
    }

    /** The seed's Adam steps; {@code settings}: lambdaTv, lambdaE, learning rate, beta1, beta2, epsilon. */
    public static Results solveSeed(int device, Operator op, int problems, double[] observations, double[] settings, int steps) {
        check(device);
        float[] maps = new float[problems * op.size() * op.size()];
        double[] stats = new double[5 * problems];
        neutralOutOfMemory(() -> CudaSolverNative.solveSeed(device, op.size(), op.rowStart(), op.column(), op.weight(), problems,
                observations, settings, steps, maps, stats));
        return new Results(maps, stats);
    }

    /** Device memory exhaustion as the backend-neutral exception callers split work on, like the backend's calls. */
    private static void neutralOutOfMemory(Runnable nativeCall) {
        try {
            nativeCall.run();
        } catch (CudaOutOfMemoryException e) {
            throw new org.gradcam4j.backend.DeviceOutOfMemoryException("GPU super-resolution solver: " + e.getMessage(), e);
        }
    }

    private static void check(int device) {
        CudaRuntime.Status s = CudaRuntime.status();
        if (!s.hasDevice()) throw new CudaUnavailableException(s.deviceProblem().orElse(s.reason()));
        s.requireDeviceIndex(device);
    }
}
