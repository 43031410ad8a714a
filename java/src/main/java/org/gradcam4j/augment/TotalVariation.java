package org.gradcam4j.augment;

/**
 * Anisotropic total variation on {@code S x S} planes with forward differences: {@code gx[y][x] = v[y][x+1] -
 * v[y][x]} and {@code gy[y][x] = v[y+1][x] - v[y][x]}, both zero on the last column / row (no difference past
 * the edge, as {@code tf.image.image_gradients}). Its adjoint is the negative divergence. Planes are row-major
 * double arrays of {@code S * S}.
 */
final class TotalVariation {
    private TotalVariation() {}

    /** {@code sum |gx| + |gy|}. */
    static double value(double[] v, int s) {
        double tv = 0;
        for (int y = 0; y < s; y++) {
            int r = y * s;
            for (int x = 0; x < s - 1; x++) tv += Math.abs(v[r + x + 1] - v[r + x]);
            if (y < s - 1) for (int x = 0; x < s; x++) tv += Math.abs(v[r + s + x] - v[r + x]);
        }
        return tv;
    }

    /** {@code (gx, gy) = grad v}. */
    static void gradient(double[] v, int s, double[] gx, double[] gy) {
        for (int y = 0; y < s; y++) {
            int r = y * s;
            for (int x = 0; x < s - 1; x++) gx[r + x] = v[r + x + 1] - v[r + x];
            gx[r + s - 1] = 0;
            if (y < s - 1) {
                for (int x = 0; x < s; x++) gy[r + x] = v[r + s + x] - v[r + x];
            } else {
                for (int x = 0; x < s; x++) gy[r + x] = 0;
            }
        }
    }

    /**
     * {@code out = grad* (px, py)} (minus the divergence). Entries of {@code px} on the last column and of
     * {@code py} on the last row are ignored (they correspond to no difference).
     */
    static void adjoint(double[] px, double[] py, int s, double[] out) {
        for (int y = 0; y < s; y++) {
            int r = y * s;
            for (int x = 0; x < s; x++) {
                double o = 0;
                if (x < s - 1) o -= px[r + x];
                if (x > 0) o += px[r + x - 1];
                if (y < s - 1) o -= py[r + x];
                if (y > 0) o += py[r - s + x];
                out[r + x] = o;
            }
        }
    }

    /** An upper bound of {@code ||grad||^2} for forward differences on a grid: 8 (4 per axis). */
    static final double NORM_SQUARED_BOUND = 8;
}
