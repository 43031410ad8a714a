package org.gradcam4j.explain;

import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.explain.MethodSettings.IgRule;
import org.gradcam4j.tensor.Tensor;

/**
 * Integrated Gradients (docs/ALGORITHMS.md section 8): {@code (X - X') * sum_i w_i dS/dX(X' + a_i (X - X'))}, the
 * path points of each image batched through the backend, and the completeness gap
 * {@code sum IG - (S(X) - S(X'))} per image and class.
 */
final class IntegratedGradients {
    private IntegratedGradients() {}

    /**
     * @param values (M x C x S x S) the attributions, in the model's channel order
     * @param gaps   (M) the completeness gaps
     */
    record Result(Tensor values, double[] gaps) {}

    /** The path points {@code a_i} and weights {@code w_i} of a rule with {@code n} points: {alphas, weights}. */
    static double[][] path(IgRule rule, int n) {
        double[] a = new double[n], w = new double[n];
        if (rule == IgRule.GAUSS_LEGENDRE) {
            double[][] gl = gaussLegendre(n);
            for (int i = 0; i < n; i++) {
                a[i] = 0.5 * (gl[0][i] + 1);
                w[i] = 0.5 * gl[1][i];
            }
        } else {   // Captum's riemann_trapezoid: linspace(0, 1, n), steps 1/n halved at both ends
            for (int i = 0; i < n; i++) {
                a[i] = (double) i / (n - 1);
                w[i] = 1.0 / n;
            }
            w[0] /= 2;
            w[n - 1] /= 2;
        }
        return new double[][] {a, w};
    }

    /**
     * The n-point Gauss-Legendre rule on [-1, 1], nodes ascending: {nodes, weights}. Newton's method on
     * {@code P_n} from the Chebyshev guesses, to double precision.
     */
    static double[][] gaussLegendre(int n) {
        double[] x = new double[n], w = new double[n];
        for (int i = 0; i < (n + 1) / 2; i++) {
            double z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5)), pp;
            for (int iter = 0; ; iter++) {
                double p1 = 1, p2 = 0;   // P_j(z), P_(j-1)(z)
                for (int j = 1; j <= n; j++) {
                    double p3 = p2;
                    p2 = p1;
                    p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
                }
                pp = n * (z * p1 - p2) / (z * z - 1);
                double z1 = z;
                z = z1 - p1 / pp;
                if (Math.abs(z - z1) <= 1e-15 || iter == 100) break;
            }
            x[i] = -z;
            x[n - 1 - i] = z;
            w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * pp * pp);
        }
        return new double[][] {x, w};
    }

    /**
     * @param input     (N x C x S x S) the batch
     * @param baseline  (C) the baseline's value per channel (the same for every pixel and image), or (C x S x S) a
     *                  baseline image (the same for every image of the batch)
     * @param logits    (N x classes) the batch's logits, for {@code S(X)}
     */
    static Result compute(Network network, Tensor input, float[] baseline, Tensor logits, int[] imageOf, int[] classOf,
                          boolean probability, MethodSettings s, int maxBatch) {
        int ch = input.dim(1), plane = input.dim(2) * input.dim(3), per = ch * plane, m = imageOf.length;
        float[] x = input.data();
        double[][] path = path(s.igRule(), s.igSteps());
        InputCopies.PathPoints points = new InputCopies.PathPoints(baseline, path[0]);
        double[][][] sums = InputSamples.weightedSums(network, input, imageOf, classOf, probability, ReluRule.GRADIENT,
                points.count(), path[1], image -> points, maxBatch);
        float[] base = new float[per];
        if (points.perChannel(ch)) {
            for (int q = 0; q < ch; q++) java.util.Arrays.fill(base, q * plane, (q + 1) * plane, baseline[q]);
        } else if (baseline.length == per) {
            System.arraycopy(baseline, 0, base, 0, per);
        } else {
            throw new IllegalArgumentException("the baseline needs " + ch + " or " + per + " values, got " + baseline.length);
        }
        Tensor baseLogits = ForwardBatches.logits(network, 1, 1, (from, to) -> new Tensor(base, 1, ch, input.dim(2), input.dim(3)));
        float[] out = new float[m * per];
        double[] gaps = new double[m];
        for (int r = 0; r < m; r++) {
            int i = imageOf[r];
            double total = 0;
            for (int q = 0; q < ch; q++) {
                for (int p = 0; p < plane; p++) {
                    int e = q * plane + p;
                    double v = (x[i * per + e] - (double) base[e]) * sums[0][r][e];
                    out[r * per + e] = (float) v;
                    total += v;
                }
            }
            double diff = ForwardBatches.score(logits, i, classOf[r], probability) - ForwardBatches.score(baseLogits, 0, classOf[r], probability);
            gaps[r] = total - diff;
        }
        return new Result(new Tensor(out, m, ch, input.dim(2), input.dim(3)), gaps);
    }
}
