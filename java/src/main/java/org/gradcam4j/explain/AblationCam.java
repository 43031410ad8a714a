package org.gradcam4j.explain;

import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;

/**
 * Ablation-CAM (docs/ALGORITHMS.md section 8): each channel of the target layer's activation zeroed in turn and
 * forwarded from the target layer on ({@code Network.forwardFrom}), {@code maxBatch} ablations at a time;
 * {@code w_k = (y - y_k) / y}. Every class of an image shares the ablated passes.
 */
final class AblationCam {
    private AblationCam() {}

    /** The logits of a batch of given target-layer activations. */
    interface ForwardFrom {
        Tensor logits(Tensor activations);
    }

    /**
     * @param network     runs the ablated activations from the target layer on
     * @param activations (N x C x h x w) its activations
     * @param logits      (N x classes) the batch's logits
     */
    static CamLayerMaps compute(ForwardFrom network, Tensor activations, Tensor logits, int[] imageOf, int[] classOf,
                                boolean probability, int maxBatch) {
        int n = activations.dim(0), c = activations.dim(1), h = activations.dim(2), w = activations.dim(3), per = c * h * w;
        int m = imageOf.length, classes = logits.dim(1);
        float[] a = activations.data(), weights = new float[m * c];
        for (int i = 0; i < n; i++) {
            int img = i;
            float[] ablatedLogits = new float[c * classes];
            for (int from = 0; from < c; from += maxBatch) {
                int to = Math.min(c, from + maxBatch);
                float[] b = new float[(to - from) * per];
                for (int k = from; k < to; k++) {
                    int off = (k - from) * per;
                    System.arraycopy(a, img * per, b, off, per);
                    java.util.Arrays.fill(b, off + k * h * w, off + (k + 1) * h * w, 0f);
                }
                Tensor out = network.logits(new Tensor(b, to - from, c, h, w));
                System.arraycopy(out.data(), 0, ablatedLogits, from * classes, (to - from) * classes);
            }
            Tensor ablated = new Tensor(ablatedLogits, c, classes);
            for (int r = 0; r < m; r++) {
                if (imageOf[r] != i) continue;
                double y = ForwardBatches.score(logits, i, classOf[r], probability);
                if (y == 0) continue;   // undefined weights: all zero, the map is reported empty
                for (int k = 0; k < c; k++) weights[r * c + k] = (float) ((y - ForwardBatches.score(ablated, k, classOf[r], probability)) / y);
            }
        }
        Tensor wt = new Tensor(weights, m, c);
        return new CamLayerMaps(Method.ABLATIONCAM, wt, CamMath.weightedSum(activations, wt, imageOf, true));
    }
}
