package org.gradcam4j.method;

import org.gradcam4j.tensor.Tensor;

/**
 * Eigen-CAM's projection (docs/ALGORITHMS.md section 8): each map set ({@code C x h x w}) as an {@code (h w) x C}
 * matrix, centred per channel over positions, projected on its first principal axis, with the documented sign
 * rule (flip when {@code |min| > |max|}). Everything in double; results stored as float.
 */
public final class EigenCam {
    private EigenCam() {}

    /**
     * The signed projections, one per row.
     *
     * @param maps (M x C x h x w) activations (Eigen-CAM) or gradient x activation (EigenGrad-CAM)
     * @return (M x h x w), sign fixed by the rule; all zero for a row whose centred matrix is zero
     */
    public static Tensor projections(Tensor maps) {
        if (maps.rank() != 4) throw new IllegalArgumentException("maps must be (M x C x h x w), got " + maps);
        int m = maps.dim(0), c = maps.dim(1), hw = maps.dim(2) * maps.dim(3);
        float[] src = maps.data();
        float[] out = new float[m * hw];
        for (int r = 0; r < m; r++) {
            double[] p = projection(src, r * c * hw, c, hw);
            for (int i = 0; i < hw; i++) out[r * hw + i] = (float) p[i];
        }
        return new Tensor(out, m, maps.dim(2), maps.dim(3));
    }

    /** The layer maps {@code L = ReLU(p)}, (M x h x w). */
    public static Tensor layerMaps(Tensor maps) {
        Tensor p = projections(maps);
        float[] d = p.data();
        for (int i = 0; i < d.length; i++) if (!(d[i] > 0)) d[i] = 0f;
        return p;
    }

    /** {@code g * A} per seed row, the input of EigenGrad-CAM. (N x C x h x w), (M x C x h x w) to (M x C x h x w). */
    public static Tensor gradientTimesActivation(Tensor activations, Tensor gradients, int[] imageOf) {
        int c = gradients.dim(1), hw = gradients.dim(2) * gradients.dim(3), per = c * hw;
        if (activations.dim(1) != c || activations.dim(2) * activations.dim(3) != hw) {
            throw new IllegalArgumentException("gradients " + gradients + " do not match activations " + activations);
        }
        float[] a = activations.data(), g = gradients.data(), out = new float[g.length];
        for (int r = 0; r < imageOf.length; r++) {
            int ao = imageOf[r] * per, go = r * per;
            for (int i = 0; i < per; i++) out[go + i] = g[go + i] * a[ao + i];
        }
        return new Tensor(out, gradients.shape());
    }

    /** One (C x hw) block at {@code off}: the signed projection on the first principal axis. */
    static double[] projection(float[] src, int off, int c, int hw) {
        // centred X (hw x C), stored channel-major: x[k * hw + i]
        double[] x = new double[c * hw];
        for (int k = 0; k < c; k++) {
            double mean = 0;
            for (int i = 0; i < hw; i++) mean += src[off + k * hw + i];
            mean /= hw;
            for (int i = 0; i < hw; i++) x[k * hw + i] = src[off + k * hw + i] - mean;
        }
        double[] p = new double[hw];
        if (hw <= c) {
            // G = X X^T (hw x hw); p = sqrt(lambda) u
            double[] g = new double[hw * hw];
            for (int k = 0; k < c; k++) {
                int o = k * hw;
                for (int i = 0; i < hw; i++) {
                    double xi = x[o + i];
                    if (xi == 0) continue;
                    for (int j = 0; j <= i; j++) g[i * hw + j] += xi * x[o + j];
                }
            }
            mirror(g, hw);
            double[] u = new double[hw];
            double lambda = topEigen(g, hw, u);
            if (!(lambda > 0)) return p;
            double s = Math.sqrt(lambda);
            for (int i = 0; i < hw; i++) p[i] = s * u[i];
        } else {
            // K = X^T X (C x C); p = X v
            double[] k2 = new double[c * c];
            for (int a = 0; a < c; a++) {
                for (int b = 0; b <= a; b++) {
                    double s = 0;
                    for (int i = 0; i < hw; i++) s += x[a * hw + i] * x[b * hw + i];
                    k2[a * c + b] = s;
                }
            }
            mirror(k2, c);
            double[] v = new double[c];
            double lambda = topEigen(k2, c, v);
            if (!(lambda > 0)) return p;
            for (int k = 0; k < c; k++) for (int i = 0; i < hw; i++) p[i] += x[k * hw + i] * v[k];
        }
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double v : p) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (Math.abs(min) > Math.abs(max)) for (int i = 0; i < hw; i++) p[i] = -p[i];
        return p;
    }

    private static void mirror(double[] a, int n) {
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
    }

    /**
     * The largest eigenvalue of a symmetric matrix and a unit eigenvector for it, by cyclic Jacobi rotations
     * (the matrix is overwritten). Sweeps until the off-diagonal mass is below 1e-30 of the total, at most 100.
     */
    static double topEigen(double[] a, int n, double[] vecOut) {
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        double total = 0;
        for (double e : a) total += e * e;
        if (total == 0) return 0;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
            if (off <= 1e-30 * total) break;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p * n + q];
                    if (apq == 0) continue;
                    double app = a[p * n + p], aqq = a[q * n + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double cs = 1 / Math.sqrt(t * t + 1), sn = t * cs;
                    for (int k = 0; k < n; k++) {   // columns p, q
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = cs * akp - sn * akq;
                        a[k * n + q] = sn * akp + cs * akq;
                    }
                    for (int k = 0; k < n; k++) {   // rows p, q
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = cs * apk - sn * aqk;
                        a[q * n + k] = sn * apk + cs * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = cs * vkp - sn * vkq;
                        v[k * n + q] = sn * vkp + cs * vkq;
                    }
                }
            }
        }
        int best = 0;
        for (int i = 1; i < n; i++) if (a[i * n + i] > a[best * n + best]) best = i;
        for (int k = 0; k < n; k++) vecOut[k] = v[k * n + best];
        return a[best * n + best];
    }
}
