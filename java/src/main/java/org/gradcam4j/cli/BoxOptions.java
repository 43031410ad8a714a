package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;
import org.gradcam4j.localize.HeatmapBoxes;
import picocli.CommandLine.Option;

/** Weak-localisation options: how a box is cut from a map. */
final class BoxOptions {
    @Option(names = "--box-threshold", paramLabel = "T",
            description = "box from the map's pixels above T x its maximum (default: " + HeatmapBoxes.DEFAULT_THRESHOLD + ")")
    Double threshold;

    @Option(names = "--box-components", paramLabel = "WHICH",
            description = "largest (the largest 8-connected component, default) or all (every component of at least --box-min-area pixels)")
    String components;

    @Option(names = "--box-min-area", paramLabel = "PX", description = "with --box-components all: smallest component kept, pixels (default: 1)")
    Integer minArea;

    /** Whether any box option was given. */
    boolean given() { return threshold != null || components != null || minArea != null; }

    HeatmapBoxes.Settings settings() {
        boolean all = false;
        if (components != null) {
            all = switch (components.trim().toLowerCase(Locale.ROOT)) {
                case "largest" -> false;
                case "all" -> true;
                default -> throw new InvalidInputException("unknown --box-components '" + components + "' (expected largest or all)");
            };
        }
        if (minArea != null && !all) throw new InvalidInputException("--box-min-area applies to --box-components all");
        double t = threshold == null ? HeatmapBoxes.DEFAULT_THRESHOLD : threshold;
        if (!(t >= 0 && t < 1)) throw new InvalidInputException("--box-threshold must be in [0, 1), got " + t);
        return new HeatmapBoxes.Settings(t, all, minArea == null ? 1 : minArea);
    }
}
