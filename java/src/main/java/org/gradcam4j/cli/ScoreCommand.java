package org.gradcam4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gradcam4j.localize.CompetitionIds;
import org.gradcam4j.localize.IlsvrcScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gradcam4j score}: top-1 / top-5 classification and localisation error of a submission, by the ILSVRC devkit's rules. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score an ILSVRC localisation submission: top-1 and top-5 classification and localisation error.",
                "Devkit rules: a guess is right when its class matches and its box overlaps a ground-truth box of that class",
                "with IoU >= 0.5. Line i of the submission, line i of --labels and the i-th XML file of --ground-truth (by name)",
                "are the same image."})
final class ScoreCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--submission", required = true, paramLabel = "FILE", description = "5 guesses 'class_id xmin ymin xmax ymax' per line")
    Path submission;

    /** --ground-truth, --labels, --blacklist, --partial (required here): shared with the Spark job's --localize. */
    @Mixin GroundTruthOptions groundTruth;

    @Option(names = "--map-clsloc", paramLabel = "FILE", description = "wnid to competition id table (default: the bundled data/map_clsloc.txt)")
    Path mapClsloc;

    @Option(names = "--json", description = "print the figures as JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        groundTruth.require();
        CompetitionIds ids = mapClsloc == null ? CompetitionIds.bundled() : CompetitionIds.read(mapClsloc);
        IlsvrcScorer.Scores s;
        try (BufferedReader sub = Files.newBufferedReader(submission, StandardCharsets.UTF_8)) {
            s = groundTruth.score(sub, submission.toString(), ids);
        }
        if (json) {
            var o = Json.object();
            o.put("images", s.images());
            o.put("localizedImages", s.localized());
            Json.put(o, "top1ClassificationError", s.top1ClassificationError());
            Json.put(o, "top5ClassificationError", s.top5ClassificationError());
            Json.put(o, "top1LocalizationError", s.top1LocalizationError());
            Json.put(o, "top5LocalizationError", s.top5LocalizationError());
            out.println(Json.MAPPER.writeValueAsString(o));
        } else {
            out.print(s.table());
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
