package org.gradcam4j.backend.cpu;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;

/**
 * Which kernel runs a 3x3 convolution on the CPU, chosen per layer when a network is loaded, from
 * {@code -Dgradcam4j.conv=auto|direct|winograd} (default auto): the direct shifted-GEMM path of
 * {@link LayerOps} (the reference, and the fallback for odd image sizes) or {@link WinogradConv}.
 */
enum ConvAlgorithm {
    /**
     * Winograd where it measured faster than direct (see {@link #winogradForward}): F(4x4, 3x3) forwards on sides
     * divisible by 4 ({@link #winograd4Forward}), F(2x2, 3x3) for the other forwards and every backward-data.
     */
    AUTO,
    /** Direct everywhere. */
    DIRECT,
    /** Winograd F(2x2, 3x3) wherever it applies (even image sizes), whatever the speed. */
    WINOGRAD,
    /**
     * Winograd F(4x4, 3x3) for the forward wherever it applies (sides divisible by 4), F(2x2, 3x3) for the other
     * forwards (VGG's 14x14 block5) and every backward-data convolution.
     */
    WINOGRAD4;

    static ConvAlgorithm fromProperty() {
        String v = org.gradcam4j.SystemProperty.CONV.value();
        try {
            return valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("gradcam4j.conv must be auto, direct, winograd or winograd4, got '" + v + "'");
        }
    }

    /*
     * The auto rule comes from `gradcam4j bench conv` (VGG16, batch 8, 2 threads, OpenBLAS; CPU ms of all threads,
     * median of 5, kernels alternating). Issue 13's run (2-core AMD EPYC guest with AVX2, load average 13-15 from
     * other jobs, so CPU time, which load inflates less than wall time, is the figure to read):
     *
     *   layer          cin  cout    S | fwd direct  F(2x2)  F(4x4)  auto  | bwd direct  F(2x2)
     *   block1_conv1     3    64  224 |       47     115     100   direct |      197     167
     *   block1_conv2    64    64  224 |      494     388     300   F(4x4) |      493     385
     *   block2_conv1    64   128  112 |      216     160     124   F(4x4) |      243     177
     *   block2_conv2   128   128  112 |      415     288     210   F(4x4) |      414     299
     *   block3_conv1   128   256   56 |      199     132      88   F(4x4) |      215     149
     *   block3_conv2   256   256   56 |      387     232     149   F(4x4) |      395     249
     *   block3_conv3   256   256   56 |      384     229     147   F(4x4) |      384     233
     *   block4_conv1   256   512   28 |      197     105      66   F(4x4) |      217     117
     *   block4_conv2   512   512   28 |      403     187     121   F(4x4) |      410     191
     *   block4_conv3   512   512   28 |      392     184     119   F(4x4) |      411     189
     *   block5_conv1   512   512   14 |      118      50       -   F(2x2) |      122      51
     *   block5_conv2   512   512   14 |      117      50       -   F(2x2) |      119      51
     *   block5_conv3   512   512   14 |      116      49       -   F(2x2) |      117      50
     *   forward as auto picks: 1518 ms (F(2x2) where F(4x4) runs now: 2101 ms, 1.38x more)
     *
     * Winograd wins everywhere but the forward of block1_conv1, whose 3 input channels the direct path gathers
     * into one im2col GEMM (K = 27) while Winograd runs 16 or 36 GEMMs with K = 3. The gain grows with the channel
     * count (the GEMMs shrink, the transforms cost a fixed few adds per value, more of the total when channels are
     * few). F(4x4) beats F(2x2) by 1.3x (64 channels) to 1.6x (512); 14x14 (block5) does not tile by 4. The
     * backward-data convolutions stay on F(2x2), whose kernel transform serves both directions (F(4x4)'s G is not
     * symmetric under reversal, so a backward F(4x4) would need a second transformed copy of every kernel).
     */

    /**
     * Whether the forward convolution (cin -> cout channels, size x size) runs Winograd. Auto: where the direct path
     * runs shifted GEMMs (cin >= {@link LayerOps#IM2COL_BELOW}); below that its im2col GEMM is faster.
     */
    boolean winogradForward(int cin, int cout, int size) {
        if (!WinogradConv.supports(size)) return false;
        return switch (this) {
            case DIRECT -> false;
            case WINOGRAD, WINOGRAD4 -> true;
            case AUTO -> cin >= LayerOps.IM2COL_BELOW;
        };
    }

    /**
     * Whether the forward convolution runs F(4x4, 3x3) ({@link Winograd4Conv}); otherwise {@link #winogradForward}
     * decides. Auto: where auto runs Winograd at all (cin >= {@link LayerOps#IM2COL_BELOW}) and the side is divisible
     * by 4, i.e. every VGG forward but block1_conv1 and block5 (14x14). F(4x4) halves the GEMM work of F(2x2) again
     * (36 products per 16 outputs instead of 16 per 4); its rounding is larger, and LayerErrorGuardTest holds every
     * layer of VGG16/VGG19 within 2x PyTorch float32's error against float64 (measured 0.7x-1.3x with this rule;
     * F(4x4) on block1_conv1 as well gave 1.87x there, too close to the bound for no speed). Timings: docs/SPEED.md.
     */
    boolean winograd4Forward(int cin, int cout, int size) {
        if (!Winograd4Conv.supports(size)) return false;
        return switch (this) {
            case DIRECT, WINOGRAD -> false;
            case WINOGRAD4 -> true;
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
