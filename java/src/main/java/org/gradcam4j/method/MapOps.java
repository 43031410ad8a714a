package org.gradcam4j.method;

import org.gradcam4j.image.Bilinear;
import org.gradcam4j.tensor.Tensor;

/**
 * Operations on explanation maps after the layer math: bilinear resizing, normalisation and the guided
 * product. Order per docs/ALGORITHMS.md: the layer map is ReLU'd (by the method), then upsampled, then divided by
 * its maximum. Every function returns a new tensor and never modifies its input.
 */
public final class MapOps {
    private MapOps() {}

    /**
     * Bilinear resize of every map with half-pixel centres, exactly as
     * {@code torch.nn.functional.interpolate(mode="bilinear", align_corners=False)} (and cv2.resize INTER_LINEAR
     * when enlarging): the source coordinate of output pixel {@code d} is {@code (d + 0.5) * in / out - 0.5},
     * clamped below at 0, with the upper neighbour clamped to the edge. No antialiasing when shrinking.
     *
     * @param maps (M x h x w)
     * @return (M x outH x outW)
     */
    public static Tensor upsampleBilinear(Tensor maps, int outH, int outW) {
        if (maps.rank() != 3) throw new IllegalArgumentException("maps must be (M x h x w), got " + maps);
        if (outH <= 0 || outW <= 0) throw new IllegalArgumentException("output size must be positive: " + outH + "x" + outW);
        if (maps.dim(1) == 0 || maps.dim(2) == 0) throw new IllegalArgumentException("cannot resize empty maps " + maps);
        return Bilinear.resize(maps, outH, outW);
    }

    /**
     * Divides each map by its maximum. Negative values (only CAM maps have them) become 0, so the result is in
     * [0, 1]. A map whose maximum is not positive comes back all zero and flagged empty.
     *
     * @param maps (M x H x W), not modified
     * @throws IllegalArgumentException when a map holds NaN or infinity (an upstream bug, not a blank map)
     */
    public static NormalisedMaps normaliseByMax(Tensor maps) {
        if (maps.rank() != 3) throw new IllegalArgumentException("maps must be (M x H x W), got " + maps);
        int m = maps.dim(0), n = maps.dim(1) * maps.dim(2);
        float[] src = maps.data();
        float[] out = new float[src.length];
        boolean[] empty = new boolean[m];
        for (int i = 0; i < m; i++) {
            int off = i * n;
            float max = finiteMax(src, off, n, i);
            if (!(max > 0)) {
                empty[i] = true;
                continue;
            }
            for (int p = off; p < off + n; p++) out[p] = src[p] > 0 ? src[p] / max : 0f;
        }
        return new NormalisedMaps(new Tensor(out, maps.shape()), empty);
    }

    /**
     * {@code (x - min) / (max - min)} per map, the normalisation pytorch-grad-cam applies (it adds 1e-7 to the
     * denominator; the difference is below float resolution for maps of ordinary range). A constant map comes
     * back all zero and flagged empty.
     *
     * @param maps (M x H x W), not modified
     */
    public static NormalisedMaps normaliseMinMax(Tensor maps) {
        if (maps.rank() != 3) throw new IllegalArgumentException("maps must be (M x H x W), got " + maps);
        int m = maps.dim(0), n = maps.dim(1) * maps.dim(2);
        float[] src = maps.data();
        float[] out = new float[src.length];
        boolean[] empty = new boolean[m];
        for (int i = 0; i < m; i++) {
            int off = i * n;
            float max = finiteMax(src, off, n, i);
            float min = Float.POSITIVE_INFINITY;
            for (int p = off; p < off + n; p++) min = Math.min(min, src[p]);
            double range = (double) max - min;
            if (!(range > 0)) {
                empty[i] = true;
                continue;
            }
            for (int p = off; p < off + n; p++) out[p] = (float) ((src[p] - (double) min) / range);
        }
        return new NormalisedMaps(new Tensor(out, maps.shape()), empty);
    }

    private static float finiteMax(float[] src, int off, int n, int mapIndex) {
        float max = Float.NEGATIVE_INFINITY;
        for (int p = off; p < off + n; p++) {
            float v = src[p];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("map " + mapIndex + " holds " + v + " at position " + (p - off));
            }
            if (v > max) max = v;
        }
        return max;
    }

    /**
     * Guided Grad-CAM (and Guided Grad-CAM++): the guided gradient times the normalised map, per channel.
     *
     * @param guidedGradients (M x 3 x H x W)
     * @param normalisedMaps  (M x H x W), in [0, 1] at the network input's size
     * @return (M x 3 x H x W)
     */
    public static Tensor guidedProduct(Tensor guidedGradients, Tensor normalisedMaps) {
        if (guidedGradients.rank() != 4 || normalisedMaps.rank() != 3
                || guidedGradients.dim(0) != normalisedMaps.dim(0)
                || guidedGradients.dim(2) != normalisedMaps.dim(1) || guidedGradients.dim(3) != normalisedMaps.dim(2)) {
            throw new IllegalArgumentException("guided gradients (M x C x H x W) " + guidedGradients
                    + " do not match maps (M x H x W) " + normalisedMaps);
        }
        int m = guidedGradients.dim(0), c = guidedGradients.dim(1), n = normalisedMaps.dim(1) * normalisedMaps.dim(2);
        float[] g = guidedGradients.data(), map = normalisedMaps.data();
        float[] out = new float[g.length];
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < c; k++) {
                int go = (i * c + k) * n, mo = i * n;
                for (int p = 0; p < n; p++) out[go + p] = g[go + p] * map[mo + p];
            }
        }
        return new Tensor(out, guidedGradients.shape());
    }
}
