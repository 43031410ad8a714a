package org.gradcam4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.method.Method;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.Score;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.io.AtomicFiles;
import org.gradcam4j.model.Model;
import org.gradcam4j.render.Colormap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradcam4j explain}: heat maps and gradient images for many images, written under {@code --out} by the
 * output contract (README, "Output files"). Every option, class, layer and method is checked before the first
 * image is touched; an image that cannot be read is reported and skipped; a file that cannot be written stops
 * the run (exit 5).
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain classifications: Grad-CAM, Grad-CAM++, guided backprop and friends, per image and class.",
                "INPUTS are image files, folders (searched recursively) and @list files (one path per line).",
                "Writes OUT/IMG/<method>-c<class>.png (and .npz) and OUT/IMG/summary.json; see README, Output files."})
final class ExplainCommand implements Callable<Integer> {
    static final Set<String> SAVE_KINDS = Set.of("png", "npz", "json");

    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "INPUTS", description = "image files, folders, or @list.txt")
    List<String> inputs;

    @Option(names = "--method", split = ",", defaultValue = "gradcam", paramLabel = "M", completionCandidates = Method.Tokens.class,
            description = "comma list of: ${COMPLETION-CANDIDATES} (all: every method the network has) (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--class", split = ",", paramLabel = "C",
            description = "classes to explain in every image: index, class id (wnid) or name; comma list")
    List<String> classes;

    @Option(names = "--top-k", paramLabel = "K", description = "explain each image's K top predicted classes (default: 1)")
    Integer topK;

    @Option(names = "--layer", paramLabel = "L", description = "target layer of the CAM methods (default: the last convolution)")
    String layer;

    @Option(names = "--score", defaultValue = "logit", paramLabel = "S", description = "logit or probability (default: ${DEFAULT-VALUE})")
    String score;

    @Option(names = "--colormap", defaultValue = "jet", paramLabel = "NAME", description = "jet, turbo or viridis (default: ${DEFAULT-VALUE})")
    String colormap;

    @Option(names = "--opacity", defaultValue = "0.5", paramLabel = "A", description = "heat map weight in the overlay, 0..1 (default: ${DEFAULT-VALUE})")
    double opacity;

    @Option(names = "--save", split = ",", defaultValue = "png,json", paramLabel = "KIND",
            description = "comma list of png, npz, json (summary.json) (default: ${DEFAULT-VALUE})")
    List<String> save;

    @Option(names = {"-o", "--out"}, defaultValue = "gradcam4j-out", paramLabel = "DIR", description = "output folder (default: ./${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--resume", description = "skip images whose summary.json exists, lists files that all exist and was made with the same --method list")
    boolean resume;

    @Option(names = "--panel", description = "also write panel-c<class>.png: image | heat map | overlay | gradient")
    boolean panel;

    @Option(names = "--report", description = "also write OUT/report.html: one page with every image of the run, its overlays, "
            + "top predictions and raw files (built from the summary.json files; needs json in --save)")
    boolean report;

    @Option(names = "--boxes", description = "weak localisation: a box per map (threshold, largest component), drawn on the "
            + "overlay png and listed in summary.json in original-image pixels; implied by any --box-* option")
    boolean boxes;

    @Mixin BoxOptions boxOptions;

    @Mixin AugmentOptions augmentOptions;

    @Mixin MethodOptions methodOptions;

    @Mixin ModelOptions modelOptions;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();

        // 1. everything that needs no model
        boolean all = methods.stream().anyMatch(m -> m.trim().equalsIgnoreCase(Method.ALL));
        List<String> methodTokens = tokens(parseMethods(methods, true));
        Set<String> saveKinds = new LinkedHashSet<>();
        for (String s : save) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (!SAVE_KINDS.contains(t)) throw new IllegalArgumentException("unknown --save kind '" + s + "' (expected png, npz or json)");
            saveKinds.add(t);
        }
        if (saveKinds.isEmpty()) throw new IllegalArgumentException("--save: nothing to save (give png, npz and/or json)");
        if (resume && !saveKinds.contains("json")) {
            throw new IllegalArgumentException("--resume needs json in --save: summary.json is what marks an image complete");
        }
        if (report && !saveKinds.contains("json")) {
            throw new IllegalArgumentException("--report needs json in --save: the report is built from the summary.json files");
        }
        Colormap cmap = Colormap.parse(colormap);
        if (!(opacity >= 0 && opacity <= 1)) throw new IllegalArgumentException("--opacity must be in 0..1, got " + opacity);
        Score sc = Score.parse(score);
        if (classes != null && topK != null) throw new IllegalArgumentException("give --class or --top-k, not both");
        if (topK != null && topK < 1) throw new IllegalArgumentException("--top-k must be >= 1, got " + topK);
        Explainer.Options options = modelOptions.explainerOptions();
        Targets targets = classes != null ? Targets.classes(classes.stream().map(String::trim).filter(s -> !s.isEmpty()).toList())
                : Targets.topK(topK == null ? 1 : topK);
        var methodSettings = methodOptions.settings();
        ExplainRequest requested = new ExplainRequest(methodTokens, targets, layer, sc, 5, augmentOptions.settings(), methodSettings);
        var boxSettings = boxes || boxOptions.given() ? boxOptions.settings() : null;

        InputFiles.Expanded in = InputFiles.expand(inputs, out);
        if (in.files().isEmpty() && in.problems().isEmpty()) {
            throw new IllegalArgumentException("no images found in " + String.join(" ", inputs));
        }
        Map<Path, String> names = InputFiles.outputNames(in.files());

        // 2. the model, then what depends on it: classes, layer, methods on this network, the device
        Model model = modelOptions.loadModel();
        if (classes != null) for (String ref : classes) if (!ref.isBlank()) model.labels().resolve(ref);
        if (all) methodTokens = tokens(Method.all(model.architecture().head() == org.gradcam4j.model.Head.GAP));
        ExplainRequest request = all ? new ExplainRequest(methodTokens, targets, layer, sc, 5, augmentOptions.settings(), methodSettings) : requested;
        ImageLoader loader = new ImageLoader();
        int explained = 0, skipped = 0, failed = 0;
        List<String> failures = new ArrayList<>();
        Set<Path> failedFiles = new java.util.HashSet<>();
        try (Explainer ex = Explainer.of(model, options)) {
            ex.explain(List.of(), request); // validates layer and methods against this network; no images, no work
            prepareOut();
            ExplanationWriter writer = new ExplanationWriter(model, ex.preprocessor(),
                    new ExplanationWriter.Settings(saveKinds, panel, cmap, opacity, sc, methodTokens, options.resize(), boxSettings));

            // 3. the images, in batches
            try (Progress progress = Progress.start("explain", in.files().size() + in.problems().size(), modelOptions.quiet, err)) {
                for (String p : in.problems()) {
                    progress.message("error: " + p);
                    failures.add(p);
                    failed++;
                    progress.step();
                }
                List<Path> batchFiles = new ArrayList<>();
                List<LoadedImage> batch = new ArrayList<>();
                List<Path> files = in.files();
                for (int i = 0; i < files.size(); i++) {
                    Path file = files.get(i);
                    Path dir = out.resolve(names.get(file.toAbsolutePath().normalize()));
                    if (resume && ExplanationWriter.isComplete(dir, file, methodTokens)) {
                        skipped++;
                        progress.step();
                    } else {
                        try {
                            batch.add(ModelOptions.load(loader, ex.preprocessor(), file));
                            batchFiles.add(file);
                        } catch (ImageException e) {
                            failures.add(e.getMessage());
                            failedFiles.add(file);
                            failed++;
                            progress.message("error: " + e.getMessage());
                            progress.step();
                        }
                    }
                    if (!batch.isEmpty() && (batch.size() == options.maxBatch() || i == files.size() - 1)) {
                        List<ImageExplanation> results = ex.explain(batch, request);
                        for (int b = 0; b < batch.size(); b++) {
                            Path f = batchFiles.get(b);
                            writer.write(out.resolve(names.get(f.toAbsolutePath().normalize())), f, batch.get(b), results.get(b));
                            explained++;
                            progress.step();
                        }
                        batch.clear();
                        batchFiles.clear();
                    }
                }
            }
        }
        int total = explained + skipped + failed;
        stdout.println(total + " image" + (total == 1 ? "" : "s") + ": " + explained + " explained, " + skipped
                + " skipped (complete), " + failed + " failed");
        if (report) {
            List<String> dirs = new ArrayList<>();
            for (Path f : in.files()) if (!failedFiles.contains(f)) dirs.add(names.get(f.toAbsolutePath().normalize()));
            stdout.println("report: " + new HtmlReport(out, loader).write(dirs, failures));
        }
        stdout.flush();
        return failed > 0 ? Main.EXIT_SOME_FAILED : Main.EXIT_OK;
    }

    /** The method list of --method, its errors named as the option's. */
    static List<Method> parseMethods(List<String> tokens, boolean gapHead) {
        try {
            return Method.parseList(tokens, gapHead);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--method: " + e.getMessage(), e);
        }
    }

    /** Method tokens in the table's order within the request (CAM maps first, then augmented, then gradients). */
    private static List<String> tokens(List<Method> methods) {
        List<String> out = new ArrayList<>();
        for (Method.Family f : Method.Family.values()) for (Method m : methods) if (m.family() == f) out.add(m.token());
        return out;
    }

    /** Creates --out and proves it writable with a probe file, so a bad folder fails before any work. */
    private void prepareOut() {
        if (Files.exists(out) && !Files.isDirectory(out)) throw new OutputException(out, "it exists and is not a folder");
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new OutputException(out, e);
        }
        Path probe = out.resolve(".gradcam4j-write-probe");
        try {
            AtomicFiles.write(probe, new byte[] {1});
            Files.delete(probe);
        } catch (IOException e) {
            throw new OutputException(out, e);
        }
    }
}
