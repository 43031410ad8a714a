package org.gradcam4j.cli;

import java.io.IOException;
import org.gradcam4j.InvalidInputException;
import org.gradcam4j.io.FileLocks;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.gradcam4j.backend.DeviceOutOfMemoryException;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.io.AtomicFiles;
import org.gradcam4j.model.Model;
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
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "INPUTS", description = "image files, folders, or @list.txt")
    List<String> inputs;

    /** What to compute and write: shared with the Spark job (org.gradcam4j.spark.ExplainJob). */
    @Mixin ExplainOptions explain;

    @Option(names = {"-o", "--out"}, defaultValue = "gradcam4j-out", paramLabel = "DIR", description = "output folder (default: ./${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--resume", description = "skip images whose summary.json exists, lists files that all exist and was made with the same --method list")
    boolean resume;

    @Mixin PipelineOption pipeline;

    @Option(names = "--report", description = "also write OUT/report.html: one page with every image of the run, its overlays, "
            + "top predictions and raw files (built from the summary.json files; needs json in --save)")
    boolean report;

    @Override
    public Integer call() throws IOException {
        try {
            return explainAll();
        } finally {
            if (outLock != null) outLock.close();
        }
    }

    /** The lock on --out, held from the first write to the end of the run (see {@link #prepareOut}). */
    private FileLocks.Held outLock;

    private int explainAll() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();

        // 1. everything that needs no model
        ExplainOptions.Plan plan = explain.plan();
        Set<String> saveKinds = plan.save();
        if (saveKinds.isEmpty()) throw new InvalidInputException("--save: nothing to save (give png, npz and/or json)");
        if (resume && !saveKinds.contains("json")) {
            throw new InvalidInputException("--resume needs json in --save: summary.json is what marks an image complete");
        }
        if (report && !saveKinds.contains("json")) {
            throw new InvalidInputException("--report needs json in --save: the report is built from the summary.json files");
        }
        Explainer.Options options = plan.explainer();

        InputFiles.Expanded in = InputFiles.expand(inputs, out);
        if (in.files().isEmpty() && in.problems().isEmpty()) {
            throw new InvalidInputException("no images found in " + String.join(" ", inputs));
        }
        Map<Path, String> names = InputFiles.outputNames(in.files());

        // 2. the model, then what depends on it: classes, layer, methods on this network, the device
        Model model = explain.loadModel();
        plan = plan.forModel(model);
        List<String> methodTokens = plan.methodTokens();
        ExplainRequest request = plan.request();
        ImageLoader loader = new ImageLoader();
        int explained = 0, skipped = 0, failed = 0;
        List<String> failures = new ArrayList<>();
        Set<Path> failedFiles = new java.util.HashSet<>();
        try (Explainer ex = Explainer.of(model, options)) {
            ex.explain(List.of(), request); // validates layer and methods against this network; no images, no work
            prepareOut();
            ExplanationWriter writer = new ExplanationWriter(model, ex.preprocessor(), plan.writerSettings());

            // 3. the images, in batches
            try (Progress progress = Progress.start("explain", in.files().size() + in.problems().size(), explain.quiet(), err)) {
                for (String p : in.problems()) {
                    progress.message("error: " + p);
                    failures.add(p);
                    failed++;
                    progress.step();
                }
                // decoding ahead and writing behind the network (BatchPipeline); every effect below is in input order
                List<Path> files = in.files();
                int[] counts = new int[3];   // explained, skipped, failed: written by the writer stage only
                new BatchPipeline<LoadedImage, Explainer.PreparedBatch, ImageExplanation>(files.size(), options.maxBatch(),
                        i -> {
                            Path file = files.get(i);
                            removeStaleTemporaries(outDir(names, file));
                            if (resume && ExplanationWriter.isComplete(outDir(names, file), file, methodTokens)) {
                                return new BatchPipeline.Skipped<>(i);
                            }
                            return ModelOptions.read(i, loader, ex.preprocessor(), file, image -> image);
                        },
                        batch -> ex.prepare(batch, request),
                        (batch, prepared) -> explainBatch(ex, batch, prepared, request),
                        new BatchPipeline.Writer<>() {
                            @Override public void skipped(int index) {
                                counts[1]++;
                                progress.step();
                            }

                            @Override public void failed(int index, String message) {
                                failures.add(message);
                                failedFiles.add(files.get(index));
                                counts[2]++;
                                progress.message("error: " + message);
                                progress.step();
                            }

                            @Override public void done(int index, LoadedImage image, ImageExplanation result) {
                                Path f = files.get(index);
                                writer.write(outDir(names, f), f, image, result);
                                counts[0]++;
                                progress.step();
                            }
                        }).run(pipeline.sequential());
                explained += counts[0];
                skipped += counts[1];
                failed += counts[2];
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

    private Path outDir(Map<Path, String> names, Path file) {
        return out.resolve(names.get(file.toAbsolutePath().normalize()));
    }

    /**
     * One batch through the network, from the input the reader stage prepared; when the GPU runs out of memory on it,
     * through {@link Explainer#explain}, which retries in halves.
     */
    static List<ImageExplanation> explainBatch(Explainer ex, List<LoadedImage> batch, Explainer.PreparedBatch prepared,
                                                       ExplainRequest request) {
        try {
            return ex.explainPrepared(prepared, request);
        } catch (DeviceOutOfMemoryException e) {
            return ex.explain(batch, request);
        }
    }


    /** The lock file in --out: one explain run per output folder at a time. */
    static final String LOCK_FILE = ".gradcam4j.lock";

    /**
     * Creates --out, locks it (an OS file lock on {@value #LOCK_FILE}, which holds our pid: a second run on the same
     * folder fails at once, naming the first one's pid, rather than mixing its files into this run's summaries), removes
     * temporary files a killed run left there, and proves it writable with a probe file, so a bad folder fails before any
     * work.
     */
    private void prepareOut() {
        if (Files.exists(out) && !Files.isDirectory(out)) throw new OutputException(out, "it exists and is not a folder");
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new OutputException(out, e);
        }
        try {
            outLock = FileLocks.tryAcquire(out.resolve(LOCK_FILE));
        } catch (FileLocks.HeldElsewhereException e) {
            throw new OutputException(out, "another gradcam4j run" + (e.holderPid().isEmpty() ? "" : " (pid " + e.holderPid() + ")")
                    + " is writing to this folder (it holds " + out.resolve(LOCK_FILE) + "); wait for it to finish or choose another --out");
        } catch (IOException e) {
            throw new OutputException(out.resolve(LOCK_FILE), e);
        }
        removeStaleTemporaries(out);
        Path probe = out.resolve(".gradcam4j-write-probe");
        try {
            AtomicFiles.write(probe, new byte[] {1});
            Files.delete(probe);
        } catch (IOException e) {
            throw new OutputException(out, e);
        }
    }

    /** Deletes what a killed run left half-written in {@code dir} ({@link AtomicFiles}' temporaries); we hold the lock. */
    private void removeStaleTemporaries(Path dir) {
        try {
            AtomicFiles.removeStaleTemporaries(dir);
        } catch (IOException e) {
            throw new OutputException(dir, e);
        }
    }
}
