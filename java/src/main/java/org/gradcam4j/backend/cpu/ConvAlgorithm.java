package org.gradcam4j.backend.cpu;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;

/**
 * Which kernel runs a 3x3 convolution on the CPU, chosen per layer when a network is loaded, from
 * {@code -Dgradcam4j.conv=auto|direct|winograd} (default auto): the direct shifted-GEMM path of
 * {@link LayerOps} (the reference, and the fallback for odd image sizes) or {@link WinogradConv}.
 */
enum ConvAlgorithm {
    /** Winograd where it measured faster than direct (see {@link #winogradForward}). */
    AUTO,
    /** Direct everywhere. */
    DIRECT,
    /** Winograd wherever it applies (even image sizes), whatever the speed. */
    WINOGRAD;

    static ConvAlgorithm fromProperty() {
        String v = org.gradcam4j.SystemProperty.CONV.value();
        try {
            return valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("gradcam4j.conv must be auto, direct or winograd, got '" + v + "'");
        }
    }

    /*
     * The auto rule comes from `gradcam4j bench conv` (VGG16, batch 8, 2 threads, OpenBLAS; CPU ms of all threads,
     * median of 7, kernels alternating; a machine shared with other jobs, so +-10% between runs):
     *
     *   layer          cin  cout    S | fwd direct  winograd  speed | bwd direct  winograd  speed
     *   block1_conv1     3    64  224 |      227       293   0.78x |      217       125   1.75x
     *   block1_conv2    64    64  224 |      672       559   1.20x |      541       345   1.57x
     *   block2_conv1    64   128  112 |      337       280   1.20x |      302       200   1.51x
     *   block2_conv2   128   128  112 |      560       387   1.45x |      407       287   1.42x
     *   block3_conv1   128   256   56 |      266       184   1.45x |      188       137   1.38x
     *   block3_conv2   256   256   56 |      445       298   1.49x |      328       185   1.77x
     *   block3_conv3   256   256   56 |      351       246   1.43x |      358       216   1.66x
     *   block4_conv1   256   512   28 |      224       133   1.69x |      246       124   1.99x
     *   block4_conv2   512   512   28 |      435       229   1.90x |      426       212   2.02x
     *   block4_conv3   512   512   28 |      459       229   2.00x |      439       210   2.09x
     *   block5_conv1   512   512   14 |      125        61   2.05x |      124        56   2.20x
     *   block5_conv2   512   512   14 |      136        64   2.12x |      127        58   2.20x
     *   block5_conv3   512   512   14 |      126        61   2.09x |      119        55   2.16x
     *
     * Winograd wins everywhere but the forward of block1_conv1, whose 3 input channels the direct path gathers
     * into one im2col GEMM (K = 27) while Winograd runs 16 GEMMs with K = 3. The gain grows with the channel count
     * (the GEMMs shrink 2.25x, the transforms cost a fixed few adds per value, more of the total when channels are
     * few). At batch 1 every layer but block1_conv1's forward is still faster with Winograd (1.1-1.7x; block5's
     * 49 tiles run in one chunk, as the direct path's 222 columns do).
     */

    /**
     * Whether the forward convolution (cin -> cout channels, size x size) runs Winograd. Auto: where the direct path
     * runs shifted GEMMs (cin >= {@link LayerOps#IM2COL_BELOW}); below that its im2col GEMM is faster.
     */
    boolean winogradForward(int cin, int cout, int size) {
        if (!WinogradConv.supports(size)) return false;
        return switch (this) {
            case DIRECT -> false;
            case WINOGRAD -> true;
            case AUTO -> cin >= LayerOps.IM2COL_BELOW;
        };
    }

    /**
     * Whether the backward-data convolution of that layer (cout -> cin channels) runs Winograd. Auto: always, the
     * gradient into the 3-channel image included (the direct form is 9 GEMMs with M = 3 there as well).
     */
    boolean winogradBackwardData(int cin, int cout, int size) {
        if (!WinogradConv.supports(size)) return false;
        return this != DIRECT;
    }
}
