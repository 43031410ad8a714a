package org.gradcam4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.gradcam4j.InvalidInputException;
import org.gradcam4j.localize.CompetitionIds;
import org.gradcam4j.localize.GroundTruthFiles;
import org.gradcam4j.localize.IlsvrcScorer;
import picocli.CommandLine.Option;

/**
 * The ground truth a submission is scored against, as a picocli mixin: shared by {@code gradcam4j score} (where it is
 * required) and the Spark job's {@code --localize} (where giving it scores the submission the job writes).
 */
public final class GroundTruthOptions {
    @Option(names = "--ground-truth", paramLabel = "XMLDIR",
            description = "folder of PASCAL-VOC style XML files, one per image (<object><name>wnid</name><bndbox>...)")
    String groundTruth;

    @Option(names = "--labels", paramLabel = "GTFILE",
            description = "the image labels, one competition class id per line (the devkit's *_validation_ground_truth.txt)")
    String labels;

    @Option(names = "--blacklist", paramLabel = "FILE", description = "1-based image numbers left out of the localisation figures (the devkit's blacklist)")
    String blacklist;

    @Option(names = "--partial", description = "score a submission with fewer lines than there are images (its first lines)")
    boolean partial;

    /**
     * Whether ground truth was given, checked before any work: {@code --ground-truth} and {@code --labels} come together
     * or not at all, and {@code --blacklist} and {@code --partial} only with them. The files are looked at by {@link #check}.
     */
    public boolean given() {
        if ((groundTruth == null) != (labels == null)) require();
        if (groundTruth == null && (blacklist != null || partial)) {
            throw new InvalidInputException("--blacklist and --partial belong to scoring: give --ground-truth and --labels too");
        }
        return groundTruth != null;
    }

    /**
     * Checks, before any work, that the ground truth given names an existing folder and files, looked up through
     * {@code files} (the Spark job: Hadoop's file systems).
     */
    public void check(GroundTruthFiles files) throws IOException {
        if (!given()) return;
        if (!files.isFolder(groundTruth)) throw new InvalidInputException("--ground-truth " + groundTruth + " is not a folder");
        if (!files.isFile(labels)) throw new InvalidInputException("--labels " + labels + " is not a file");
        if (blacklist != null && !files.isFile(blacklist)) throw new InvalidInputException("--blacklist " + blacklist + " is not a file");
    }

    /** Fails, naming what is missing, unless both {@code --ground-truth} and {@code --labels} are given. */
    public void require() {
        List<String> missing = new ArrayList<>();
        if (groundTruth == null) missing.add("'--ground-truth=XMLDIR'");
        if (labels == null) missing.add("'--labels=GTFILE'");
        if (!missing.isEmpty()) {
            throw new InvalidInputException("Missing required option" + (missing.size() == 1 ? "" : "s") + ": " + String.join(", ", missing)
                    + " (scoring needs both the XML boxes and the labels)");
        }
    }

    /** Scores the submission read from {@code submission} ({@code name} in messages) by the devkit's rules. */
    public IlsvrcScorer.Scores score(BufferedReader submission, String name, CompetitionIds ids) throws IOException {
        return score(submission, name, ids, GroundTruthFiles.LOCAL);
    }

    /** As {@link #score(BufferedReader, String, CompetitionIds)}, the ground truth read through {@code files}. */
    public IlsvrcScorer.Scores score(BufferedReader submission, String name, CompetitionIds ids, GroundTruthFiles files) throws IOException {
        require();
        Set<Integer> black = blacklist == null ? Set.of() : IlsvrcScorer.readBlacklist(files, blacklist);
        return IlsvrcScorer.score(submission, name, files, groundTruth, labels, ids, black, partial);
    }
}
