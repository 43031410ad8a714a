package org.gradcam4j.localize;

import java.util.List;
import java.util.Optional;
import org.gradcam4j.image.Box;
import org.gradcam4j.tensor.Tensor;

/**
 * Weak localisation (docs/ALGORITHMS.md section 6): the box of a saliency map is the bounding box of the largest
 * 8-connected component of the pixels at or above {@code threshold x max}. An all-zero (or all-negative) map has
 * no box. Also the two scores that compare a map with a ground-truth box: IoU and the pointing game.
 */
public final class Boxes {
    /** The default threshold, as a fraction of the map's maximum. */
    public static final double DEFAULT_THRESHOLD = 0.15;

    private Boxes() {}

    /**
     * @param map       (H x W) a saliency map in image pixels
     * @param threshold fraction of the maximum (0 < threshold <= 1)
     * @return the box in continuous pixel coordinates ({@link Box#ofPixels}), or empty for a map without positive values
     */
    public static Optional<Box> fromMap(Tensor map, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        List<HeatmapBoxes.PixelBox> boxes = HeatmapBoxes.find(map, new HeatmapBoxes.Settings(threshold, false, 1));
        if (boxes.isEmpty()) return Optional.empty();
        HeatmapBoxes.PixelBox p = boxes.get(0);
        return Optional.of(Box.ofPixels(p.xmin(), p.ymin(), p.xmax(), p.ymax()));
    }

    /** Intersection over union of two boxes (0 when both are empty). */
    public static double iou(Box a, Box b) {
        double iw = Math.min(a.x1(), b.x1()) - Math.max(a.x0(), b.x0());
        double ih = Math.min(a.y1(), b.y1()) - Math.max(a.y0(), b.y0());
        double inter = iw > 0 && ih > 0 ? iw * ih : 0;
        double union = a.area() + b.area() - inter;
        return union > 0 ? inter / union : 0;
    }

    /**
     * The pointing game: whether the map's maximum (the first in row-major order) falls inside {@code box}.
     * A map without a positive maximum is a miss.
     */
    public static boolean pointingHit(Tensor map, Box box) {
        int w = map.dim(1);
        float[] m = map.data();
        int arg = -1;
        float max = 0;
        for (int i = 0; i < m.length; i++) if (m[i] > max) { max = m[i]; arg = i; }
        if (arg < 0) return false;
        double cx = arg % w + 0.5, cy = arg / w + 0.5;
        return cx > box.x0() && cx < box.x1() && cy > box.y0() && cy < box.y1();
    }
}
