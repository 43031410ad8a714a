package org.gradcam4j.augment;

import java.util.Locale;

/**
 * One augmentation warp {@code T} of an {@code S x S} plane (docs/ALGORITHMS.md section 5): rotate by {@code angle}
 * radians about the centre, then shift by {@code (dx, dy)} pixels; bilinear, zero fill. It is the warp of the
 * Augmented Grad-CAM seed (TF1 {@code tf.contrib.image.rotate} then {@code translate}), written as what output
 * pixel {@code (x, y)} reads: with pixel centres at integer coordinates and {@code c = (S - 1) / 2},
 * <pre>
 *   source = R(angle) (x - dx - c, y - dy - c) + c,    R = [cos -sin; sin cos]
 * </pre>
 * The value there is the bilinear blend of the 4 neighbouring pixels; neighbours outside the plane read 0
 * (each one separately, so borders fade rather than cut). {@link #inverse()} is the exact inverse affine map,
 * resampled the same way.
 *
 * <p>The warp is a linear map; {@link #apply} and {@link #adjoint} are exact adjoints of each other (the same
 * taps, gathered or scattered), which the super-resolution solvers rely on. Immutable and thread-safe.
 */
public final class AffineWarp {
    private final int size;
    // source = (ax x + bx y + cx, ay x + by y + cy): output pixel -> source position
    private final double ax, bx, cx, ay, by, cy;
    private final double angle, dx, dy;
    private final boolean identity;

    private AffineWarp(int size, double ax, double bx, double cx, double ay, double by, double cy,
                       double angle, double dx, double dy, boolean identity) {
        this.size = size;
        this.ax = ax;
        this.bx = bx;
        this.cx = cx;
        this.ay = ay;
        this.by = by;
        this.cy = cy;
        this.angle = angle;
        this.dx = dx;
        this.dy = dy;
        this.identity = identity;
    }

    /** The identity on {@code size x size} planes (copy 0). */
    public static AffineWarp identity(int size) {
        checkSize(size);
        return new AffineWarp(size, 1, 0, 0, 0, 1, 0, 0, 0, 0, true);
    }

    /**
     * Rotate by {@code angle} radians about the centre, then shift by {@code (dx, dy)} pixels (positive: right
     * and down), as the seed's {@code rotate(angle)} followed by {@code translate([dx, dy])}.
     */
    public static AffineWarp rotateThenShift(int size, double angle, double dx, double dy) {
        checkSize(size);
        if (!Double.isFinite(angle) || !Double.isFinite(dx) || !Double.isFinite(dy)) {
            throw new IllegalArgumentException("warp parameters must be finite: " + angle + ", " + dx + ", " + dy);
        }
        if (angle == 0 && dx == 0 && dy == 0) return identity(size);
        double c = (size - 1) / 2.0, cos = Math.cos(angle), sin = Math.sin(angle);
        // source = R (p - d - c) + c
        double ox = -dx - c, oy = -dy - c;
        return new AffineWarp(size, cos, -sin, cos * ox - sin * oy + c, sin, cos, sin * ox + cos * oy + c, angle, dx, dy, false);
    }

    private static void checkSize(int size) {
        if (size < 1) throw new IllegalArgumentException("plane size must be positive: " + size);
    }

    /** The inverse affine map ({@code T^-1} up to resampling): un-warps a map made on this copy. */
    public AffineWarp inverse() {
        if (identity) return this;
        double det = ax * by - bx * ay;
        double iax = by / det, ibx = -bx / det, iay = -ay / det, iby = ax / det;
        double icx = -(iax * cx + ibx * cy), icy = -(iay * cx + iby * cy);
        return new AffineWarp(size, iax, ibx, icx, iay, iby, icy, -angle, Double.NaN, Double.NaN, false);
    }

    public int size() { return size; }
    /** The rotation in radians (the inverse of a warp reports the negated angle). */
    public double angle() { return angle; }
    /** The shift in x, pixels (NaN for an inverse warp, whose shift is not a parameter). */
    public double dx() { return dx; }
    /** The shift in y, pixels (NaN for an inverse warp). */
    public double dy() { return dy; }
    public boolean isIdentity() { return identity; }

    /** {@code (ax, bx, cx, ay, by, cy)}: output pixel {@code (x, y)} reads {@code (ax x + bx y + cx, ay x + by y + cy)}. */
    public double[] coefficients() { return new double[] {ax, bx, cx, ay, by, cy}; }

    /** Source x of output pixel (x, y). */
    public double sourceX(double x, double y) { return ax * x + bx * y + cx; }
    /** Source y of output pixel (x, y). */
    public double sourceY(double x, double y) { return ay * x + by * y + cy; }

    /**
     * The bilinear taps output pixel {@code (x, y)} reads: up to 4 pixel indices ({@code row * S + col}) and
     * weights, neighbours outside the plane and zero weights left out.
     *
     * @return how many taps were written to {@code index[0..]} and {@code weight[0..]}
     */
    public int taps(int x, int y, int[] index, double[] weight) {
        if (identity) {
            index[0] = y * size + x;
            weight[0] = 1;
            return 1;
        }
        double sx = ax * x + bx * y + cx, sy = ay * x + by * y + cy;
        double fx = Math.floor(sx), fy = Math.floor(sy);
        if (fx < -1 || fy < -1 || fx >= size || fy >= size) return 0;
        int x0 = (int) fx, y0 = (int) fy;
        double wx = sx - fx, wy = sy - fy;
        int n = 0;
        n = tap(x0, y0, (1 - wx) * (1 - wy), index, weight, n);
        n = tap(x0 + 1, y0, wx * (1 - wy), index, weight, n);
        n = tap(x0, y0 + 1, (1 - wx) * wy, index, weight, n);
        n = tap(x0 + 1, y0 + 1, wx * wy, index, weight, n);
        return n;
    }

    private int tap(int x, int y, double w, int[] index, double[] weight, int n) {
        if (w == 0 || x < 0 || y < 0 || x >= size || y >= size) return n;
        index[n] = y * size + x;
        weight[n] = w;
        return n + 1;
    }

    /**
     * {@code dst = T src} for one plane.
     *
     * @param src (S x S) at {@code src[srcOff ..]}
     * @param dst (S x S) at {@code dst[dstOff ..]}, overwritten
     */
    public void apply(float[] src, int srcOff, float[] dst, int dstOff) {
        int[] idx = new int[4];
        double[] w = new double[4];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int n = taps(x, y, idx, w);
                double s = 0;
                for (int t = 0; t < n; t++) s += w[t] * src[srcOff + idx[t]];
                dst[dstOff + y * size + x] = (float) s;
            }
        }
    }

    /** {@code dst = T src} for one plane in double. */
    public void apply(double[] src, double[] dst) {
        int[] idx = new int[4];
        double[] w = new double[4];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int n = taps(x, y, idx, w);
                double s = 0;
                for (int t = 0; t < n; t++) s += w[t] * src[idx[t]];
                dst[y * size + x] = s;
            }
        }
    }

    /** {@code dst = T* src} (the adjoint: every tap scattered back) for one plane in double; {@code dst} is overwritten. */
    public void adjoint(double[] src, double[] dst) {
        java.util.Arrays.fill(dst, 0, size * size, 0);
        int[] idx = new int[4];
        double[] w = new double[4];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double v = src[y * size + x];
                if (v == 0) continue;
                int n = taps(x, y, idx, w);
                for (int t = 0; t < n; t++) dst[idx[t]] += w[t] * v;
            }
        }
    }

    @Override
    public String toString() {
        return identity ? "identity" : String.format(Locale.ROOT, "rotate %.4f rad, shift (%.2f, %.2f)", angle, dx, dy);
    }
}
