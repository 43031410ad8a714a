package org.gradcam4j.cli;

import picocli.CommandLine.Option;

/** {@code --sequential}, for the commands whose loop runs through {@link BatchPipeline}. */
final class PipelineOption {
    @Option(names = "--sequential", description = "decode, compute and write one batch after another instead of overlapping "
            + "them (same outputs; also -Dgradcam4j.pipeline=false)")
    boolean sequential;

    /** Whether the stages run one after another: {@code --sequential} or {@code -Dgradcam4j.pipeline=false}. */
    boolean sequential() {
        return sequential || BatchPipeline.sequentialByDefault();
    }
}
