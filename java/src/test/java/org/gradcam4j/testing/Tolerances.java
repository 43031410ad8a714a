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
     * by percent. Also the same network's logits with its fc layers summed in another order (a Keras file's kernels
     * read in Keras's order, MappedModelFileTest: measured 2.4e-7).
     */
    public static final double FORMULA = 1e-5;

    /**
     * A whole network in float32 against PyTorch in float32 (logits, activations, layer gradients, maps of every
     * method on the narrow nets): different summation orders through 13 convolutions give ~1e-6 to 1e-5 (measured
     * by the reference script as float32 vs float64); 1e-4 is an order of margin above the worst seen. Also
     * pytorch-grad-cam's ScoreCAM on full VGG16 at block5_conv3, whose reference is its own float32 run (float64 takes
     * over an hour there): measured 1.2e-5 (weights) and 4.0e-7 (map).
     */
    public static final double NETWORK = 1e-4;

    /**
     * One float32 dot product (a GEMM or GEMV entry) against the same sum in double, per value, as
     * {@code |got - want| <= bound * (1 + sum |terms|)}: float32 accumulation of n terms of random sign errs by about
     * sqrt(n) * 6e-8 of the terms' magnitude sum (n = 2048 in InputMajorFcTest: 2.7e-6; the worst case n * 6e-8 is
     * not approached by blocked sums); 1e-5 sits above that, while a wrong layout or transpose (another weight under
     * an input) errs by order 1.
     */
    public static final double DOT_PRODUCT = 1e-5;

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

    /**
     * Ablation-CAM's layer map on full-size VGG16: its weights {@code (y - y_k) / y} are differences of 512 nearly equal
     * float32 logits (each the end of a 25088-term fc1 product), and {@code sum_k w_k A^k} then cancels between
     * positive and negative weights, so float32 rounding is amplified. Measured against float64
     * (FullVggMethodsParityTest): PyTorch float32 7.0e-5 on the map (1.4e-5 on the weights), gradcam4j 1.6e-4 (1.7e-5):
     * its GEMM blocks the long fc1 sums differently. 1e-3 sits an order above PyTorch's own error; a wrong formula, sign
     * or layer gives errors of order 1.
     */
    public static final double CANCELLATION = 1e-3;

    /**
     * Where the reference also ran the same computation in PyTorch float32 and recorded that result's error against
     * float64 (full-size input gradients, tools/ref_vgg.py; Ablation-CAM weights, SmoothGrad and Integrated Gradients,
     * tools/ref_methods.py {@code --f32-errors}): {@code base}, or twice PyTorch's own float32 error where that is larger.
     * A max-pool near-tie, or a difference of nearly equal scores (Ablation-CAM's {@code y - y_k}), moves any float32
     * result by about that much; a wrong rule, layer or formula still gives errors of order 1. Null error: {@code base}.
     */
    public static double againstTorchFloat32(double base, Double torchFloat32Error) {
        return torchFloat32Error == null ? base : Math.max(base, 2 * torchFloat32Error);
    }
}
