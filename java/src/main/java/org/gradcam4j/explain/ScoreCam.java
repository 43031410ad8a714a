package org.gradcam4j.explain;

import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.explain.MethodSettings.ScoreCamForm;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Epsilons;
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
        int n = input.dim(0), s = input.dim(2), ch = input.dim(1);
        int c = activations.dim(1), h = activations.dim(2), w = activations.dim(3);
        int m = imageOf.length;
        float[] weights = new float[m * c];
        double[] baseline = form == ScoreCamForm.PAPER ? baselineProbabilities(network, ch, s, classOf) : null;
        for (int i = 0; i < n; i++) {
            InputCopies.ScoreCamMasks masks = new InputCopies.ScoreCamMasks(activations.slice(i).reshape(c, h, w),
                    form == ScoreCamForm.PYTORCH_GRAD_CAM, Epsilons.SCORECAM_MASK);
            Tensor logits = ForwardBatches.logits(network, input.slice(i), masks, maxBatch);
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

    private static void softmaxInPlace(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double e : v) max = Math.max(max, e);
        double sum = 0;
        for (int i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i] - max);
        for (int i = 0; i < v.length; i++) v[i] /= sum;
    }
}
