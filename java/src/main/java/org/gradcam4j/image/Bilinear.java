package org.gradcam4j.image;

import org.gradcam4j.tensor.Tensor;

/**
 * Bilinear resampling with half-pixel centres, the convention of
 * {@code torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False)}
 * and of {@code cv2.resize(INTER_LINEAR)} when upsampling:
 * output pixel {@code d} reads input coordinate {@code s = (d + 0.5) * in / out - 0.5}, clamped below at
 * 0; it blends input pixels {@code floor(s)} and {@code floor(s) + 1} (the latter clamped to the last
 * pixel) with weights {@code 1 - frac(s)} and {@code frac(s)}. There is no antialiasing when
 * shrinking: each output pixel still reads only its 2 x 2 neighbours.
 *
 * <p>Arithmetic is in double, results stored as float; torch computes in float32 for float32
 * tensors, so the two agree to about {@code 1e-5 * max|gradient|} (exactly, to float rounding,
 * against torch in float64).
 */
public final class Bilinear {
    private Bilinear() {}

    /** Sample positions for one axis: output {@code d} = {@code (1 - w1[d]) * in[i0[d]] + w1[d] * in[i1[d]]}. */
    static final class Axis {
        final int[] i0;
        final int[] i1;
        final double[] w1;

        Axis(int in, int out) {
            if (in < 1 || out < 1) throw new IllegalArgumentException("sizes must be positive: " + in + " -> " + out);
            i0 = new int[out];
            i1 = new int[out];
            w1 = new double[out];
            double scale = (double) in / out;
            for (int d = 0; d < out; d++) {
                double s = scale * (d + 0.5) - 0.5;
                if (s < 0) s = 0;
                int i = (int) s;             // s < in - 0.5, so i <= in - 1
                i0[d] = i;
                i1[d] = i < in - 1 ? i + 1 : i;
                w1[d] = s - i;
            }
        }
    }

    /**
     * Resizes {@code planes} independent planes.
     *
     * @param src  (planes x h x w)
     * @return     (planes x outH x outW)
     */
    public static float[] resize(float[] src, int planes, int h, int w, int outH, int outW) {
        if ((long) planes * h * w != src.length) {
            throw new IllegalArgumentException(src.length + " values is not " + planes + " x " + h + " x " + w);
        }
        Axis ay = new Axis(h, outH), ax = new Axis(w, outW);
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            int in0 = p * h * w, o0 = p * outH * outW;
            for (int y = 0; y < outH; y++) {
                int r0 = in0 + ay.i0[y] * w, r1 = in0 + ay.i1[y] * w;
                double wy = ay.w1[y];
                for (int x = 0; x < outW; x++) {
                    int c0 = ax.i0[x], c1 = ax.i1[x];
                    double wx = ax.w1[x];
                    double top = (1 - wx) * src[r0 + c0] + wx * src[r0 + c1];
                    double bottom = (1 - wx) * src[r1 + c0] + wx * src[r1 + c1];
                    out[o0 + y * outW + x] = (float) ((1 - wy) * top + wy * bottom);
                }
            }
        }
        return out;
    }

    /**
     * Resizes the last two dimensions of a tensor of rank 2 or more.
     *
     * @param t (... x h x w)
     * @return  (... x outH x outW)
     */
    public static Tensor resize(Tensor t, int outH, int outW) {
        int r = t.rank();
        if (r < 2) throw new IllegalArgumentException("need at least 2 dimensions to resize, got " + t);
        int h = t.dim(r - 2), w = t.dim(r - 1);
        int[] shape = t.shape();
        shape[r - 2] = outH;
        shape[r - 1] = outW;
        int planes = h * w == 0 ? 0 : t.size() / (h * w);
        return new Tensor(resize(t.data(), planes, h, w, outH, outW), shape);
    }

    /**
     * Crops a region of packed RGB pixels and resizes it, without converting the whole image to floats.
     *
     * @param rgb      packed 0xRRGGBB pixels, row stride {@code stride}
     * @param x0,y0    the region's top-left pixel
     * @param cw,ch    the region's size
     * @return (3 x outH x outW) R, G, B planes in 0..255, not rounded
     */
    static float[] resizeRgb(int[] rgb, int stride, int x0, int y0, int cw, int ch, int outH, int outW) {
        Axis ay = new Axis(ch, outH), ax = new Axis(cw, outW);
        int plane = outH * outW;
        float[] out = new float[3 * plane];
        for (int y = 0; y < outH; y++) {
            int r0 = (y0 + ay.i0[y]) * stride + x0, r1 = (y0 + ay.i1[y]) * stride + x0;
            double wy = ay.w1[y];
            for (int x = 0; x < outW; x++) {
                int p00 = rgb[r0 + ax.i0[x]], p01 = rgb[r0 + ax.i1[x]];
                int p10 = rgb[r1 + ax.i0[x]], p11 = rgb[r1 + ax.i1[x]];
                double wx = ax.w1[x];
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    double top = (1 - wx) * ((p00 >> shift) & 0xff) + wx * ((p01 >> shift) & 0xff);
                    double bottom = (1 - wx) * ((p10 >> shift) & 0xff) + wx * ((p11 >> shift) & 0xff);
                    out[c * plane + y * outW + x] = (float) ((1 - wy) * top + wy * bottom);
                }
            }
        }
        return out;
    }
}
