package org.gradcam4j.localize;

import java.util.Optional;
import org.gradcam4j.image.Box;
import org.gradcam4j.tensor.Tensor;

/**
 * Weak localisation (ALGORITHMS.md section 6): the box of a saliency map is the bounding box of the largest
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
        if (map.rank() != 2) throw new IllegalArgumentException("a map must be (H x W), got " + map);
        if (!(threshold > 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        int h = map.dim(0), w = map.dim(1);
        float[] m = map.data();
        float max = Float.NEGATIVE_INFINITY;
        for (float v : m) if (v > max) max = v;
        if (!(max > 0)) return Optional.empty();
        double cut = threshold * max;
        int[] label = new int[h * w];   // 0 unvisited; -1 below the cut; k > 0 component k
        int[] stack = new int[h * w];
        int best = -1, bestSize = 0;
        int[] bestBox = null;
        int next = 0;
        for (int start = 0; start < m.length; start++) {
            if (label[start] != 0) continue;
            if (!(m[start] >= cut)) { label[start] = -1; continue; }
            int id = ++next, size = 0, top = 0;
            int x0 = w, y0 = h, x1 = -1, y1 = -1;
            stack[top++] = start;
            label[start] = id;
            while (top > 0) {
                int p = stack[--top];
                int py = p / w, px = p % w;
                size++;
                x0 = Math.min(x0, px); x1 = Math.max(x1, px); y0 = Math.min(y0, py); y1 = Math.max(y1, py);
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = py + dy;
                    if (ny < 0 || ny >= h) continue;
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = px + dx;
                        if (nx < 0 || nx >= w || (dx == 0 && dy == 0)) continue;
                        int q = ny * w + nx;
                        if (label[q] != 0) continue;
                        if (m[q] >= cut) { label[q] = id; stack[top++] = q; } else label[q] = -1;
                    }
                }
            }
            if (size > bestSize) { bestSize = size; best = id; bestBox = new int[] {x0, y0, x1, y1}; }
        }
        if (best < 0) return Optional.empty();
        return Optional.of(Box.ofPixels(bestBox[0], bestBox[1], bestBox[2], bestBox[3]));
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
