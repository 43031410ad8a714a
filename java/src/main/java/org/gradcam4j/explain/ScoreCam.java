package org.gradcam4j.explain;

import org.gradcam4j.backend.Network;
import org.gradcam4j.explain.MethodSettings.ScoreCamForm;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Epsilons;
import org.gradcam4j.method.MapOps;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;

/**
 * Score-CAM (docs/ALGORITHMS.md section 8): one masked input per channel of the target layer, run through the
 * network {@code maxBatch} at a time; every class of an image is scored from the same forward passes.
 */
final class ScoreCam {
    private ScoreCam() {}

    /**
     * @param input       (N x 3 x S x S) the preprocessed batch
     * @param activations (N x C x h x w) its target-layer activations
     * @param imageOf     (M) image of each seed row
     * @param classOf     (M) class of each seed row
     * @param probability whether the score is the softmax probability (else the logit); the paper form always
     *                    scores probabilities
     */
    static CamLayerMaps compute(Network network, Tensor input, Tensor activations, int[] imageOf, int[] classOf,
                                boolean probability, ScoreCamForm form, int maxBatch) {
        int n = input.dim(0), s = input.dim(2), plane = s * s, ch = input.dim(1);
        int c = activations.dim(1), h = activations.dim(2), w = activations.dim(3);
        int m = imageOf.length;
        float[] weights = new float[m * c];
        double[] baseline = form == ScoreCamForm.PAPER ? baselineProbabilities(network, ch, s, classOf) : null;
        float[] x = input.data();
        for (int i = 0; i < n; i++) {
            Tensor masks = masks(activations.slice(i).reshape(c, h, w), s, form);   // (C x S x S) in [0, 1]
            float[] mk = masks.data();
            int img = i;
            Tensor logits = ForwardBatches.logits(network, c, maxBatch, (from, to) -> {
                float[] b = new float[(to - from) * ch * plane];
                for (int k = from; k < to; k++) {
                    for (int q = 0; q < ch; q++) {
                        int src = (img * ch + q) * plane, dst = ((k - from) * ch + q) * plane, mo = k * plane;
                        for (int p = 0; p < plane; p++) b[dst + p] = x[src + p] * mk[mo + p];
                    }
                }
                return new Tensor(b, to - from, ch, s, s);
            });
            for (int r = 0; r < m; r++) {
                if (imageOf[r] != i) continue;
                double[] sc = new double[c];
                for (int k = 0; k < c; k++) {
                    sc[k] = form == ScoreCamForm.PAPER ? ForwardBatches.score(logits, k, classOf[r], true) - baseline[r]
                            : ForwardBatches.score(logits, k, classOf[r], probability);
                }
                if (form == ScoreCamForm.PYTORCH_GRAD_CAM) softmaxInPlace(sc);
                for (int k = 0; k < c; k++) weights[r * c + k] = (float) sc[k];
            }
        }
        Tensor wt = new Tensor(weights, m, c);
        return new CamLayerMaps(Method.SCORECAM, wt, CamMath.weightedSum(activations, wt, imageOf, true));
    }

    /** {@code p_c} of the all-zero input, per seed row (the paper form's baseline). */
    private static double[] baselineProbabilities(Network network, int ch, int s, int[] classOf) {
        Tensor logits = ForwardBatches.logits(network, 1, 1, (from, to) -> Tensor.zeros(1, ch, s, s));
        double[] out = new double[classOf.length];
        for (int r = 0; r < classOf.length; r++) out[r] = ForwardBatches.score(logits, 0, classOf[r], true);
        return out;
    }

    /**
     * The channels of one activation upsampled to (S x S) and scaled to [0, 1] by {@code (M - min) / (max - min + eps)}:
     * bilinear with aligned corners for the pytorch-grad-cam form, half-pixel centres for the paper's.
     */
    static Tensor masks(Tensor activation, int size, ScoreCamForm form) {
        Tensor up = form == ScoreCamForm.PYTORCH_GRAD_CAM ? upsampleAlignCorners(activation, size, size)
                : MapOps.upsampleBilinear(activation, size, size);
        float[] d = up.data();
        int plane = size * size;
        for (int k = 0; k < up.dim(0); k++) {
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int p = k * plane; p < (k + 1) * plane; p++) {
                min = Math.min(min, d[p]);
                max = Math.max(max, d[p]);
            }
            double den = (double) max - min + Epsilons.SCORECAM_MASK;
            for (int p = k * plane; p < (k + 1) * plane; p++) d[p] = (float) ((d[p] - (double) min) / den);
        }
        return up;
    }

    /**
     * Bilinear resize with {@code align_corners = true} (torch's {@code UpsamplingBilinear2d}): output pixel {@code d}
     * samples source coordinate {@code d (in - 1) / (out - 1)}.
     *
     * @param maps (K x h x w)
     * @return (K x outH x outW)
     */
    static Tensor upsampleAlignCorners(Tensor maps, int outH, int outW) {
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

    private static void softmaxInPlace(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double e : v) max = Math.max(max, e);
        double sum = 0;
        for (int i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i] - max);
        for (int i = 0; i < v.length; i++) v[i] /= sum;
    }
}
