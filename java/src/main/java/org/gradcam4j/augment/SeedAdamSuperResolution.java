package org.gradcam4j.augment;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.gradcam4j.tensor.Tensor;

/**
 * {@code --solver seed}: the Augmented Grad-CAM seed's solver, for comparison. Its {@code D} is TF1's legacy
 * resize ({@link Downsampling#POINT_SAMPLE}: cell {@code (i, j)} reads pixel {@code (16 i, 16 j)}), and it runs
 * {@value #STEPS} steps of Adam (TF1's {@code AdamOptimizer}: learning rate {@code 1e-3}, {@code beta1 = 0.9},
 * {@code beta2 = 0.999}, {@code epsilon = 1e-8} added to {@code sqrt(v)} after the bias correction is folded
 * into the step, {@code lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)}) from {@code v = 0} on the plain
 * (sub)gradient of the objective, {@code sign(0) = 0} for the absolute values as TF's {@code Abs} gradient.
 * 200 steps of at most about {@code 1e-3} each cannot lift the map much above 0.2: the result is not the
 * minimiser (docs/ALGORITHMS.md section 5), which is why the default is {@link TvSuperResolution}. Computed in double.
 */
public final class SeedAdamSuperResolution implements SuperResolutionSolver {
    public static final int STEPS = 200;
    public static final double LEARNING_RATE = 1e-3, BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-8;

    private final int steps;

    public SeedAdamSuperResolution() { this(STEPS); }

    public SeedAdamSuperResolution(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1");
        this.steps = steps;
    }

    public int steps() { return steps; }

    @Override public String name() { return "seed"; }

    @Override public Downsampling downsampling() { return Downsampling.POINT_SAMPLE; }

    @Override
    public List<Solution> solve(List<Problem> problems) {
        Map<List<AffineWarp>, ObservationOperator> operators = TvSuperResolution.operators(problems, downsampling());
        Solution[] out = new Solution[problems.size()];
        IntStream.range(0, problems.size()).parallel().forEach(i -> out[i] = solveOne(operators.get(problems.get(i).warps()), problems.get(i)));
        return List.of(out);
    }

    private Solution solveOne(ObservationOperator a, Problem p) {
        long t0 = System.nanoTime();
        int s = a.size(), n = s * s, m = a.rows();
        double lambdaTv = p.lambdaTv(), lambdaE = p.lambdaEnergy();
        double[] g = new double[m];
        float[] obs = p.observations().data();
        for (int i = 0; i < m; i++) g[i] = obs[i];
        double[] v = new double[n], grad = new double[n], first = new double[n], second = new double[n];
        double[] residual = new double[m];
        double b1t = 1, b2t = 1;
        for (int t = 1; t <= steps; t++) {
            gradient(a, g, v, lambdaTv, lambdaE, residual, grad);
            b1t *= BETA1;
            b2t *= BETA2;
            double lrT = LEARNING_RATE * Math.sqrt(1 - b2t) / (1 - b1t);
            for (int i = 0; i < n; i++) {
                first[i] = BETA1 * first[i] + (1 - BETA1) * grad[i];
                second[i] = BETA2 * second[i] + (1 - BETA2) * grad[i] * grad[i];
                v[i] -= lrT * first[i] / (Math.sqrt(second[i]) + EPSILON);
            }
        }
        double objective = objective(a, g, v, lambdaTv, lambdaE, residual);
        float[] map = new float[n];
        for (int i = 0; i < n; i++) map[i] = (float) v[i];
        return new Solution(new Tensor(map, s, s), steps, 0, objective, Double.NaN, false, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * {@code grad = 2 A*(A v - g) + lambdaTv d TV(v) + 2 lambdaE v}, with {@code d|x| = sign(x)}, {@code sign(0) = 0}.
     * The TV terms are added in four whole-plane passes (+x neighbour difference, -x, +y, -y), a fixed order that
     * a vectorised re-implementation can follow exactly: this solver is sensitive to rounding (see
     * {@code SuperResolutionTorchReferenceTest}).
     */
    static void gradient(ObservationOperator a, double[] g, double[] v, double lambdaTv, double lambdaE, double[] residual, double[] grad) {
        int s = a.size(), n = s * s;
        a.apply(v, residual);
        for (int i = 0; i < residual.length; i++) residual[i] = 2 * (residual[i] - g[i]);
        a.adjoint(residual, grad);
        for (int y = 0; y < s; y++) {
            int r = y * s;
            for (int x = 1; x < s; x++) grad[r + x] += lambdaTv * Math.signum(v[r + x] - v[r + x - 1]);
        }
        for (int y = 0; y < s; y++) {
            int r = y * s;
            for (int x = 0; x < s - 1; x++) grad[r + x] -= lambdaTv * Math.signum(v[r + x + 1] - v[r + x]);
        }
        for (int i = s; i < n; i++) grad[i] += lambdaTv * Math.signum(v[i] - v[i - s]);
        for (int i = 0; i < n - s; i++) grad[i] -= lambdaTv * Math.signum(v[i + s] - v[i]);
        for (int i = 0; i < n; i++) grad[i] += 2 * lambdaE * v[i];
    }

    static double objective(ObservationOperator a, double[] g, double[] v, double lambdaTv, double lambdaE, double[] residual) {
        a.apply(v, residual);
        double data = 0, energy = 0;
        for (int i = 0; i < residual.length; i++) {
            double r = residual[i] - g[i];
            data += r * r;
        }
        for (double x : v) energy += x * x;
        return data + lambdaTv * TotalVariation.value(v, a.size()) + lambdaE * energy;
    }
}
