package org.gradcam4j.render;

import org.gradcam4j.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Colormaps for heat maps, each a 256-entry lookup table of packed {@code 0xRRGGBB} built once from its
 * definition. A value {@code v} in [0, 1] picks entry {@code round(255 v)}; values outside are clamped.
 */
public enum Colormap {
    /** The classic (MATLAB / OpenCV) jet, by its piecewise-linear definition: dark blue, cyan, yellow, dark red. */
    JET("jet"),
    /** Google's Turbo (2019), through the published 5th-degree polynomial approximation of each channel. */
    TURBO("turbo"),
    /** matplotlib's viridis, interpolated linearly between key points of the published table. */
    VIRIDIS("viridis");

    public static final int SIZE = 256;

    private final String token;
    private volatile int[] lut; // built on first use: the tables are static data declared below the constants

    Colormap(String token) { this.token = token; }

    public String token() { return token; }

    /** The packed {@code 0xRRGGBB} colour of {@code v}; NaN maps to the lowest colour. */
    public int rgb(double v) {
        return table()[index(v)];
    }

    /** The lookup-table index of {@code v}: {@code round(255 * clamp(v, 0, 1))}. */
    public static int index(double v) {
        if (!(v > 0)) return 0;
        if (v >= 1) return SIZE - 1;
        return (int) Math.round(v * (SIZE - 1));
    }

    /**
     * {@link #index(double)} of a float, without Math.round (this runs once per pixel): {@code x = v * 255} of a float
     * {@code v} has at most 32 significant bits, so {@code x + 0.5} is exact wherever it could round up to the next
     * integer, and truncating it is {@code floor(x + 0.5)}, which is Math.round for {@code 0 < x < 255}.
     */
    static int index(float v) {
        if (!(v > 0)) return 0;
        if (v >= 1) return SIZE - 1;
        return (int) ((double) v * (SIZE - 1) + 0.5);
    }

    /** A copy of the 256-entry table. */
    public int[] lut() { return table().clone(); }

    /** The 256-entry table itself (not a copy), for the renderers in this package. */
    int[] table() {
        int[] t = lut;
        if (t == null) {
            t = new int[SIZE];
            for (int i = 0; i < SIZE; i++) t[i] = build(i / (double) (SIZE - 1));
            lut = t;
        }
        return t;
    }

    private int build(double x) {
        return switch (this) {
            case JET -> pack(jetChannel(x, 3), jetChannel(x, 2), jetChannel(x, 1));
            case TURBO -> turbo(x);
            case VIRIDIS -> viridis(x);
        };
    }

    /** Jet's channels are tents of height 1.5 clipped to [0, 1], centred at 3/4 (red), 1/2 (green), 1/4 (blue). */
    private static double jetChannel(double x, int centreQuarters) {
        return 1.5 - Math.abs(4 * x - centreQuarters);
    }

    // Turbo polynomial coefficients, constant term first (A. Mikhailov and R. Du, Google, 2019).
    private static final double[] TURBO_R = {0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943};
    private static final double[] TURBO_G = {0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604};
    private static final double[] TURBO_B = {0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973};

    private static int turbo(double x) {
        return pack(polynomial(TURBO_R, x), polynomial(TURBO_G, x), polynomial(TURBO_B, x));
    }

    private static double polynomial(double[] c, double x) {
        double v = 0;
        for (int i = c.length - 1; i >= 0; i--) v = v * x + c[i];
        return v;
    }

    /**
     * viridis key points: entries 0, 5, 10, ..., 255 of matplotlib's 256-entry table, rounded to 8 bits. Linear
     * interpolation between them reproduces the full table to within 1/255 per channel.
     */
    private static final int[] VIRIDIS_KEYS = {
            0x440154, 0x46085c, 0x471063, 0x481769, 0x481d6f, 0x482475, 0x472a7a, 0x46307e,
            0x453781, 0x433d84, 0x414287, 0x3f4889, 0x3d4e8a, 0x3a538b, 0x38598c, 0x355e8d,
            0x33638d, 0x31688e, 0x2e6d8e, 0x2c718e, 0x2a768e, 0x297b8e, 0x27808e, 0x25848e,
            0x23898e, 0x218e8d, 0x20928c, 0x1f978b, 0x1e9c89, 0x1fa188, 0x21a585, 0x24aa83,
            0x28ae80, 0x2eb37c, 0x35b779, 0x3dbc74, 0x46c06f, 0x50c46a, 0x5ac864, 0x65cb5e,
            0x70cf57, 0x7cd250, 0x89d548, 0x95d840, 0xa2da37, 0xb0dd2f, 0xbddf26, 0xcae11f,
            0xd8e219, 0xe5e419, 0xf1e51d, 0xfde725,
    };

    private static int viridis(double x) {
        double pos = x * (VIRIDIS_KEYS.length - 1);
        int i = Math.min((int) pos, VIRIDIS_KEYS.length - 2);
        double f = pos - i;
        int a = VIRIDIS_KEYS[i], b = VIRIDIS_KEYS[i + 1];
        double[] c = new double[3];
        for (int ch = 0; ch < 3; ch++) {
            int shift = 16 - 8 * ch;
            double lo = (a >> shift) & 0xFF, hi = (b >> shift) & 0xFF;
            c[ch] = (lo + f * (hi - lo)) / 255.0;
        }
        return pack(c[0], c[1], c[2]);
    }

    /** Packs channels in [0, 1] (clamped) into {@code 0xRRGGBB}. */
    static int pack(double r, double g, double b) {
        return (to8(r) << 16) | (to8(g) << 8) | to8(b);
    }

    private static int to8(double v) {
        if (!(v > 0)) return 0;
        if (v >= 1) return 255;
        return (int) Math.round(v * 255);
    }

    public static Colormap parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (Colormap c : values()) if (c.token.equals(t)) return c;
        throw new InvalidInputException("unknown colormap '" + s + "' (expected one of "
                + Arrays.stream(values()).map(Colormap::token).collect(Collectors.joining(", ")) + ")");
    }

    @Override public String toString() { return token; }
}
