package org.gradcam4j.augment;

import java.util.Locale;

/**
 * The operator {@code D} of the super-resolution model: an {@code S x S} plane down to the target layer's
 * {@code h x h} grid (224 to 14 for VGG at {@code block5_conv3}).
 *
 * <ul>
 *   <li>{@link #AREA} (the default solver's): each low-resolution cell is the mean of the {@code f x f} block
 *       of pixels it covers ({@code f = S / h}, 16 for VGG). A Grad-CAM cell summarises evidence gathered over
 *       its whole stride-16 footprint, not at one pixel, so the mean over the footprint is the faithful
 *       model; it also sees every high-resolution pixel, so no pixel is left to the regularisers alone, and
 *       its norm is {@code 1/f} per copy, which keeps the data term well conditioned. Its adjoint spreads each
 *       cell back over its block divided by {@code f^2}. Needs {@code S} divisible by {@code h}.</li>
 *   <li>{@link #POINT_SAMPLE} (the seed's): TF1's legacy {@code tf.image.resize} (bilinear,
 *       {@code align_corners=False}, no half-pixel centres): cell {@code i} reads source coordinate
 *       {@code i * S / h}, which for an integer factor is exactly pixel {@code (f i, f j)}: one pixel in
 *       {@code f^2} is observed. Kept for {@code --solver seed}.</li>
 * </ul>
 * Both are given as taps per cell, from which {@link ObservationOperator} composes {@code D T_l}.
 */
public enum Downsampling {
    AREA, POINT_SAMPLE;

    /**
     * The taps of low-resolution cell {@code (i, j)}: the pixels ({@code row * S + col}) it reads and their
     * weights.
     *
     * @return the number of taps written
     */
    int cellTaps(int size, int cells, int i, int j, int[] index, double[] weight) {
        return switch (this) {
            case AREA -> {
                int f = factor(size, cells);
                double w = 1.0 / ((double) f * f);
                int n = 0;
                for (int y = i * f; y < (i + 1) * f; y++) {
                    for (int x = j * f; x < (j + 1) * f; x++) {
                        index[n] = y * size + x;
                        weight[n++] = w;
                    }
                }
                yield n;
            }
            case POINT_SAMPLE -> {
                // TF1 legacy bilinear: source = out * (in / out), the scale in float as TF computes it
                float scale = (float) size / cells;
                int n = 0;
                double[] wy = new double[2], wx = new double[2];
                int[] iy = new int[2], ix = new int[2];
                int ny = legacyTaps(i, scale, size, iy, wy), nx = legacyTaps(j, scale, size, ix, wx);
                for (int a = 0; a < ny; a++) {
                    for (int b = 0; b < nx; b++) {
                        index[n] = iy[a] * size + ix[b];
                        weight[n++] = wy[a] * wx[b];
                    }
                }
                yield n;
            }
        };
    }

    /** The most taps one cell can have. */
    int maxTaps(int size, int cells) {
        return this == AREA ? factor(size, cells) * factor(size, cells) : 4;
    }

    private static int legacyTaps(int out, float scale, int in, int[] idx, double[] w) {
        float src = out * scale;
        int lo = (int) Math.floor(src);
        int hi = Math.min(lo + 1, in - 1);
        double frac = src - lo;
        int n = 0;
        if (1 - frac != 0) {
            idx[n] = lo;
            w[n++] = 1 - frac;
        }
        if (frac != 0) {
            if (n > 0 && idx[0] == hi) {
                w[0] += frac;
            } else {
                idx[n] = hi;
                w[n++] = frac;
            }
        }
        return n;
    }

    /**
     * The block side {@code S / h}.
     *
     * @throws IllegalArgumentException when area averaging is asked for sizes that do not divide
     */
    int factor(int size, int cells) {
        if (cells < 1 || size < cells) throw new IllegalArgumentException("cannot downsample " + size + " to " + cells);
        if (this == AREA && size % cells != 0) {
            throw new IllegalArgumentException("area downsampling needs the input size (" + size + ") to be a multiple of the layer map size ("
                    + cells + "); choose a layer whose map divides it");
        }
        return size / cells;
    }

    /**
     * {@code D v} for one plane.
     *
     * @param v   (S x S)
     * @param out (h x h), overwritten
     */
    public void apply(double[] v, int size, double[] out, int cells) {
        int[] idx = new int[maxTaps(size, cells)];
        double[] w = new double[idx.length];
        for (int i = 0; i < cells; i++) {
            for (int j = 0; j < cells; j++) {
                int n = cellTaps(size, cells, i, j, idx, w);
                double s = 0;
                for (int t = 0; t < n; t++) s += w[t] * v[idx[t]];
                out[i * cells + j] = s;
            }
        }
    }

    /** {@code D* y} for one plane: (h x h) to (S x S), {@code out} overwritten. */
    public void adjoint(double[] y, int cells, double[] out, int size) {
        java.util.Arrays.fill(out, 0, size * size, 0);
        int[] idx = new int[maxTaps(size, cells)];
        double[] w = new double[idx.length];
        for (int i = 0; i < cells; i++) {
            for (int j = 0; j < cells; j++) {
                int n = cellTaps(size, cells, i, j, idx, w);
                for (int t = 0; t < n; t++) out[idx[t]] += w[t] * y[i * cells + j];
            }
        }
    }

    /** {@code area} or {@code point}. */
    public String token() { return this == AREA ? "area" : "point"; }

    public static Downsampling parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "area" -> AREA;
            case "point", "point-sample", "legacy" -> POINT_SAMPLE;
            default -> throw new IllegalArgumentException("unknown downsampling '" + s + "' (expected area or point)");
        };
    }
}
