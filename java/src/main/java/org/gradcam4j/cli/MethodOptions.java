package org.gradcam4j.cli;

import org.gradcam4j.explain.MethodSettings;
import picocli.CommandLine.Option;

/** Options of the forward-heavy and sampling methods (docs/ALGORITHMS.md section 8), shared by {@code explain} and {@code eval}. */
final class MethodOptions {
    @Option(names = "--scorecam-form", defaultValue = "pytorch-grad-cam", paramLabel = "FORM",
            description = "scorecam: pytorch-grad-cam (its ScoreCAM exactly: aligned-corner masks, softmax of the scores over channels) "
                    + "or paper (probability increase over the zero input, no softmax) (default: ${DEFAULT-VALUE})")
    String scoreCamForm;

    /** The settings; usage errors are IllegalArgumentException (exit 2). */
    MethodSettings settings() {
        MethodSettings d = MethodSettings.defaults();
        return new MethodSettings(MethodSettings.ScoreCamForm.parse(scoreCamForm), d.smoothSamples(), d.smoothNoise(), d.smoothVariant(),
                d.noiseSeed(), d.igSteps(), d.igRule(), d.igBaseline(), d.occlusionPatch(), d.occlusionStride());
    }
}
