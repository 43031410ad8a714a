package org.gradcam4j.explain;

import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.tensor.Tensor;

/** Many inputs made on the host through a network, {@code maxBatch} at a time, keeping only their logits. */
final class ForwardBatches {
    private ForwardBatches() {}

    /** Builds inputs {@code from .. to-1} of a sequence as one (n x ...) tensor. */
    interface Builder {
        Tensor build(int from, int to);
    }

    /** The logits of {@code count} inputs, (count x classes), made and run {@code maxBatch} at a time. */
    static Tensor logits(Network network, int count, int maxBatch, Builder builder) {
        int classes = network.architecture().numClasses();
        float[] out = new float[count * classes];
        for (int from = 0; from < count; from += maxBatch) {
            int to = Math.min(count, from + maxBatch);
            try (ForwardPass pass = network.forward(builder.build(from, to), null)) {
                System.arraycopy(pass.logits().data(), 0, out, from * classes, (to - from) * classes);
            }
        }
        return new Tensor(out, count, classes);
    }

    /**
     * The logits of every copy of one image a recipe defines, (count x classes), {@code maxBatch} per forward pass,
     * the copies made by the backend ({@link Network#forwardCopies}: on a GPU, on the device).
     *
     * @param image (C x S x S)
     */
    static Tensor logits(Network network, Tensor image, InputCopies copies, int maxBatch) {
        int classes = network.architecture().numClasses(), count = copies.count();
        float[] out = new float[count * classes];
        for (int from = 0; from < count; from += maxBatch) {
            int to = Math.min(count, from + maxBatch);
            try (ForwardPass pass = network.forwardCopies(image, copies, from, to, null)) {
                System.arraycopy(pass.logits().data(), 0, out, from * classes, (to - from) * classes);
            }
        }
        return new Tensor(out, count, classes);
    }

    /** The score of {@code cls} in row {@code row} of (n x classes) logits: the logit, or its softmax probability. */
    static double score(Tensor logits, int row, int cls, boolean probability) {
        int c = logits.dim(1);
        float[] l = logits.data();
        if (!probability) return l[row * c + cls];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) max = Math.max(max, l[row * c + j]);
        double sum = 0;
        for (int j = 0; j < c; j++) sum += Math.exp(l[row * c + j] - max);
        return Math.exp(l[row * c + cls] - max) / sum;
    }
}
