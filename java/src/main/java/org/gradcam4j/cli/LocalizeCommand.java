package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.explain.Score;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.localize.ResumableLineFiles;
import org.gradcam4j.localize.Submission;
import org.gradcam4j.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradcam4j localize}: an ILSVRC classification-with-localisation submission file. For each image, in the
 * order INPUTS expand to, one line of 5 guesses: the top-5 classes of the image and, for each, the box of its
 * map (docs/ALGORITHMS.md section 6). Lines are appended and forced to disk one image at a time beside a list of the
 * inputs ({@code FILE.inputs}), so a run that stops can be resumed: the next run with the same INPUTS skips the
 * lines already written. Memory stays bounded by one batch of images.
 */
@Command(name = "localize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Weak localisation: write an ILSVRC submission file, a box from each top-5 class's heat map.",
                "Each line holds 5 guesses 'class_id xmin ymin xmax ymax' per image, boxes 1-based and inclusive.",
                "One line per image in the order INPUTS expand to (sorted by path); resumes an interrupted file with the same INPUTS."})
final class LocalizeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "INPUTS", description = "image files, folders, or @list.txt")
    List<String> inputs;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
            description = "the submission file; with several methods, one file per method: FILE with .<method> before its extension")
    Path out;

    @Option(names = "--method", split = ",", defaultValue = "gradcam", paramLabel = "M",
            description = "map(s) the boxes come from: a CAM method (gradcam, gradcampp, ...) or augmented-single, augmented-max, "
                    + "augmented-avg, augmented-tv; a comma list writes one file each from one pass (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--layer", paramLabel = "L", description = "target layer (default: the last convolution)")
    String layer;

    @Mixin SubmissionIds submissionIds;

    @Option(names = "--overwrite", description = "start the file(s) afresh instead of resuming")
    boolean overwrite;

    @Mixin BoxOptions boxOptions;

    @Mixin AugmentOptions augmentOptions;

    @Mixin ModelOptions modelOptions;

    @Mixin PipelineOption pipeline;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        List<org.gradcam4j.method.Method> parsed = ExplainOptions.parseMethods(methods, true);
        List<org.gradcam4j.method.Method> gradients = parsed.stream().filter(org.gradcam4j.method.Method::isGradient).toList();
        if (!gradients.isEmpty()) {
            throw new InvalidInputException("--method: gradient methods give no heat map to cut a box from: " + gradients);
        }
        List<String> tokens = parsed.stream().map(org.gradcam4j.method.Method::token).toList();
        submissionIds.competition();   // checks --ids before any work
        HeatmapBoxes.Settings boxes = boxOptions.settings();
        if (boxes.allComponents()) throw new InvalidInputException("--box-components all: a submission takes one box per guess");
        Explainer.Options options = modelOptions.explainerOptions();
        ExplainRequest request = new ExplainRequest(tokens, Targets.topK(Submission.GUESSES), layer, Score.LOGIT, Submission.GUESSES,
                augmentOptions.settings());
        InputFiles.Expanded in = InputFiles.expand(inputs, null);
        if (!in.problems().isEmpty()) throw new InvalidInputException(String.join("; ", in.problems()));
        if (in.files().isEmpty()) throw new InvalidInputException("no images found in " + String.join(" ", inputs));
        List<String> paths = in.files().stream().map(p -> p.toAbsolutePath().normalize().toString()).toList();

        Model model = modelOptions.loadModel();
        int[] classIds = submissionIds.classIds(model.labels());
        List<Path> files = new ArrayList<>();
        for (String t : tokens) files.add(tokens.size() == 1 ? out : withSuffix(out, t));
        files.add(out.resolveSibling(out.getFileName() + ".inputs"));

        ImageLoader loader = new ImageLoader();
        int[] counts = new int[2];   // lines written, all-zero guesses: written by the writer stage only
        String[] failure = new String[1];
        try (Explainer ex = Explainer.of(model, options)) {
            ex.explain(List.of(), request); // validates layer and methods on this network
            ResumableLineFiles lines;
            try {
                lines = ResumableLineFiles.open(files, paths, overwrite);
            } catch (IOException e) {
                throw new OutputException(out, e);
            }
            try (lines; Progress progress = Progress.start("localize", paths.size(), modelOptions.quiet, err)) {
                int done = lines.done();
                for (int i = 0; i < done; i++) progress.step();
                // the images after the lines already written, decoded ahead and written behind the network (BatchPipeline);
                // an unreadable image ends the run after the lines before it, since every line belongs to its image
                new BatchPipeline<LoadedImage, Explainer.PreparedBatch, ImageExplanation>(paths.size() - done, options.maxBatch(),
                        i -> {
                            BatchPipeline.Item<LoadedImage> item = ModelOptions.read(i, loader, ex.preprocessor(), in.files().get(done + i), image -> image);
                            return item instanceof BatchPipeline.Failed<LoadedImage> f ? new BatchPipeline.Failed<>(i, f.message(), true) : item;
                        },
                        batch -> ex.prepare(batch, request),
                        (batch, prepared) -> ExplainCommand.explainBatch(ex, batch, prepared, request),
                        new BatchPipeline.Writer<>() {
                            @Override public void failed(int index, String message) {
                                int i = done + index;
                                failure[0] = "error: cannot read image " + (i + 1) + " (" + in.files().get(i) + "): " + message
                                        + "; the file stops after line " + i + " since every line belongs to its image: fix or remove the image "
                                        + "and rerun (the lines written are kept)";
                            }

                            @Override public void done(int index, LoadedImage image, ImageExplanation result) {
                                List<String> row = new ArrayList<>();
                                for (String t : tokens) {
                                    List<Submission.Guess> guesses = new ArrayList<>();
                                    for (ClassExplanation ce : result.classes()) {
                                        MapResult m = ce.maps().get(t);
                                        List<HeatmapBoxes.PixelBox> found = HeatmapBoxes.find(m.mapInOriginal(), boxes);
                                        if (found.isEmpty()) counts[1]++;
                                        guesses.add(Submission.Guess.of(classIds[ce.classIndex()], found, image.width(), image.height()));
                                    }
                                    row.add(Submission.format(guesses));
                                }
                                row.add(paths.get(done + index));
                                try {
                                    lines.append(row);
                                } catch (IOException e) {
                                    throw new OutputException(out, e);
                                }
                                counts[0]++;
                                progress.step();
                            }
                        }).run(pipeline.sequential());
                int total = paths.size(), emptyGuesses = counts[1];
                stdout.println(total + " image" + (total == 1 ? "" : "s") + ": " + counts[0] + " localized, " + done + " already in "
                        + out.getFileName() + (emptyGuesses > 0 ? "; " + emptyGuesses + " guess" + (emptyGuesses == 1 ? "" : "es")
                        + " had an all-zero map and got the whole image as box" : ""));
            }
        }
        for (int f = 0; f < tokens.size(); f++) stdout.println(tokens.get(f) + ": " + files.get(f));
        stdout.flush();
        if (failure[0] != null) {
            err.println(failure[0]);
            err.flush();
            return Main.EXIT_SOME_FAILED;
        }
        return Main.EXIT_OK;
    }

    /** FILE with .method before its extension: sub.txt -> sub.augmented-tv.txt. */
    static Path withSuffix(Path file, String method) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String n = dot > 0 ? name.substring(0, dot) + "." + method + name.substring(dot) : name + "." + method;
        return file.resolveSibling(n);
    }
}
