package org.gradcam4j.explain;

import org.gradcam4j.tensor.Tensor;

/**
 * A gradient-family result for one image and class, at the network input.
 *
 * @param method the method token ({@code vanilla}, {@code guided}, {@code deconvnet}, {@code guided-gradcam}, ...)
 * @param values (3 x S x S) channels in RGB order whatever the model's order: the raw input gradient, or for
 *               guided Grad-CAM(++) the guided gradient times the normalised CAM map
 * @param completenessGap Integrated Gradients: {@code sum(values) - (S(X) - S(X'))}; NaN for the other methods
 */
public record GradientResult(String method, Tensor values, double completenessGap) {
    /** A result without a completeness gap (every method but Integrated Gradients). */
    public GradientResult(String method, Tensor values) { this(method, values, Double.NaN); }
}
