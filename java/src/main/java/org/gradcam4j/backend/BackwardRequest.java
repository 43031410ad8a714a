package org.gradcam4j.backend;

import java.util.Set;
import org.gradcam4j.tensor.Tensor;

/**
 * One batched backward pass.
 *
 * @param seeds      (M x classes) the gradient of the score w.r.t. the logits, one row per seed. A one-hot
 *                   row explains a class logit; several rows for one image explain several classes at once.
 * @param imageOf    (M) which image of the forward batch each seed row belongs to
 * @param stopAt     the layer whose output gradient is wanted ({@code Architecture.INPUT} for the image); the
 *                   pass goes no deeper than needed
 * @param rule       the ReLU backward rule applied at every ReLU passed on the way
 * @param capture    further layers (above {@code stopAt}) whose output gradients are also returned
 * @param weightGradLayers layers whose weight and bias gradients are computed (summed over seeds); empty for
 *                   explanation work, where weight gradients are never needed
 */
public record BackwardRequest(Tensor seeds, int[] imageOf, String stopAt, ReluRule rule, Set<String> capture,
                              Set<String> weightGradLayers) {
    public BackwardRequest {
        if (seeds.rank() != 2) throw new IllegalArgumentException("seeds must be (M x classes), got " + seeds);
        if (imageOf.length != seeds.dim(0)) throw new IllegalArgumentException("imageOf has " + imageOf.length + " entries for " + seeds.dim(0) + " seeds");
        imageOf = imageOf.clone();
        capture = Set.copyOf(capture);
        weightGradLayers = Set.copyOf(weightGradLayers);
    }

    /** One seed per image, in order: the common case. */
    public static BackwardRequest perImage(Tensor seeds, String stopAt, ReluRule rule) {
        int[] idx = new int[seeds.dim(0)];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        return new BackwardRequest(seeds, idx, stopAt, rule, Set.of(), Set.of());
    }

    /** One-hot seeds for the given classes. */
    public static Tensor oneHot(int[] classes, int numClasses) {
        Tensor t = Tensor.zeros(classes.length, numClasses);
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] >= numClasses) throw new IllegalArgumentException("class " + classes[i] + " out of range 0.." + (numClasses - 1));
            t.data()[i * numClasses + classes[i]] = 1f;
        }
        return t;
    }

    @Override public int[] imageOf() { return imageOf.clone(); }
}
