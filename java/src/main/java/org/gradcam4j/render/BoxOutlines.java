package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Draws localisation boxes onto an image: a rectangle outline in a bright colour lined by a 1-px dark band on
 * its inner side, so it shows over any heat-map colour. Boxes are 0-based, inclusive pixel ranges; the outline is
 * drawn inside the box, so a box that touches the border stays fully visible.
 */
public final class BoxOutlines {
    /** Lime: not in the jet, turbo or viridis ramps' dominant hues at the places boxes usually sit. */
    public static final int DEFAULT_COLOUR = 0x00FF40;

    private BoxOutlines() {}

    /** The outline width for an image: 1 px up to 150 px, then about 1 px per 150 px of the shorter side. */
    public static int thickness(int width, int height) {
        return Math.max(1, Math.min(width, height) / 150);
    }

    /**
     * Draws every box in place.
     *
     * @param boxes {xmin, ymin, xmax, ymax} each, 0-based inclusive, in the image's pixels (clamped to it)
     */
    public static void draw(BufferedImage image, List<int[]> boxes, int rgb) {
        int w = image.getWidth(), h = image.getHeight(), t = thickness(w, h);
        for (int[] b : boxes) {
            int x0 = clamp(b[0], w), y0 = clamp(b[1], h), x1 = clamp(b[2], w), y1 = clamp(b[3], h);
            if (x1 < x0 || y1 < y0) continue;
            // the dark band just inside the colour band
            ring(image, x0, y0, x1, y1, t + 1, 0x000000);
            ring(image, x0, y0, x1, y1, t, rgb);
        }
    }

    /** Fills the band of width {@code t} inside the rectangle's edge. */
    private static void ring(BufferedImage img, int x0, int y0, int x1, int y1, int t, int rgb) {
        for (int y = y0; y <= y1; y++) {
            boolean rowBand = y - y0 < t || y1 - y < t;
            for (int x = x0; x <= x1; x++) {
                if (rowBand || x - x0 < t || x1 - x < t) img.setRGB(x, y, rgb);
            }
        }
    }

    private static int clamp(int v, int n) { return Math.max(0, Math.min(n - 1, v)); }
}
