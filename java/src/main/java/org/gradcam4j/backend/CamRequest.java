package org.gradcam4j.backend;

import java.util.LinkedHashSet;
import java.util.Set;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;

/**
 * The CAM-family step of one explanation batch, asked of a forward pass ({@link ForwardPass#camMaps}): what to
 * compute from the seeds, at which layer, and what to hand back.
 *
 * @param seeds           (M x classes) dScore/dLogits, one row per (image, class)
 * @param imageOf         (M) the image of each seed row
 * @param classOf         (M) the class of each seed row (CAM takes its linear-layer row)
 * @param layer           the target layer (a convolution or max-pool output)
 * @param methods         the CAM methods whose layer maps, channel weights and normalised maps are wanted
 * @param linearWeights   (classes x C) the linear layer after global average pooling, for {@link Method#CAM};
 *                        null when CAM is not asked for
 * @param outSize         the side of the normalised maps (the network input's size)
 * @param inputGradients  the ReLU rules whose input gradients (M x 3 x S x S, model channel order) are wanted
 * @param guidedProducts  methods (among {@code methods}) whose normalised map multiplies the guided-backprop input
 *                        gradient (Guided Grad-CAM); the products come back, the guided gradient itself only when
 *                        {@link ReluRule#GUIDED} is also in {@code inputGradients}
 */
public record CamRequest(Tensor seeds, int[] imageOf, int[] classOf, String layer, Set<Method> methods, Tensor linearWeights,
                         int outSize, Set<ReluRule> inputGradients, Set<Method> guidedProducts) {
    public CamRequest {
        if (seeds.rank() != 2) throw new IllegalArgumentException("seeds must be (M x classes), got " + seeds);
        if (imageOf.length != seeds.dim(0) || classOf.length != seeds.dim(0)) {
            throw new IllegalArgumentException(imageOf.length + " images and " + classOf.length + " classes for " + seeds.dim(0) + " seeds");
        }
        if (outSize <= 0) throw new IllegalArgumentException("output size must be positive: " + outSize);
        methods = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(methods));
        inputGradients = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(inputGradients));
        guidedProducts = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(guidedProducts));
        if (!methods.containsAll(guidedProducts)) throw new IllegalArgumentException("guided products " + guidedProducts + " need their maps among " + methods);
        if (methods.contains(Method.CAM) && (linearWeights == null || linearWeights.rank() != 2)) {
            throw new IllegalArgumentException("CAM needs the linear layer's (classes x C) weights");
        }
        imageOf = imageOf.clone();
        classOf = classOf.clone();
    }

    @Override public int[] imageOf() { return imageOf.clone(); }

    @Override public int[] classOf() { return classOf.clone(); }

    /** True when a backward pass must reach the input (input gradients or guided products). */
    public boolean needsInput() { return !inputGradients.isEmpty() || !guidedProducts.isEmpty(); }
}
