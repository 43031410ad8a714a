package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;

/** Where to compute: {@code auto} picks CUDA when it is available and the CPU otherwise. */
public enum Device {
    AUTO, CPU, CUDA;

    public static Device parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new InvalidInputException("unknown device '" + s + "' (expected auto, cpu or cuda)");
        };
    }
}
