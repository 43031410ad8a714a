package org.gradcam4j.backend;

import org.gradcam4j.method.MapOps;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.tensor.Tensor;

/**
 * A recipe for many network inputs made from one preprocessed image (C x S x S): the masked, path, occluded and
 * noisy copies of Score-CAM, Integrated Gradients, Occlusion and SmoothGrad (docs/ALGORITHMS.md section 8).
 * {@link #make} is the definition, computed on the host; {@link Network#forwardCopies} runs a range of the copies,
 * and a backend may build them itself from the one image (the CUDA backend does, on the device, with
 * {@code kernels/input_copies.cuh}, whose references {@code KernelReferenceJavaParityTest} holds to this class bit
 * for bit). The arithmetic below is therefore part of the contract: float where it says float, double where it
 * says double.
 */
public sealed interface InputCopies
        permits InputCopies.ScoreCamMasks, InputCopies.PathPoints, InputCopies.Occluded, InputCopies.Noisy {

    /** How many copies the recipe defines. */
    int count();

    /** Copies {@code from .. to-1} of {@code image} (C x S x S), as ((to - from) x C x S x S). */
    Tensor make(Tensor image, int from, int to);

    /** Checks an image and a range of copies against a network and this recipe. */
    default void check(Architecture arch, Tensor image, int from, int to) {
        int c = arch.inputChannels(), s = arch.inputSize();
        if (image.rank() != 3 || image.dim(0) != c || image.dim(1) != s || image.dim(2) != s) {
            throw new IllegalArgumentException("image must be (" + c + " x " + s + " x " + s + "), got " + image);
        }
        if (this instanceof Occluded o && o.size() != s) throw new IllegalArgumentException("occlusion made for inputs of " + o.size() + ", not " + s);
        if (from < 0 || to > count() || from >= to) {
            throw new IllegalArgumentException("copies " + from + ".." + to + " outside the recipe's " + count());
        }
    }

    /**
     * Score-CAM's masked inputs: copy {@code k} is the image times channel {@code k} of the target layer's
     * {@code activation} (C x h x w), upsampled to the input size ({@code alignCorners}: bilinear with aligned
     * corners, pytorch-grad-cam's form; else half-pixel centres, the paper form's) and scaled to [0, 1] by
     * {@code (m - min) / (max - min + eps)} (float min and max, double arithmetic, float result).
     */
    record ScoreCamMasks(Tensor activation, boolean alignCorners, double eps) implements InputCopies {
        public ScoreCamMasks {
            if (activation.rank() != 3) throw new IllegalArgumentException("activation must be (C x h x w), got " + activation);
        }

        @Override public int count() { return activation.dim(0); }

        @Override
        public Tensor make(Tensor image, int from, int to) {
            int ch = image.dim(0), s = image.dim(1), plane = s * s;
            float[] x = image.data(), mk = masks(from, to, s).data(), b = new float[(to - from) * ch * plane];
            for (int k = 0; k < to - from; k++) {
                for (int q = 0; q < ch; q++) {
                    int dst = (k * ch + q) * plane, src = q * plane, mo = k * plane;
                    for (int p = 0; p < plane; p++) b[dst + p] = x[src + p] * mk[mo + p];
                }
            }
            return new Tensor(b, to - from, ch, s, s);
        }

        /** The masks of channels {@code from .. to-1}, ((to - from) x size x size) in [0, 1]. */
        public Tensor masks(int from, int to, int size) {
            int h = activation.dim(1), w = activation.dim(2);
            float[] a = activation.data();
            Tensor channels = new Tensor(java.util.Arrays.copyOfRange(a, from * h * w, to * h * w), to - from, h, w);
            Tensor up = alignCorners ? upsampleAlignCorners(channels, size, size) : MapOps.upsampleBilinear(channels, size, size);
            float[] d = up.data();
            int plane = size * size;
            for (int k = 0; k < up.dim(0); k++) {
                float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
                for (int p = k * plane; p < (k + 1) * plane; p++) {
                    min = Math.min(min, d[p]);
                    max = Math.max(max, d[p]);
                }
                double den = (double) max - min + eps;
                for (int p = k * plane; p < (k + 1) * plane; p++) d[p] = (float) ((d[p] - (double) min) / den);
            }
            return up;
        }

        /**
         * Bilinear resize with {@code align_corners = true} (torch's {@code UpsamplingBilinear2d}): output pixel
         * {@code d} samples source coordinate {@code d (in - 1) / (out - 1)}; taps in double, float result.
         *
         * @param maps (K x h x w)
         * @return (K x outH x outW)
         */
        public static Tensor upsampleAlignCorners(Tensor maps, int outH, int outW) {
            int k = maps.dim(0), h = maps.dim(1), w = maps.dim(2);
            float[] src = maps.data(), out = new float[k * outH * outW];
            for (int y = 0; y < outH; y++) {
                double sy = outH > 1 ? (double) y * (h - 1) / (outH - 1) : 0;
                int y0 = (int) Math.floor(sy), y1 = Math.min(y0 + 1, h - 1);
                double fy = sy - y0;
                for (int x = 0; x < outW; x++) {
                    double sx = outW > 1 ? (double) x * (w - 1) / (outW - 1) : 0;
                    int x0 = (int) Math.floor(sx), x1 = Math.min(x0 + 1, w - 1);
                    double fx = sx - x0;
                    for (int c = 0; c < k; c++) {
                        int o = c * h * w;
                        double top = src[o + y0 * w + x0] * (1 - fx) + src[o + y0 * w + x1] * fx;
                        double bottom = src[o + y1 * w + x0] * (1 - fx) + src[o + y1 * w + x1] * fx;
                        out[(c * outH + y) * outW + x] = (float) (top * (1 - fy) + bottom * fy);
                    }
                }
            }
            return new Tensor(out, k, outH, outW);
        }
    }

    /**
     * Integrated Gradients' path points: copy {@code k} is {@code (float) (b + alphas[k] (x - b))} per pixel, with
     * {@code b} the baseline's value there and {@code x - b} a float difference. The baseline is one value per channel
     * ({@code C}: the product's black and zero baselines) or an image ({@code C x S x S}, row-major, as the image).
     */
    record PathPoints(float[] baseline, double[] alphas) implements InputCopies {
        @Override public int count() { return alphas.length; }

        /** Whether the baseline is one value per channel (else one per pixel). */
        public boolean perChannel(int channels) { return baseline.length == channels; }

        @Override
        public Tensor make(Tensor image, int from, int to) {
            int ch = image.dim(0), s = image.dim(1), plane = s * s, per = ch * plane;
            if (baseline.length != ch && baseline.length != per) {
                throw new IllegalArgumentException("the baseline needs one value per channel (" + ch + ") or per value of the image ("
                        + per + "), got " + baseline.length);
            }
            boolean image1 = baseline.length == per;
            float[] x = image.data(), dst = new float[(to - from) * per];
            for (int k = from; k < to; k++) {
                double a = alphas[k];
                for (int q = 0; q < ch; q++) {
                    int d = (k - from) * per + q * plane;
                    for (int p = 0; p < plane; p++) {
                        float b = image1 ? baseline[q * plane + p] : baseline[q];
                        dst[d + p] = (float) (b + a * (x[q * plane + p] - b));
                    }
                }
            }
            return new Tensor(dst, to - from, ch, s, s);
        }
    }

    /**
     * Occlusion's inputs: copy {@code p} is the image with the {@code patch x patch} square at patch position
     * {@code p} (row-major over {@code n x n} positions {@code 0, stride, ...}, {@code n = (size - patch) / stride + 1})
     * set to the channel's {@code fill} value.
     */
    record Occluded(float[] fill, int size, int patch, int stride) implements InputCopies {
        public Occluded {
            if (patch < 1 || stride < 1 || patch > size) {
                throw new IllegalArgumentException("occlusion patch " + patch + " / stride " + stride + " do not fit an input of " + size);
            }
        }

        /** Patch positions along one side. */
        public int perSide() { return (size - patch) / stride + 1; }

        @Override public int count() { return perSide() * perSide(); }

        @Override
        public Tensor make(Tensor image, int from, int to) {
            int ch = image.dim(0), s = image.dim(1), plane = s * s, per = ch * plane, n1 = perSide();
            if (fill.length != ch) throw new IllegalArgumentException("the fill needs one value per channel (" + ch + ")");
            float[] x = image.data(), b = new float[(to - from) * per];
            for (int p = from; p < to; p++) {
                int off = (p - from) * per, y0 = (p / n1) * stride, x0 = (p % n1) * stride;
                System.arraycopy(x, 0, b, off, per);
                for (int q = 0; q < ch; q++) {
                    for (int y = y0; y < y0 + patch; y++) {
                        java.util.Arrays.fill(b, off + q * plane + y * s + x0, off + q * plane + y * s + x0 + patch, fill[q]);
                    }
                }
            }
            return new Tensor(b, to - from, ch, s, s);
        }
    }

    /**
     * SmoothGrad's noisy copies: copy {@code k} is {@code (float) (x + sigma z_k)} with {@code z} ({@code samples x
     * C x S x S}) the standard normal noise of {@link #noise}, drawn on the host from {@code seed}; {@code z} must be
     * {@code noise(seed, samples, C x S x S)}: the noise depends only on those, so a backend may keep an uploaded copy
     * for later images (the CUDA backend does, keyed by seed and sample count).
     */
    record Noisy(float[] z, long seed, int samples, double sigma) implements InputCopies {
        public Noisy {
            if (samples < 1 || z.length % samples != 0) throw new IllegalArgumentException("noise of " + z.length + " values for " + samples + " samples");
        }

        @Override public int count() { return samples; }

        /** The standard normal noise of {@code samples} copies of a (C x S x S) input: {@code new Random(seed).nextGaussian()} in order. */
        public static float[] noise(long seed, int samples, int per) {
            java.util.Random rnd = new java.util.Random(seed);
            float[] z = new float[samples * per];
            for (int i = 0; i < z.length; i++) z[i] = (float) rnd.nextGaussian();
            return z;
        }

        @Override
        public Tensor make(Tensor image, int from, int to) {
            int per = image.data().length;
            if (z.length != samples * per) throw new IllegalArgumentException("the noise is not (" + samples + " x " + per + ")");
            float[] x = image.data(), dst = new float[(to - from) * per];
            for (int k = from; k < to; k++) {
                int zo = k * per, d = (k - from) * per;
                for (int p = 0; p < per; p++) dst[d + p] = (float) (x[p] + sigma * z[zo + p]);
            }
            return new Tensor(dst, to - from, image.dim(0), image.dim(1), image.dim(2));
        }
    }
}
