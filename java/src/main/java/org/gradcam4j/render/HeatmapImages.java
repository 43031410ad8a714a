package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.SinglePixelPackedSampleModel;
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
        // written straight into the output's pixels, and read straight from a plain TYPE_INT_RGB input (what the
        // image loader gives): getRGB / setRGB convert every pixel through the colour model, which at photo sizes
        // cost more than the rest of the overlay. The per-channel blend of every (image, colour) byte pair is one
        // table, computed by the same formula, so the pixels are those of the per-pixel arithmetic.
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        int[] src = plainIntRgb(image);
        int[] lut = colormap.table();
        byte[] mix = new byte[256 * 256];
        for (int i = 0; i < 256; i++) for (int c = 0; c < 256; c++) mix[(i << 8) | c] = (byte) blend(i, c, opacity);
        int[] row = src != null ? null : new int[w];
        for (int y = 0; y < h; y++) {
            int at = y * w;
            int[] in = src;
            int from = at;
            if (in == null) {
                image.getRGB(0, y, w, 1, row, 0, w);
                in = row;
                from = 0;
            }
            for (int x = 0; x < w; x++) {
                int p = in[from + x], c = lut[Colormap.index(v[at + x])];
                dst[at + x] = (mix[((p >> 8) & 0xFF00) | ((c >> 16) & 0xFF)] & 0xFF) << 16
                        | (mix[(p & 0xFF00) | ((c >> 8) & 0xFF)] & 0xFF) << 8
                        | (mix[((p << 8) & 0xFF00) | (c & 0xFF)] & 0xFF);
            }
        }
        return out;
    }

    /** The pixels of a TYPE_INT_RGB image that owns its whole buffer (not a sub-image), row after row; else null. */
    static int[] plainIntRgb(BufferedImage image) {
        if (image.getType() != BufferedImage.TYPE_INT_RGB) return null;
        var raster = image.getRaster();
        if (!(raster.getDataBuffer() instanceof DataBufferInt db) || db.getNumBanks() != 1 || db.getOffset() != 0
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0
                || !(raster.getSampleModel() instanceof SinglePixelPackedSampleModel sm) || sm.getScanlineStride() != image.getWidth()
                || db.getData().length < image.getWidth() * image.getHeight()) {
            return null;
        }
        return db.getData();
    }

    private static int blend(int image, int colour, double opacity) {
        double v = (1 - opacity) * (image & 0xFF) + opacity * (colour & 0xFF);
        return (int) Math.min(255, Math.round(v));
    }

    private static void requireMap(Tensor map) {
        if (map.rank() != 2) throw new IllegalArgumentException("map must be (H x W), got " + map);
    }
}
