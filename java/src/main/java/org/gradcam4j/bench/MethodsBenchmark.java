package org.gradcam4j.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradcam4j.explain.Device;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.MethodSettings;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.RandomWeights;

/**
 * {@code gradcam4j bench methods}: Score-CAM and Integrated Gradients of one 224 x 224 image (its top class) on the
 * CPU backend, against pytorch-grad-cam's ScoreCAM and an autograd IG loop (tools/bench_methods_torch.py) on the
 * same thread count, in one run, at each batch size: seconds per image and our/peer ratios.
 */
public final class MethodsBenchmark {
    /**
     * @param batches masked inputs (Score-CAM) and path points (IG) per pass, on both sides
     * @param pytorchGradCam a pytorch-grad-cam checkout for the peer's ScoreCAM rows, or null
     * @param rows    which rows: {@code scorecam}, {@code ig} or both
     */
    public record Options(String arch, int threads, int reps, List<Integer> batches, int igSteps, String python, boolean peer,
                          Path toolsDir, String pytorchGradCam, List<String> rows) {}

    private final Options o;
    private final PrintStream out;

    public MethodsBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public void run() throws Exception {
        Architecture arch = Architecture.byName(o.arch());
        out.printf("gradcam4j bench methods: %s, 1 image 224x224, top class, %d thread%s, %d timed run%s per row (median), IG %d points%n",
                arch.name(), o.threads(), o.threads() == 1 ? "" : "s", o.reps(), o.reps() == 1 ? "" : "s", o.igSteps());
        out.println("machine: " + MachineInfo.describe());
        Preprocessor.Batch image = CpuBenchmark.preparedBatch(CpuBenchmark.randomInput(1, arch.inputSize()));
        MethodSettings d = MethodSettings.defaults();
        MethodSettings settings = new MethodSettings(d.scoreCamForm(), d.smoothSamples(), d.smoothNoise(), d.smoothVariant(), d.noiseSeed(),
                o.igSteps(), d.igRule(), d.igBaseline(), d.occlusionPatch(), d.occlusionStride());
        Map<String, Double> ours = new LinkedHashMap<>();
        for (int b : o.batches()) {
            try (Explainer ex = Explainer.of(RandomWeights.model(arch, 1),
                    Explainer.Options.defaults().withDevice(Device.CPU).withThreads(o.threads()).withMaxBatch(b))) {
                for (String m : List.of("scorecam", "integrated-gradients")) {
                    if (!o.rows().contains(m.equals("scorecam") ? "scorecam" : "ig")) continue;
                    ExplainRequest req = ExplainRequest.of(List.of(m), Targets.topK(1)).withMethodSettings(settings);
                    String row = (m.equals("scorecam") ? "scorecam-" : "ig-") + b;
                    ours.put(row, Timing.median(Timing.measure(() -> ex.explainPrepared(image, req), 0, o.reps())));
                }
            }
        }
        Map<String, Double> peer = o.peer() ? runPeer() : Map.of();
        out.println();
        out.printf("%-9s %-16s %-62s %10s%n", "row", "name", "work", "s/image");
        for (var e : ours.entrySet()) out.printf("%-9s %-16s %-62s %10.2f%n", "ours", e.getKey(), what(e.getKey(), false), e.getValue());
        for (var e : peer.entrySet()) out.printf("%-9s %-16s %-62s %10.2f%n", "pytorch", e.getKey(), what(e.getKey(), true), e.getValue());
        if (!peer.isEmpty()) {
            out.println();
            out.println("ratios (PyTorch s/image / ours s/image, > 1: ours faster):");
            for (var e : ours.entrySet()) {
                Double p = peer.get(e.getKey());
                if (p != null) out.printf("  %-16s %.2fx%n", e.getKey(), p / e.getValue());
            }
            Double pgcDefault = peer.get("scorecam-16");
            if (pgcDefault != null) {
                for (var e : ours.entrySet()) {
                    if (e.getKey().startsWith("scorecam-")) out.printf("  ours %-11s vs pytorch-grad-cam at its default batch 16: %.2fx%n", e.getKey(), pgcDefault / e.getValue());
                }
            }
        }
    }

    private static String what(String row, boolean peer) {
        int b = Integer.parseInt(row.substring(row.lastIndexOf('-') + 1));
        if (row.startsWith("scorecam-")) {
            return peer ? "pytorch-grad-cam ScoreCAM, batch_size " + b : "Score-CAM (facade), " + b + " masked inputs per pass";
        }
        return peer ? "autograd IG loop, " + b + " points per pass" : "Integrated Gradients (facade), " + b + " points per pass";
    }

    private Map<String, Double> runPeer() throws Exception {
        Path script = o.toolsDir().resolve("bench_methods_torch.py");
        if (!Files.exists(script)) {
            out.println("peer: " + script + " not found; PyTorch rows skipped");
            return Map.of();
        }
        List<String> cmd = new ArrayList<>(List.of(o.python(), script.toString(), "--arch", o.arch(), "--threads", String.valueOf(o.threads()),
                "--reps", String.valueOf(o.reps()), "--ig-steps", String.valueOf(o.igSteps()),
                "--batches", String.join(",", o.batches().stream().map(String::valueOf).toList()), "--rows", String.join(",", o.rows())));
        if (o.pytorchGradCam() != null) cmd.addAll(List.of("--pytorch-grad-cam", o.pytorchGradCam()));
        TorchPeer.Result r = TorchPeer.run(cmd);
        if (r.header() != null) out.println("peer: PyTorch " + r.header());
        if (r.problem() != null) out.println("peer: " + r.problem());
        if (o.rows().contains("scorecam") && r.seconds().keySet().stream().noneMatch(k -> k.startsWith("scorecam-"))) {
            out.println("peer: no pytorch-grad-cam checkout given (--pytorch-grad-cam or GRADCAM4J_PYTORCH_GRAD_CAM): no ScoreCAM rows");
        }
        return r.seconds();
    }
}
