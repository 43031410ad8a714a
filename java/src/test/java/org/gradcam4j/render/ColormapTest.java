package org.gradcam4j.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ColormapTest {
    static int r(int rgb) { return (rgb >> 16) & 0xFF; }
    static int g(int rgb) { return (rgb >> 8) & 0xFF; }
    static int b(int rgb) { return rgb & 0xFF; }

    @Test
    void jetEndpointsAndDefinition() {
        // channels 1.5 - |4x - c| clipped to [0, 1], c = 3 (red), 2 (green), 1 (blue):
        // x = 0 -> (0, 0, 0.5) = #000080; x = 1 -> (0.5, 0, 0) = #800000 (127.5 rounds up)
        assertEquals(0x000080, Colormap.JET.rgb(0));
        assertEquals(0x800000, Colormap.JET.rgb(1));
        int[] lut = Colormap.JET.lut();
        for (int i = 0; i < 256; i++) {
            double x = i / 255.0;
            assertEquals(255 * clip(1.5 - Math.abs(4 * x - 3)), r(lut[i]), 0.51, "red at " + i);
            assertEquals(255 * clip(1.5 - Math.abs(4 * x - 2)), g(lut[i]), 0.51, "green at " + i);
            assertEquals(255 * clip(1.5 - Math.abs(4 * x - 1)), b(lut[i]), 0.51, "blue at " + i);
        }
    }

    @Test
    void viridisEndpointsAndMiddle() {
        assertEquals(0x440154, Colormap.VIRIDIS.rgb(0));
        assertEquals(0xFDE725, Colormap.VIRIDIS.rgb(1));
        // matplotlib's entry 128 is (0.127568, 0.566949, 0.550556) = (32.5, 144.6, 140.4) in 8 bits
        int mid = Colormap.VIRIDIS.lut()[128];
        assertEquals(32.5, r(mid), 1);
        assertEquals(144.6, g(mid), 1);
        assertEquals(140.4, b(mid), 1);
        // perceptually ordered: the green channel rises monotonically over the whole map
        int[] lut = Colormap.VIRIDIS.lut();
        for (int i = 1; i < 256; i++) assertTrue(g(lut[i]) >= g(lut[i - 1]), "green falls at " + i);
    }

    @Test
    void turboFollowsItsPolynomial() {
        // x = 0: the constant terms (0.13572138, 0.09140261, 0.10667330) * 255 = (34.6, 23.3, 27.2)
        assertEquals((35 << 16) | (23 << 8) | 27, Colormap.TURBO.rgb(0));
        // x = 1: coefficient sums (0.56585921, 0.05038886, -0.02552066) -> (144.3, 12.8, 0 after clipping)
        assertEquals((144 << 16) | (13 << 8), Colormap.TURBO.rgb(1));
        // the middle is bright green-yellow, the ends dark
        int mid = Colormap.TURBO.rgb(0.5);
        assertTrue(g(mid) > 200 && g(mid) > b(mid), Integer.toHexString(mid));
    }

    @Test
    void indexingAndClamping() {
        assertEquals(0, Colormap.index(-3));
        assertEquals(0, Colormap.index(Double.NaN));
        assertEquals(255, Colormap.index(7));
        assertEquals(128, Colormap.index(0.5)); // 127.5 rounds up
        assertEquals(1, Colormap.index(1 / 255.0));
        assertEquals(Colormap.VIRIDIS, Colormap.parse(" Viridis "));
    }

    private static double clip(double v) { return Math.max(0, Math.min(1, v)); }
}
