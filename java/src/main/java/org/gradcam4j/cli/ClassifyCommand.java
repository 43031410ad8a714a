package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.Prediction;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradcam4j classify}: top-k classes with probabilities per image, as text or one JSON document on stdout.
 * Images that cannot be read are reported on stderr and skipped; the closing count goes to stderr so that stdout
 * stays data.
 */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classify images: the top-k classes with their probabilities.",
                "INPUTS are image files, folders (searched recursively) and @list files (one path per line)."})
final class ClassifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "INPUTS", description = "image files, folders, or @list.txt")
    List<String> inputs;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "classes per image (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--json", description = "one JSON document on stdout instead of text")
    boolean json;

    @Mixin ModelOptions modelOptions;

    @Mixin PipelineOption pipeline;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (topK < 1) throw new InvalidInputException("--top-k must be >= 1, got " + topK);
        Explainer.Options options = modelOptions.explainerOptions();
        InputFiles.Expanded in = InputFiles.expand(inputs, null);
        if (in.files().isEmpty() && in.problems().isEmpty()) {
            throw new InvalidInputException("no images found in " + String.join(" ", inputs));
        }
        Model model = modelOptions.loadModel();
        ModelOptions.checkTopK(topK, model);
        ImageLoader loader = new ImageLoader();
        ObjectNode doc = Json.object();
        doc.set("model", Json.model(model));
        ArrayNode images = Json.MAPPER.createArrayNode();
        int classified = 0, failed = 0;
        try (Explainer ex = Explainer.of(model, options);
             Progress progress = Progress.start("classify", in.files().size(), modelOptions.quiet, err)) {
            doc.set("preprocessing", Json.preprocessing(model.preprocessing(), options.resize(), model.architecture().inputSize()));
            for (String p : in.problems()) {
                progress.message("error: " + p);
                failed++;
            }
            // decoding ahead of the network (BatchPipeline); the output below is in input order
            List<Path> files = in.files();
            int[] counts = new int[2];   // classified, failed: written by the writer stage only
            new BatchPipeline<LoadedImage, Void, List<Prediction>>(files.size(), options.maxBatch(),
                    i -> ModelOptions.read(i, loader, ex.preprocessor(), files.get(i), image -> image),
                    batch -> null,
                    (batch, none) -> ex.classify(batch, topK),
                    new BatchPipeline.Writer<>() {
                        @Override public void failed(int index, String message) {
                            counts[1]++;
                            progress.message("error: " + message);
                            if (json) images.addObject().put("image", files.get(index).toString()).put("error", message);
                            progress.step();
                        }

                        @Override public void done(int index, LoadedImage img, List<Prediction> preds) {
                            if (json) {
                                ObjectNode o = images.addObject();
                                o.put("image", img.source());
                                o.put("width", img.width());
                                o.put("height", img.height());
                                o.set("predictions", Json.predictions(preds));
                            } else {
                                printText(out, img.source(), preds);
                            }
                            counts[0]++;
                            progress.step();
                        }
                    }).run(pipeline.sequential());
            classified += counts[0];
            failed += counts[1];
        }
        if (json) {
            doc.set("images", images);
            out.println(doc.toPrettyString());
        }
        out.flush();
        int total = classified + failed;
        err.println(total + " image" + (total == 1 ? "" : "s") + ": " + classified + " classified, " + failed + " failed");
        return failed > 0 ? Main.EXIT_SOME_FAILED : Main.EXIT_OK;
    }

    private static void printText(PrintWriter out, String source, List<Prediction> preds) {
        out.println(source);
        int rank = 1;
        for (Prediction p : preds) {
            out.println(String.format(Locale.ROOT, "  %d. %7.3f%%  %4d  %s  %s", rank++, 100.0 * p.probability(), p.index(), p.id(), p.name()));
        }
        out.flush();
    }
}
