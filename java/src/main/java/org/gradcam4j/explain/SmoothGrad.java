package org.gradcam4j.explain;

import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.tensor.Tensor;

/**
 * SmoothGrad and its squared and VarGrad variants (docs/ALGORITHMS.md section 8): the input gradient averaged over
 * noisy copies of each image. The noise {@code z_n} comes from {@code new Random(seed).nextGaussian()} in copy,
 * channel, row, column order and is the same for every image; copy {@code n} of image {@code X} is
 * {@code X + sigma z_n} with {@code sigma = noise (max X - min X)}.
 */
final class SmoothGrad {
    private SmoothGrad() {}

    /** The standard normal noise of {@code samples} copies of a (C x S x S) input, as the class comment says. */
    static float[] noise(long seed, int samples, int per) { return InputCopies.Noisy.noise(seed, samples, per); }

    /** (M x C x S x S) in the model's channel order. */
    static Tensor compute(Network network, Tensor input, int[] imageOf, int[] classOf, boolean probability, ReluRule rule,
                          MethodSettings s, int maxBatch) {
        int n = input.dim(0), per = input.dim(1) * input.dim(2) * input.dim(3), count = s.smoothSamples();
        float[] x = input.data();
        float[] z = noise(s.noiseSeed(), count, per);
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int p = i * per; p < (i + 1) * per; p++) {
                min = Math.min(min, x[p]);
                max = Math.max(max, x[p]);
            }
            sigma[i] = s.smoothNoise() * ((double) max - min);
        }
        double[] weights = new double[count];
        java.util.Arrays.fill(weights, 1.0 / count);
        double[][][] sums = InputSamples.weightedSums(network, input, imageOf, classOf, probability, rule, count, weights,
                image -> new InputCopies.Noisy(z, s.noiseSeed(), count, sigma[image]), maxBatch);
        int m = imageOf.length;
        float[] out = new float[m * per];
        for (int r = 0; r < m; r++) {
            double[] mean = sums[0][r], meanSq = sums[1][r];
            for (int p = 0; p < per; p++) {
                out[r * per + p] = (float) switch (s.smoothVariant()) {
                    case MEAN -> mean[p];
                    case SQUARED -> meanSq[p];
                    case VARGRAD -> meanSq[p] - mean[p] * mean[p];
                };
            }
        }
        return new Tensor(out, m, input.dim(1), input.dim(2), input.dim(3));
    }
}
