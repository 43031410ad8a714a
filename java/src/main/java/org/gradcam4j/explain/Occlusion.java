package org.gradcam4j.explain;

import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.tensor.Tensor;

/**
 * Occlusion (docs/ALGORITHMS.md section 8, as Captum's {@code Occlusion}): a patch of black pixels slides over the
 * network input; the score drop per position is the layer map, and each pixel's map value is the mean drop of the
 * patches covering it. The occluded inputs of an image go through the network {@code maxBatch} at a time, shared by
 * its classes.
 */
final class Occlusion {
    private Occlusion() {}

    /**
     * @param grid (M x ny x nx) the drops per patch position
     * @param map  (M x S x S) per pixel the mean drop of the patches covering it (0 where none does)
     */
    record Result(Tensor grid, Tensor map) {}

    /** The patch's top-left corners along one side: {@code 0, stride, ...} while the patch fits. */
    static int positions(int size, int patch, int stride) {
        if (patch > size) throw new org.gradcam4j.InvalidInputException("occlusion patch " + patch + " is larger than the network input (" + size + ")");
        return (size - patch) / stride + 1;
    }

    /**
     * @param fill   (C) the input value of a black pixel per channel
     * @param logits (N x classes) the batch's logits
     */
    static Result compute(Network network, Tensor input, float[] fill, Tensor logits, int[] imageOf, int[] classOf, boolean probability,
                          int patch, int stride, int maxBatch) {
        int s = input.dim(2), plane = s * s, m = imageOf.length;
        int n1 = positions(s, patch, stride), count = n1 * n1;
        float[] grid = new float[m * count], map = new float[m * plane];
        int[] cover = new int[plane];
        for (int p = 0; p < count; p++) {
            int y0 = (p / n1) * stride, x0 = (p % n1) * stride;
            for (int y = y0; y < y0 + patch; y++) for (int xx = x0; xx < x0 + patch; xx++) cover[y * s + xx]++;
        }
        for (int i = 0; i < input.dim(0); i++) {
            int[] rows = InputSamples.rowsOf(imageOf, i);
            if (rows.length == 0) continue;
            Tensor occluded = ForwardBatches.logits(network, input.slice(i), new InputCopies.Occluded(fill, s, patch, stride), maxBatch);
            for (int r : rows) {
                double y = ForwardBatches.score(logits, i, classOf[r], probability);
                double[] sum = new double[plane];
                for (int p = 0; p < count; p++) {
                    double d = y - ForwardBatches.score(occluded, p, classOf[r], probability);
                    grid[r * count + p] = (float) d;
                    int y0 = (p / n1) * stride, x0 = (p % n1) * stride;
                    for (int yy = y0; yy < y0 + patch; yy++) for (int xx = x0; xx < x0 + patch; xx++) sum[yy * s + xx] += d;
                }
                for (int q = 0; q < plane; q++) map[r * plane + q] = cover[q] == 0 ? 0f : (float) (sum[q] / cover[q]);
            }
        }
        return new Result(new Tensor(grid, m, n1, n1), new Tensor(map, m, s, s));
    }
}
