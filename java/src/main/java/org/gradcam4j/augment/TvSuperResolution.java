package org.gradcam4j.augment;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.gradcam4j.tensor.Tensor;

/**
 * The default super-resolution solver: the exact objective of {@link SuperResolutionSolver} with area
 * downsampling, solved to a stated tolerance.
 *
 * <h2>Method: accelerated proximal gradient for strongly convex problems, TV prox by its dual</h2>
 * Split the objective as {@code f(v) = ||A v - g||^2 + lambdaE ||v||^2} (smooth: gradient
 * {@code 2 A*(A v - g) + 2 lambdaE v}, Lipschitz constant {@code L = 2 ||A||^2 + 2 lambdaE}, strongly convex with
 * {@code mu = 2 lambdaE}) plus {@code h(v) = lambdaTv TV(v)}, and run V-FISTA (Beck, <i>First-Order Methods in
 * Optimization</i>, 2017, sec. 10.7.7):
 * <pre>
 *   v_k+1 = prox_{h/L}(z_k - grad f(z_k) / L),   z_k+1 = v_k+1 + q (v_k+1 - v_k),   q = (sqrt(k) - 1) / (sqrt(k) + 1),  k = L / mu
 * </pre>
 * whose objective error falls at least like {@code (1 - 1/sqrt(k))^n}. {@code prox_{h/L}} is a TV denoising
 * problem, {@code min_w 1/2 ||w - u||^2 + (lambdaTv / L) TV(w)}, solved on its dual (box-constrained,
 * {@code w = u - grad* p}, {@code |p| <= lambdaTv / L}) by FGP (Beck and Teboulle 2009: accelerated projected
 * gradient, step {@code 1/8} since {@code ||grad||^2 <= 8}), warm-started from the previous outer iteration's
 * dual and stopped when its own duality gap {@code sum (lambdaTv/L) |grad w| - p . grad w} is small next to the
 * outer tolerance, or after {@code maxInnerIterations}.
 *
 * <p>Why this and not a single-loop primal-dual method: with {@code N = 100} copies {@code ||A||^2} is about
 * {@code N / 256 = 0.4} (area averaging over 16 x 16 blocks) while {@code ||grad||^2 = 8} and the strong
 * convexity is only {@code 2 lambdaE = 0.02}. Chambolle-Pock on {@code K = [A; grad]} (even with the
 * accelerated steps and per-block dual steps {@code tau sigma_i ||K_i||^2 < 1/2}) needed 2000 to 3000
 * iterations, each with one {@code A} and one {@code A*}, to reach a relative gap of {@code 1e-3}, and its map
 * was still about 1% of its maximum away from the optimum. V-FISTA sees the well-conditioned data term directly
 * ({@code L / mu} about 40, so the outer loop converges linearly in a few dozen iterations) and pushes the hard,
 * TV part into the inner loop, whose iterations cost a few flops per pixel and no operator application.
 *
 * <h2>Step sizes</h2>
 * {@code ||A||^2} is estimated by power iteration on {@code A* A} ({@link #POWER_ITERATIONS} steps from a
 * positive start, which for this non-negative operator converges to the top eigenvalue from below) and
 * multiplied by {@link #LIPSCHITZ_MARGIN}: a step {@code 1/L} from a slightly too large {@code L} only slows
 * the method a little, while a too small {@code L} could break the guarantee.
 *
 * <h2>Stopping</h2>
 * Every {@link #CHECK_EVERY} iterations the primal-dual gap is evaluated with the dual point
 * {@code y1 = 2 (A v - g)} (data term) and {@code y2 = L p} (the TV prox's dual, {@code |y2| <= lambdaTv}):
 * <pre>
 *   dual(y) = -(y1 . g) - ||y1||^2 / 4 - ||A* y1 + grad* y2||^2 / (4 lambdaE)  <=  optimum  <=  objective(v)
 * </pre>
 * The solver stops when {@code (objective - dual) <= tolerance * objective}: the returned objective is then
 * certified within {@code tolerance} (relative) of the optimum. Needs {@code lambdaE > 0}.
 *
 * <p>Problems of a batch are solved in parallel, one thread each; one problem runs on one thread. Immutable and
 * thread-safe.
 */
public final class TvSuperResolution implements SuperResolutionSolver {
    /** Default relative-gap tolerance: the objective certified within 1e-5 of the optimum (maps then agree to ~1e-3 of their maximum). */
    public static final double DEFAULT_TOLERANCE = 1e-5;
    public static final int DEFAULT_MAX_ITERATIONS = 500;
    /** FGP iterations per prox at most; warm starts make later proxes need far fewer. */
    public static final int DEFAULT_MAX_INNER_ITERATIONS = 300;
    static final int POWER_ITERATIONS = 40;
    static final double LIPSCHITZ_MARGIN = 1.02;
    static final int CHECK_EVERY = 5;
    /** The inner loop checks its gap this often. */
    static final int INNER_CHECK_EVERY = 10;
    /** An inner prox counts as exact enough when its gap (in objective units) is below this share of the outer tolerance. */
    static final double INNER_SHARE = 0.1;

    private final double tolerance;
    private final int maxIterations;
    private final int maxInnerIterations;

    public TvSuperResolution() { this(DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS, DEFAULT_MAX_INNER_ITERATIONS); }

    /**
     * @param tolerance          relative primal-dual gap to stop at, in (0, 1)
     * @param maxIterations      outer iterations at most
     * @param maxInnerIterations FGP iterations per prox at most
     */
    public TvSuperResolution(double tolerance, int maxIterations, int maxInnerIterations) {
        if (!(tolerance > 0 && tolerance < 1)) throw new IllegalArgumentException("tolerance must be in (0, 1), got " + tolerance);
        if (maxIterations < 1 || maxInnerIterations < 1) throw new IllegalArgumentException("iteration limits must be >= 1");
        this.tolerance = tolerance;
        this.maxIterations = maxIterations;
        this.maxInnerIterations = maxInnerIterations;
    }

    public double tolerance() { return tolerance; }
    public int maxIterations() { return maxIterations; }
    public int maxInnerIterations() { return maxInnerIterations; }

    @Override public String name() { return "default"; }

    @Override public Downsampling downsampling() { return Downsampling.AREA; }

    /** Observer of the outer iterations, for tests: {@code (iteration, objective, relativeGap)} at each check. */
    public interface Trace {
        void check(int iteration, double objective, double relativeGap);
    }

    @Override
    public List<Solution> solve(List<Problem> problems) {
        return solve(problems, null);
    }

    /** As {@link #solve(List)}, reporting every gap check of every problem to {@code trace} (may be null). */
    public List<Solution> solve(List<Problem> problems, Trace trace) {
        Map<List<AffineWarp>, ObservationOperator> operators = operators(problems, downsampling());
        Solution[] out = new Solution[problems.size()];
        IntStream.range(0, problems.size()).parallel().forEach(i -> {
            Problem p = problems.get(i);
            out[i] = solveOne(operators.get(p.warps()), p, trace, problems.size() == 1);
        });
        return List.of(out);
    }

    /** One operator per distinct warp list (the classes of one image share theirs). */
    static Map<List<AffineWarp>, ObservationOperator> operators(List<Problem> problems, Downsampling d) {
        Map<List<AffineWarp>, ObservationOperator> ops = new IdentityHashMap<>();
        List<Problem> firsts = new ArrayList<>();
        for (Problem p : problems) {
            if (!ops.containsKey(p.warps())) {
                ops.put(p.warps(), null);
                firsts.add(p);
            }
        }
        for (Problem p : firsts) ops.put(p.warps(), ObservationOperator.of(p.warps(), p.cells(), d));
        return ops;
    }

    private Solution solveOne(ObservationOperator a, Problem p, Trace trace, boolean alone) {
        long t0 = System.nanoTime();
        if (!(p.lambdaEnergy() > 0)) throw new IllegalArgumentException("the default solver needs lambdaEnergy > 0, got " + p.lambdaEnergy());
        int s = a.size(), n = s * s, m = a.rows();
        double lambdaTv = p.lambdaTv(), lambdaE = p.lambdaEnergy();
        double[] g = new double[m];
        float[] obs = p.observations().data();
        for (int i = 0; i < m; i++) g[i] = obs[i];

        double l = 2 * a.normSquared(POWER_ITERATIONS) * LIPSCHITZ_MARGIN + 2 * lambdaE;
        double mu = 2 * lambdaE;
        double q = (Math.sqrt(l) - Math.sqrt(mu)) / (Math.sqrt(l) + Math.sqrt(mu));
        double alpha = lambdaTv / l;

        double[] v = new double[n], vPrev = new double[n], z = new double[n], u = new double[n];
        double[] residual = new double[m], grad = new double[n];
        Fgp fgp = new Fgp(s, alpha);
        fgp.halves = alone && Runtime.getRuntime().availableProcessors() > 1 && s >= 64;
        double objective0 = ObservationOperator.dot(g, g); // the objective at v = 0
        double objective = objective0, gap = objective0 == 0 ? 0 : Double.POSITIVE_INFINITY;
        int it = 0;
        boolean converged = objective0 == 0;
        while (!converged && it < maxIterations) {
            it++;
            // u = z - grad f(z) / L
            a.apply(z, residual, fgp.halves);
            for (int i = 0; i < m; i++) residual[i] -= g[i];
            a.adjoint(residual, grad, fgp.halves);
            for (int i = 0; i < n; i++) u[i] = z[i] - (2 * grad[i] + 2 * lambdaE * z[i]) / l;
            // v = prox_{h/L}(u), to a gap well below the outer tolerance (in objective units: L * inner gap)
            double innerTarget = INNER_SHARE * tolerance * objective / l;
            double[] tmp = vPrev;
            vPrev = v;
            v = tmp;
            fgp.prox(u, v, innerTarget, maxInnerIterations);
            for (int i = 0; i < n; i++) z[i] = v[i] + q * (v[i] - vPrev[i]);
            if (it % CHECK_EVERY == 0 || it == maxIterations) {
                double[] pg = objectiveAndGap(a, g, v, fgp, l, lambdaTv, lambdaE, residual, grad);
                objective = pg[0];
                gap = pg[1];
                if (trace != null) trace.check(it, objective, gap);
                converged = gap <= tolerance;
            }
        }
        if (it == 0) {
            // g = 0: v = 0 is optimal
            objective = 0;
            gap = 0;
        }
        float[] map = new float[n];
        for (int i = 0; i < n; i++) map[i] = (float) v[i];
        return new Solution(new Tensor(map, s, s), it, fgp.iterations, objective, gap, converged, (System.nanoTime() - t0) / 1e9);
    }

    /** {objective(v), relative gap}; {@code residual} and {@code work} are scratch. */
    private static double[] objectiveAndGap(ObservationOperator a, double[] g, double[] v, Fgp fgp, double l, double lambdaTv,
                                            double lambdaE, double[] residual, double[] work) {
        int n = v.length, s = a.size();
        a.apply(v, residual);
        double data = 0, energy = 0;
        for (int i = 0; i < residual.length; i++) {
            residual[i] -= g[i];
            data += residual[i] * residual[i];
        }
        for (double x : v) energy += x * x;
        double primal = data + lambdaTv * TotalVariation.value(v, s) + lambdaE * energy;
        // dual point: y1 = 2 r, y2 = L p
        double y1g = 0, y1y1 = 0;
        for (int i = 0; i < residual.length; i++) {
            double y1 = 2 * residual[i];
            y1g += y1 * g[i];
            y1y1 += y1 * y1;
        }
        for (int i = 0; i < residual.length; i++) residual[i] *= 2;
        a.adjoint(residual, work);
        double[] div = new double[n];
        fgp.dualImage(div);
        double w2 = 0;
        for (int i = 0; i < n; i++) {
            double w = work[i] + l * div[i];
            w2 += w * w;
        }
        double dual = -y1g - y1y1 / 4 - w2 / (4 * lambdaE);
        double gap = primal > 0 ? Math.max(0, primal - dual) / primal : 0;
        return new double[] {primal, gap};
    }

    /**
     * FGP for {@code min_w 1/2 ||w - u||^2 + alpha TV(w)} on its dual; keeps the dual {@code (px, py)} between
     * calls (warm start). Invariant: {@code px} is zero on the last column and {@code py} on the last row (they
     * belong to no difference), so {@code grad* p} needs guards only on the first row and column, and the loops
     * below are branch-free along a row, which the JIT vectorises.
     */
    static final class Fgp {
        final int s;
        final double alpha;
        final double[] px, py, qx, qy, w, scratch;
        /** Split each pass over two threads (set when this is the only problem being solved). */
        boolean halves;
        long iterations;

        Fgp(int s, double alpha) {
            this.s = s;
            this.alpha = alpha;
            int n = s * s;
            px = new double[n];
            py = new double[n];
            qx = new double[n];
            qy = new double[n];
            w = new double[n];
            scratch = new double[n];
        }

        /**
         * {@code out = argmin_w 1/2 ||w - u||^2 + alpha TV(w)} to a dual gap of {@code target} or after
         * {@code maxIterations}.
         */
        void prox(double[] u, double[] out, double target, int maxIterations) {
            int n = s * s;
            System.arraycopy(px, 0, qx, 0, n);
            System.arraycopy(py, 0, qy, 0, n);
            double t = 1;
            for (int k = 1; k <= maxIterations; k++) {
                primal(u, qx, qy, w);
                double tn = (1 + Math.sqrt(1 + 4 * t * t)) / 2, beta = (t - 1) / tn;
                step(beta);
                t = tn;
                iterations++;
                if (k % INNER_CHECK_EVERY == 0 && gap(u) <= target) break;
            }
            primal(u, px, py, out);
        }

        /** {@code out = u - grad* (ax, ay)}. */
        void primal(double[] u, double[] ax, double[] ay, double[] out) {
            if (halves) {
                int mid = s / 2;
                TwoThreads.run(() -> primalRows(u, ax, ay, out, 0, mid), () -> primalRows(u, ax, ay, out, mid, s));
            } else {
                primalRows(u, ax, ay, out, 0, s);
            }
        }

        /** Rows {@code [y0, y1)} of {@link #primal}: each row reads only the rows at and above it of the inputs. */
        private void primalRows(double[] u, double[] ax, double[] ay, double[] out, int y0, int y1) {
            int s = this.s;
            int from = y0;
            if (y0 == 0) {
                // row 0: no py from above
                out[0] = u[0] + ax[0] + ay[0];
                for (int x = 1; x < s; x++) out[x] = u[x] + ax[x] - ax[x - 1] + ay[x];
                from = 1;
            }
            for (int y = from; y < y1; y++) {
                int r = y * s;
                out[r] = u[r] + ax[r] + ay[r] - ay[r - s];
                for (int i = r + 1, e = r + s; i < e; i++) out[i] = u[i] + ax[i] - ax[i - 1] + ay[i] - ay[i - s];
            }
        }

        /**
         * p_new = clip(q + grad w / 8); q = p_new + beta (p_new - p); p = p_new. The clip to {@code [-alpha,
         * alpha]} is written {@code (|v + alpha| - |v - alpha|) / 2}: the same value up to one rounding of
         * {@code alpha}'s size, and made of operations the JIT vectorises (Math.max/min on doubles it does not
         * here: measured 1.7x slower for this loop).
         */
        private void step(double beta) {
            if (halves) {
                int mid = s / 2;
                TwoThreads.run(() -> stepRows(beta, 0, mid), () -> stepRows(beta, mid, s));
            } else {
                stepRows(beta, 0, s);
            }
        }

        /** Rows {@code [y0, y1)} of {@link #step}: row y reads w rows y and y + 1 and writes only its own p and q. */
        private void stepRows(double beta, int y0, int y1) {
            int s = this.s;
            double a = alpha;
            double[] w = this.w, px = this.px, py = this.py, qx = this.qx, qy = this.qy;
            for (int y = y0; y < y1; y++) {
                int r = y * s;
                for (int i = r, e = r + s - 1; i < e; i++) {
                    double v = qx[i] + (w[i + 1] - w[i]) * 0.125;
                    double nx = 0.5 * (Math.abs(v + a) - Math.abs(v - a));
                    qx[i] = nx + beta * (nx - px[i]);
                    px[i] = nx;
                }
                if (y < s - 1) {
                    for (int i = r, e = r + s; i < e; i++) {
                        double v = qy[i] + (w[i + s] - w[i]) * 0.125;
                        double ny = 0.5 * (Math.abs(v + a) - Math.abs(v - a));
                        qy[i] = ny + beta * (ny - py[i]);
                        py[i] = ny;
                    }
                }
            }
        }

        /** The prox problem's duality gap at the current dual {@code p}: {@code sum alpha |grad w| - p . grad w}, w = u - grad* p. */
        private double gap(double[] u) {
            int s = this.s;
            primal(u, px, py, scratch);
            double g = 0;
            for (int y = 0; y < s; y++) {
                int r = y * s;
                for (int i = r, e = r + s - 1; i < e; i++) {
                    double d = scratch[i + 1] - scratch[i];
                    g += alpha * Math.abs(d) - px[i] * d;
                }
                if (y < s - 1) {
                    for (int i = r, e = r + s; i < e; i++) {
                        double d = scratch[i + s] - scratch[i];
                        g += alpha * Math.abs(d) - py[i] * d;
                    }
                }
            }
            return g;
        }

        /** {@code grad* p} into {@code out}. */
        void dualImage(double[] out) {
            int n = s * s;
            double[] zero = scratch;
            java.util.Arrays.fill(zero, 0);
            primal(zero, px, py, out);
            for (int i = 0; i < n; i++) out[i] = -out[i];
        }
    }
}
