package org.gradcam4j.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The overlay's table-driven, buffer-level path gives the pixels of the per-pixel formula
 * {@code round((1 - a) * image + a * colour)} per channel, with {@code colour = lut[round(255 v)]}, written here
 * independently with getRGB and Math.round, for every input image layout.
 */
class OverlayFastPathTest {
    @Test
    void floatIndexIsMathRoundOfTheDoubleIndex() {
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k <= 255; k++) {
            // the rounding boundaries (k + 0.5) / 255 and their float neighbours
            float b = (float) ((k + 0.5) / 255);
            for (float v : new float[] {b, Math.nextUp(b), Math.nextDown(b), k / 255f, Math.nextUp(k / 255f), Math.nextDown(k / 255f)}) {
                assertEquals(Colormap.index((double) v), Colormap.index(v), "v = " + v);
            }
        }
        for (int i = 0; i < 1_000_000; i++) {
            float v = (float) (r.nextDouble() * 1.2 - 0.1);
            assertEquals(Colormap.index((double) v), Colormap.index(v), "v = " + v);
        }
        assertEquals(0, Colormap.index(Float.NaN));
    }

    @Test
    void overlayEqualsThePerPixelFormula() {
        SplittableRandom r = new SplittableRandom(5);
        int w = 37, h = 23;
        Tensor map = Tensor.zeros(h, w);
        for (int i = 0; i < map.size(); i++) map.data()[i] = i % 11 == 0 ? (i % 2 == 0 ? 0f : 1f) : (float) r.nextDouble();
        BufferedImage big = new BufferedImage(w + 5, h + 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < big.getHeight(); y++) for (int x = 0; x < big.getWidth(); x++) big.setRGB(x, y, r.nextInt(1 << 24));
        BufferedImage plain = big.getSubimage(0, 0, w, h), copy = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        BufferedImage bgr = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                copy.setRGB(x, y, plain.getRGB(x, y));
                bgr.setRGB(x, y, plain.getRGB(x, y));
            }
        }
        BufferedImage sub = big.getSubimage(3, 2, w, h);
        for (Colormap cm : Colormap.values()) {
            for (double a : new double[] {0, 0.25, 0.5, 0.3, 1}) {
                for (BufferedImage img : new BufferedImage[] {copy, bgr, sub}) {
                    BufferedImage got = HeatmapImages.overlay(img, map, cm, a);
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int p = img.getRGB(x, y), c = cm.lut()[(int) Math.round(255 * Math.max(0, Math.min(1, (double) map.data()[y * w + x])))];
                            int want = channel(p >> 16, c >> 16, a) << 16 | channel(p >> 8, c >> 8, a) << 8 | channel(p, c, a);
                            assertEquals(want, got.getRGB(x, y) & 0xFFFFFF, cm + " a=" + a + " at " + x + "," + y);
                        }
                    }
                }
            }
        }
    }

    private static int channel(int image, int colour, double a) {
        return (int) Math.min(255, Math.round((1 - a) * (image & 0xFF) + a * (colour & 0xFF)));
    }
}
