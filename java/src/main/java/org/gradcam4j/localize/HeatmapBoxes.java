package org.gradcam4j.localize;

import org.gradcam4j.InvalidInputException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.gradcam4j.tensor.Tensor;

/**
 * Weak localisation (docs/ALGORITHMS.md section 6): boxes from a heat map. The map is thresholded at
 * {@code threshold * max} (a pixel is in when its value is strictly above, as the seed's {@code cam > thresh}),
 * the 8-connected components of what is in are found, and the bounding box of the largest one is returned (ties:
 * the component met first in row-major order), or, in the all-components mode, of every component of at least
 * {@code minArea} pixels, largest first. An all-zero (or non-positive) map gives no box.
 *
 * <p>Boxes are in the map's own pixel grid, 0-based and inclusive: give it the map in original-image
 * coordinates ({@code MapResult.mapInOriginal()}) to get original-image boxes.
 */
public final class HeatmapBoxes {
    /** The paper's threshold. */
    public static final double DEFAULT_THRESHOLD = 0.15;

    /**
     * @param threshold     fraction of the map's maximum, in [0, 1)
     * @param allComponents every component of at least {@code minArea} pixels instead of the largest only
     * @param minArea       smallest component kept in the all-components mode, pixels (>= 1)
     */
    public record Settings(double threshold, boolean allComponents, int minArea) {
        public Settings {
            if (!(threshold >= 0 && threshold < 1)) throw new InvalidInputException("box threshold must be in [0, 1), got " + threshold);
            if (minArea < 1) throw new InvalidInputException("minimum box area must be >= 1 pixel, got " + minArea);
        }

        public static Settings defaults() { return new Settings(DEFAULT_THRESHOLD, false, 1); }
    }

    /**
     * A box: pixels {@code xmin..xmax} and {@code ymin..ymax}, 0-based, both ends included.
     *
     * @param area the component's pixel count (not the box's)
     */
    public record PixelBox(int xmin, int ymin, int xmax, int ymax, int area) {
        public int width() { return xmax - xmin + 1; }
        public int height() { return ymax - ymin + 1; }
    }

    private HeatmapBoxes() {}

    /**
     * @param map (H x W) any non-negative heat map (values need not be normalised)
     * @return the boxes, largest component first; empty when the map has no positive value
     * @throws IllegalArgumentException for a map holding NaN or infinity
     */
    public static List<PixelBox> find(Tensor map, Settings settings) {
        if (map.rank() != 2) throw new IllegalArgumentException("map must be (H x W), got " + map);
        int h = map.dim(0), w = map.dim(1);
        float[] v = map.data();
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) throw new IllegalArgumentException("map holds " + v[i] + " at pixel " + (i % w) + "," + (i / w));
            max = Math.max(max, v[i]);
        }
        if (!(max > 0)) return List.of();
        double cut = settings.threshold() * max;
        boolean[] seen = new boolean[v.length];
        int[] stack = new int[64];
        List<PixelBox> boxes = new ArrayList<>();
        for (int start = 0; start < v.length; start++) {
            if (seen[start] || !(v[start] > cut)) continue;
            // flood fill one 8-connected component
            int sp = 0, area = 0;
            int xmin = Integer.MAX_VALUE, ymin = Integer.MAX_VALUE, xmax = -1, ymax = -1;
            stack[sp++] = start;
            seen[start] = true;
            while (sp > 0) {
                int p = stack[--sp];
                int x = p % w, y = p / w;
                area++;
                xmin = Math.min(xmin, x);
                xmax = Math.max(xmax, x);
                ymin = Math.min(ymin, y);
                ymax = Math.max(ymax, y);
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = y + dy;
                    if (ny < 0 || ny >= h) continue;
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx;
                        if (nx < 0 || nx >= w || (dx == 0 && dy == 0)) continue;
                        int q = ny * w + nx;
                        if (seen[q] || !(v[q] > cut)) continue;
                        seen[q] = true;
                        if (sp == stack.length) stack = java.util.Arrays.copyOf(stack, stack.length * 2);
                        stack[sp++] = q;
                    }
                }
            }
            boxes.add(new PixelBox(xmin, ymin, xmax, ymax, area));
        }
        if (!settings.allComponents()) {
            PixelBox best = null;
            for (PixelBox b : boxes) if (best == null || b.area() > best.area()) best = b; // first wins ties
            return List.of(best);
        }
        List<PixelBox> kept = new ArrayList<>();
        for (PixelBox b : boxes) if (b.area() >= settings.minArea()) kept.add(b);
        kept.sort(Comparator.comparingInt(PixelBox::area).reversed()); // stable: ties keep row-major order
        return List.copyOf(kept);
    }
}
