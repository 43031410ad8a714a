package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;
import org.gradcam4j.augment.Augmentations;
import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.augment.SeedAdamSuperResolution;
import org.gradcam4j.augment.SuperResolutionSolver;
import org.gradcam4j.augment.TvSuperResolution;
import picocli.CommandLine.Option;

/** Options of the {@code augmented-*} methods, shared by {@code explain} and {@code localize}. */
final class AugmentOptions {
    @Option(names = "--augment-copies", defaultValue = "100", paramLabel = "N",
            description = "augmented copies per image for the augmented-* methods; copy 0 is the image itself (default: ${DEFAULT-VALUE})")
    int copies;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "seed of the copies' rotations and shifts (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--solver", defaultValue = "default", paramLabel = "MODE",
            description = "augmented-tv solver: default (converged: accelerated proximal gradient, area downsampling) or seed "
                    + "(the paper code's 200 Adam steps and point-sampling downsampling, for comparison) (default: ${DEFAULT-VALUE})")
    String solver;

    @Option(names = "--solver-tolerance", defaultValue = "1e-5", paramLabel = "TOL",
            description = "default solver: stop when the relative primal-dual gap is below TOL (default: ${DEFAULT-VALUE})")
    double tolerance;

    /** The settings; usage errors are InvalidInputException (exit 2). */
    AugmentedGradCam.Settings settings() {
        if (copies < 1) throw new InvalidInputException("--augment-copies must be >= 1, got " + copies);
        if (!(tolerance > 0 && tolerance < 1)) throw new InvalidInputException("--solver-tolerance must be in (0, 1), got " + tolerance);
        SuperResolutionSolver s = switch (solver.trim().toLowerCase(Locale.ROOT)) {
            case "default" -> new TvSuperResolution(tolerance, TvSuperResolution.DEFAULT_MAX_ITERATIONS, TvSuperResolution.DEFAULT_MAX_INNER_ITERATIONS);
            case "seed" -> new SeedAdamSuperResolution();
            default -> throw new InvalidInputException("unknown --solver '" + solver + "' (expected default or seed)");
        };
        return new AugmentedGradCam.Settings(copies, seed, Augmentations.MAX_ANGLE, Double.NaN, s);
    }
}
