package org.gradcam4j.cli;

import java.io.IOException;
import java.util.Locale;
import org.gradcam4j.localize.CompetitionIds;
import org.gradcam4j.localize.GroundTruthFiles;
import org.gradcam4j.model.ClassLabels;
import picocli.CommandLine.Option;

/**
 * The class ids an ILSVRC submission file is written with, as a picocli mixin: shared by {@code gradcam4j localize} and
 * the Spark job's {@code --localize} ({@code org.gradcam4j.spark.ExplainJob}).
 */
public final class SubmissionIds {
    @Option(names = "--ids", defaultValue = "competition", paramLabel = "KIND",
            description = "class ids written: competition (ILSVRC2015 numbering via map_clsloc.txt; the model's classes must be "
                    + "ImageNet wnids) or index (the model's class index + 1) (default: ${DEFAULT-VALUE})")
    String ids;

    @Option(names = "--map-clsloc", paramLabel = "FILE", description = "wnid to competition id table (default: the bundled data/map_clsloc.txt)")
    String mapClsloc;

    /** Whether competition ids are asked for (checks the value; a usage error is InvalidInputException). */
    public boolean competition() {
        return switch (ids.trim().toLowerCase(Locale.ROOT)) {
            case "competition" -> true;
            case "index" -> false;
            default -> throw new org.gradcam4j.InvalidInputException("unknown --ids '" + ids + "' (expected competition or index)");
        };
    }

    /**
     * The wnid to competition id table: {@code --map-clsloc} read through {@code files} (the local file system for the
     * CLI, Hadoop's for the Spark job), or the bundled map_clsloc.txt.
     */
    public CompetitionIds table(GroundTruthFiles files) throws IOException {
        return mapClsloc == null ? CompetitionIds.bundled() : CompetitionIds.read(files, mapClsloc);
    }

    /** Model class index to the id written: competition id, or index + 1 ({@code --map-clsloc} a local file). */
    public int[] classIds(ClassLabels labels) throws IOException {
        return classIds(labels, GroundTruthFiles.LOCAL);
    }

    /** Model class index to the id written: competition id, or index + 1; {@code --map-clsloc} read through {@code files}. */
    public int[] classIds(ClassLabels labels, GroundTruthFiles files) throws IOException {
        int[] out = new int[labels.size()];
        if (!competition()) {
            for (int i = 0; i < out.length; i++) out[i] = i + 1;
            return out;
        }
        CompetitionIds table = table(files);
        for (int i = 0; i < out.length; i++) {
            out[i] = table.idOf(labels.id(i));
            if (out[i] < 0) {
                throw new org.gradcam4j.InvalidInputException("class " + i + " of the model ('" + labels.id(i) + "') is not an ILSVRC wnid of "
                        + (mapClsloc == null ? "map_clsloc.txt" : mapClsloc) + ": competition ids need an ImageNet model (or use --ids index)");
            }
        }
        return out;
    }
}
