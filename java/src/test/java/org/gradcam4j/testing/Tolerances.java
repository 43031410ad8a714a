package org.gradcam4j.testing;

/**
 * The one tolerance table of the parity tests: every bound a test compares gradcam4j with an independent
 * reference by, with how it was chosen. Errors are relative L2 ({@code ||got - want|| / ||want||}, see
 * {@code Errors.relativeL2}) unless a line says otherwise. A test that needs a bound not listed here adds it here.
 */
public final class Tolerances {
    private Tolerances() {}

    /**
     * Pure formulas on the same float32 inputs (CAM weights and maps, SmoothGrad / IG accumulation, Eigen-CAM
     * projections): both sides accumulate in double, so results differ by the final float32 rounding (~6e-8) and a
     * float32 resize in another operation order (a few 1e-7). Two orders of margin; a formula slip moves results
     * by percent.
     */
    public static final double FORMULA = 1e-5;

    /**
     * A whole network in float32 against PyTorch in float32 (logits, activations, layer gradients, maps of every
     * method on the narrow nets): different summation orders through 13 convolutions give ~1e-6 to 1e-5 (measured
     * by the reference script as float32 vs float64); 1e-4 is an order of margin above the worst seen.
     */
    public static final double NETWORK = 1e-4;

    /**
     * Tensors that cross a max-pool argmax near-tie in float32 (input gradients and guided products of the full-size
     * networks): PyTorch's own float32 result differs from its float64 one by more than 1e-5 there (the test asks the
     * reference for that error), and a flipped argmax moves a few gradient values wholesale; 1e-2 still catches a
     * wrong rule or a wrong layer, which give errors of order 1. Also Integrated Gradients' trapezoid rule, whose
     * gradient at a constant baseline meets exact ties that float32 GEMM rounding turns into near-ties (measured up
     * to 9e-3 on the narrow net).
     */
    public static final double NEAR_TIE = 1e-2;

    /**
     * The CUDA backend's logits from inputs made on the device against the same backend's logits from the same
     * inputs made on the host (the copies themselves must be bit-identical, bound 0): one network, one batch size,
     * one cuDNN plan, so the results agree to the last bit unless an algorithm is non-deterministic; 1e-6 leaves
     * room for that and still fails on a single wrong copy, which moves logits by percent. Same bound as the warped
     * copies of Augmented Grad-CAM.
     */
    public static final double DEVICE_COPIES = 1e-6;

    /**
     * The float32-vs-float64 error of PyTorch itself above which a tensor counts as near-tie ({@link #NEAR_TIE}); for
     * input gradients, that error under any of the three ReLU rules on the same input (they share the forward's
     * decisions; CpuParityTest says why).
     */
    public static final double NEAR_TIE_SIGNAL = 1e-5;

    /**
     * The CPU engine's accuracy guard (LayerErrorGuardTest): every layer's activation error against float64 (a full-size
     * VGG, seeded weights, the project's photo) at most this many times PyTorch float32's own error on that layer.
     * Chosen by the issue that asked for it: a faster default may lose at most a factor 2 against PyTorch, layer by layer.
     * Measured on the project's photo: the default path (Winograd F(4x4,3x3) forwards on blocks 1-4 but block1_conv1,
     * F(2x2,3x3) elsewhere) at most 1.28x PyTorch's error per layer; F(2x2) alone 0.32x-1.04x; F(4x4) on block1_conv1
     * too (opt-in) up to 1.87x (ratios in the test's table and docs/SPEED.md).
     */
    public static final double LAYER_ERROR_VS_TORCH = 2.0;
}
