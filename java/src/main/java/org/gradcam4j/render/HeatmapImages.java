package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import org.gradcam4j.tensor.Tensor;

/**
 * Heat maps as images: a normalised map coloured by a {@link Colormap}, and that colour blended over the
 * original image, {@code overlay = (1 - opacity) * image + opacity * colormap(map)} per channel.
 */
public final class HeatmapImages {
    /** The default blend: half image, half heat map. */
    public static final double DEFAULT_OPACITY = 0.5;

    private HeatmapImages() {}

    /**
     * The map in colour.
     *
     * @param map (H x W) values in [0, 1] (outside: clamped)
     */
    public static BufferedImage colorize(Tensor map, Colormap colormap) {
        requireMap(map);
        int h = map.dim(0), w = map.dim(1);
        float[] v = map.data();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) row[x] = colormap.rgb(v[y * w + x]);
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    /** {@link #overlay(BufferedImage, Tensor, Colormap, double)} at {@link #DEFAULT_OPACITY}. */
    public static BufferedImage overlay(BufferedImage image, Tensor map, Colormap colormap) {
        return overlay(image, map, colormap, DEFAULT_OPACITY);
    }

    /**
     * The heat map blended over the image; the image's alpha, if any, is ignored.
     *
     * @param image   the picture the map explains, in the map's coordinates
     * @param map     (H x W) values in [0, 1], H and W the image's height and width
     * @param opacity weight of the heat map, in [0, 1]
     */
    public static BufferedImage overlay(BufferedImage image, Tensor map, Colormap colormap, double opacity) {
        requireMap(map);
        if (!(opacity >= 0 && opacity <= 1)) throw new IllegalArgumentException("opacity must be in [0, 1], got " + opacity);
        int h = map.dim(0), w = map.dim(1);
        if (image.getWidth() != w || image.getHeight() != h) {
            throw new IllegalArgumentException("map is " + w + "x" + h + " but the image is " + image.getWidth() + "x" + image.getHeight());
        }
        float[] v = map.data();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x], c = colormap.rgb(v[y * w + x]);
                row[x] = (blend(p >> 16, c >> 16, opacity) << 16) | (blend(p >> 8, c >> 8, opacity) << 8) | blend(p, c, opacity);
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    private static int blend(int image, int colour, double opacity) {
        double v = (1 - opacity) * (image & 0xFF) + opacity * (colour & 0xFF);
        return (int) Math.min(255, Math.round(v));
    }

    private static void requireMap(Tensor map) {
        if (map.rank() != 2) throw new IllegalArgumentException("map must be (H x W), got " + map);
    }
}
