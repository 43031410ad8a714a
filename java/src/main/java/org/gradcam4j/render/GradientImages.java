package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.tensor.Tensor;

/**
 * Input gradients (vanilla, guided, deconvnet, guided Grad-CAM) for display. Per image, zero stays at mid grey
 * and the largest magnitude {@code m} over all three channels sets the scale: value {@code x} becomes
 * {@code 128 + 127 x / m}, so [-m, m] spans [1, 255] and the sign of every channel stays visible. (No mean is
 * subtracted: a zero gradient means "no influence" and should look neutral.) An all-zero gradient is flat grey.
 */
public final class GradientImages {
    private GradientImages() {}

    /**
     * @param gradient (3 x H x W) in the network's channel order
     * @param order    the network's channel order, so that the picture is in RGB
     */
    public static BufferedImage render(Tensor gradient, ChannelOrder order) {
        if (gradient.rank() != 3 || gradient.dim(0) != 3) throw new IllegalArgumentException("gradient must be (3 x H x W), got " + gradient);
        int h = gradient.dim(1), w = gradient.dim(2), n = h * w;
        float[] g = gradient.data();
        double m = 0;
        for (float v : g) {
            if (!Float.isFinite(v)) throw new IllegalArgumentException("gradient holds " + v);
            m = Math.max(m, Math.abs(v));
        }
        int ro = order.rgbIndex(0) * n, go = order.rgbIndex(1) * n, bo = order.rgbIndex(2) * n;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                row[x] = (level(g[ro + p], m) << 16) | (level(g[go + p], m) << 8) | level(g[bo + p], m);
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    /** The display level of {@code x} for largest magnitude {@code m}: {@code round(128 + 127 x / m)}. */
    public static int level(double x, double m) {
        if (m == 0) return 128;
        return (int) Math.round(128 + 127 * x / m);
    }
}
