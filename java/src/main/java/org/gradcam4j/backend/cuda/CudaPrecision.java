package org.gradcam4j.backend.cuda;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;

/**
 * Arithmetic of the CUDA backend's convolutions and fully-connected products. The ordinal is passed to native
 * code ({@code native/cudnn_network.h}, enum Precision).
 */
public enum CudaPrecision {
    /** Strict float32 on FMA units, no TF32 tensor cores: the parity mode, checked against the CPU backend. */
    FP32,
    /**
     * TF32 tensor cores (inputs rounded to a 10-bit mantissa, float32 accumulation) for convolutions and fc
     * products; everything else float32.
     */
    TF32;

    /** {@code -Dgradcam4j.cuda.precision}, else {@link #TF32}. */
    public static CudaPrecision fromProperty() {
        return org.gradcam4j.SystemProperty.CUDA_PRECISION.isSet() ? parse(org.gradcam4j.SystemProperty.CUDA_PRECISION.value()) : TF32;
    }

    public static CudaPrecision parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "tf32" -> TF32;
            case "fp16", "bf16" -> throw new InvalidInputException("precision '" + s
                    + "' is not implemented by the CUDA engine yet (available: fp32, tf32)");
            default -> throw new InvalidInputException("unknown precision '" + s + "' (expected fp32 or tf32)");
        };
    }

    public String label() { return name().toLowerCase(Locale.ROOT); }
}
