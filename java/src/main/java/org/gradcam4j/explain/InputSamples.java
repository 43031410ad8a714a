package org.gradcam4j.explain;

import java.util.Set;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.tensor.Tensor;

/**
 * Input gradients at many inputs made from each image (noisy copies for SmoothGrad, points on a path for Integrated
 * Gradients), batched through the backend: {@code maxBatch} inputs per forward pass, every class of the image a
 * seed of the one backward pass (docs/ALGORITHMS.md section 8). Sums are kept in double.
 */
final class InputSamples {
    private InputSamples() {}

    /** The recipe of one image's inputs (the backend makes them: on a GPU, on the device). */
    interface Maker {
        InputCopies copiesOf(int image);
    }

    /**
     * Per seed row the weighted sums {@code sum_k w_k g_k} and {@code sum_k w_k g_k^2} of the input gradients
     * {@code g_k = dS/dX} at the image's {@code count} generated inputs.
     *
     * @param input   (N x C x S x S) the batch
     * @param weights (count) the weight of each generated input
     * @return {sum, sum of squares}, each (M x C*S*S) in the model's channel order
     */
    static double[][][] weightedSums(Network network, Tensor input, int[] imageOf, int[] classOf, boolean probability,
                                     ReluRule rule, int count, double[] weights, Maker maker, int maxBatch) {
        int n = input.dim(0), per = input.dim(1) * input.dim(2) * input.dim(3), m = imageOf.length;
        int classes = network.architecture().numClasses();
        double[][] sum = new double[m][per], sq = new double[m][per];
        for (int i = 0; i < n; i++) {
            int[] rows = rowsOf(imageOf, i);
            if (rows.length == 0) continue;
            InputCopies copies = maker.copiesOf(i);
            Tensor image = input.slice(i);
            for (int from = 0; from < count; from += maxBatch) {
                int to = Math.min(count, from + maxBatch), b = to - from;
                int[] copyOf = new int[b * rows.length], classOfSeed = new int[b * rows.length];
                for (int k = 0; k < b; k++) {
                    for (int j = 0; j < rows.length; j++) {
                        copyOf[k * rows.length + j] = k;
                        classOfSeed[k * rows.length + j] = classOf[rows[j]];
                    }
                }
                try (ForwardPass pass = network.forwardCopies(image, copies, from, to, Architecture.INPUT)) {
                    Tensor logits = pass.logits();
                    Tensor seeds = Explainer.seeds(probability ? Score.PROBABILITY : Score.LOGIT, Explainer.softmax(logits), copyOf,
                            classOfSeed, classes);
                    float[] g = pass.backward(new BackwardRequest(seeds, copyOf, Architecture.INPUT, rule, Set.of(), Set.of()))
                            .at(Architecture.INPUT).data();
                    for (int k = 0; k < b; k++) {
                        double w = weights[from + k];
                        for (int j = 0; j < rows.length; j++) {
                            double[] s = sum[rows[j]], q = sq[rows[j]];
                            int off = (k * rows.length + j) * per;
                            for (int p = 0; p < per; p++) {
                                double v = g[off + p];
                                s[p] += w * v;
                                q[p] += w * v * v;
                            }
                        }
                    }
                }
            }
        }
        return new double[][][] {sum, sq};
    }

    /** The seed rows of one image, in order. */
    static int[] rowsOf(int[] imageOf, int image) {
        return java.util.stream.IntStream.range(0, imageOf.length).filter(r -> imageOf[r] == image).toArray();
    }
}
