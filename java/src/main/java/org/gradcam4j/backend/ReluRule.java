package org.gradcam4j.backend;

/**
 * How gradients pass backwards through every ReLU (docs/ALGORITHMS.md section 4). {@code x} is the ReLU's
 * input (equivalently: its output is positive), {@code R} the incoming gradient.
 */
public enum ReluRule {
    /** Plain gradient: {@code R * [x > 0]}. Used for vanilla gradients and all CAM-family methods. */
    GRADIENT,
    /** Guided backpropagation: {@code ReLU(R) * [x > 0]}. */
    GUIDED,
    /** Deconvnet: {@code ReLU(R)}, the forward mask ignored. */
    DECONVNET;

    /** The rule applied to one value; {@code activePositive} is whether the forward ReLU output was > 0. */
    public float apply(float r, boolean activePositive) {
        return switch (this) {
            case GRADIENT -> activePositive ? r : 0f;
            case GUIDED -> activePositive && r > 0 ? r : 0f;
            case DECONVNET -> r > 0 ? r : 0f;
        };
    }
}
