package org.gradcam4j.explain;

import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;

/**
 * Ablation-CAM (docs/ALGORITHMS.md section 8): each channel of the target layer's activation zeroed in turn and
 * forwarded from the target layer on, {@code maxBatch} ablations at a time; {@code w_k = (y - y_k) / y}. Every class
 * of an image shares the ablated passes. Where the copies are made (on the device from the activation already there,
 * or on the host) is the caller's {@link AblatedLogits}.
 */
final class AblationCam {
    private AblationCam() {}

    /**
     * The logits ((to - first) x classes) of copies {@code first .. to-1} of image {@code image}'s target-layer
     * activation, channel {@code k} zeroed in copy {@code k} ({@link org.gradcam4j.backend.AblatedActivations}).
     */
    interface AblatedLogits {
        Tensor logits(int image, int first, int to);
    }

    /**
     * @param ablated     runs the ablated activations from the target layer on
     * @param activations (N x C x h x w) its activations
     * @param logits      (N x classes) the batch's logits
     */
    static CamLayerMaps compute(AblatedLogits ablated, Tensor activations, Tensor logits, int[] imageOf, int[] classOf,
                                boolean probability, int maxBatch) {
        int n = activations.dim(0), c = activations.dim(1);
        int m = imageOf.length, classes = logits.dim(1);
        float[] weights = new float[m * c];
        for (int i = 0; i < n; i++) {
            float[] ablatedLogits = new float[c * classes];
            for (int from = 0; from < c; from += maxBatch) {
                int to = Math.min(c, from + maxBatch);
                Tensor out = ablated.logits(i, from, to);
                System.arraycopy(out.data(), 0, ablatedLogits, from * classes, (to - from) * classes);
            }
            Tensor ablatedScores = new Tensor(ablatedLogits, c, classes);
            for (int r = 0; r < m; r++) {
                if (imageOf[r] != i) continue;
                double y = ForwardBatches.score(logits, i, classOf[r], probability);
                if (y == 0) continue;   // undefined weights: all zero, the map is reported empty
                for (int k = 0; k < c; k++) weights[r * c + k] = (float) ((y - ForwardBatches.score(ablatedScores, k, classOf[r], probability)) / y);
            }
        }
        Tensor wt = new Tensor(weights, m, c);
        return new CamLayerMaps(Method.ABLATIONCAM, wt, CamMath.weightedSum(activations, wt, imageOf, true));
    }
}
