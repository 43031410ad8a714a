package org.gradcam4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import org.gradcam4j.localize.CompetitionIds;
import org.gradcam4j.localize.IlsvrcScorer;
import picocli.CommandLine.Command;
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

    @Option(names = "--ground-truth", required = true, paramLabel = "XMLDIR",
            description = "folder of PASCAL-VOC style XML files, one per image (<object><name>wnid</name><bndbox>...)")
    Path groundTruth;

    @Option(names = "--labels", required = true, paramLabel = "GTFILE",
            description = "the image labels, one competition class id per line (the devkit's *_validation_ground_truth.txt)")
    Path labels;

    @Option(names = "--blacklist", paramLabel = "FILE", description = "1-based image numbers left out of the localisation figures (the devkit's blacklist)")
    Path blacklist;

    @Option(names = "--map-clsloc", paramLabel = "FILE", description = "wnid to competition id table (default: the bundled data/map_clsloc.txt)")
    Path mapClsloc;

    @Option(names = "--partial", description = "score a submission with fewer lines than there are images (its first lines)")
    boolean partial;

    @Option(names = "--json", description = "print the figures as JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        CompetitionIds ids = mapClsloc == null ? CompetitionIds.bundled() : CompetitionIds.read(mapClsloc);
        Set<Integer> black = blacklist == null ? Set.of() : IlsvrcScorer.readBlacklist(blacklist);
        IlsvrcScorer.Scores s = IlsvrcScorer.score(submission, groundTruth, labels, ids, black, partial);
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
