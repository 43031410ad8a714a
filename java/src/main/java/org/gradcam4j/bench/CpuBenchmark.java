package org.gradcam4j.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.backend.cpu.GemmCeiling;
import org.gradcam4j.explain.Device;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;

/**
 * {@code gradcam4j bench cpu}: this engine's CPU backend against PyTorch on CPU, same network, batch and
 * thread count, in one run. Prints a table of img/s, achieved GFLOP/s (against the measured SGEMM
 * ceiling) and our/peer ratios.
 */
public final class CpuBenchmark {
    /** explainReps: timed runs of the whole explain path (the PyTorch peer takes minutes per batch). */
    /** onnxJar: ONNX Runtime's jar for the ONNX Runtime rows (forward at the batch and at batch 1), or null for none. */
    public record Options(String arch, int batch, int threads, int warmup, int reps, int explainReps, String python, boolean peer,
                          Path toolsDir, Path onnxJar) {}

    public record Row(String name, String what, double seconds, double flops) {
        double imgPerSec(int batch) { return batch / seconds; }
    }

    static final int EXPLAIN_TOP_K = 3;
    private boolean peerNamed;
    private final Options o;
    private final PrintStream out;

    public CpuBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public void run() throws Exception {
        Architecture arch = Architecture.byName(o.arch());
        String target = arch.defaultTargetLayer();
        long macs = arch.forwardMacs();
        long fcMacs = 0, firstConv = arch.layers().get(0).macs();
        for (LayerSpec l : arch.layers()) if (l.kind() == LayerKind.FC) fcMacs += l.macs();
        double fwdFlops = 2.0 * macs * o.batch();
        double camFlops = fwdFlops + 2.0 * fcMacs * o.batch();
        double inputFlops = fwdFlops + 2.0 * macs * o.batch(); // backward-data of every layer (first conv's to the image included)

        out.printf("gradcam4j bench cpu: %s, batch %d, 224x224, %d thread%s, %d warm-up + %d timed runs (median)%n",
                arch.name(), o.batch(), o.threads(), o.threads() == 1 ? "" : "s", o.warmup(), o.reps());
        out.println("machine: " + MachineInfo.describe());
        double ceiling = GemmCeiling.measure(o.threads());
        out.printf("SGEMM ceiling (%d threads, 2048^3, %s): %.1f GFLOP/s%n", o.threads(), GemmCeiling.gemmName(), ceiling);

        List<Row> ours = new ArrayList<>();
        Row oursB1 = null;
        float[] oursLogits = null;
        Tensor x = randomInput(o.batch(), arch.inputSize());
        int[] classes = new int[o.batch()];
        for (int i = 0; i < classes.length; i++) classes[i] = i % arch.numClasses();
        Tensor seeds = BackwardRequest.oneHot(classes, arch.numClasses());
        try (CpuBackend backend = new CpuBackend(o.threads());
             Network net = backend.load(RandomWeights.model(arch, 1))) {
            out.println("ours: " + backend.description());
            ours.add(new Row("forward", "forward only", time(() -> {
                try (ForwardPass p = net.forward(x, null)) { p.logits(); }
            }), fwdFlops));
            ours.add(new Row("gradcam", "forward + backward to " + target, time(() -> {
                try (ForwardPass p = net.forward(x, target)) {
                    p.activation(target);
                    p.backward(BackwardRequest.perImage(seeds, target, ReluRule.GRADIENT)).at(target);
                }
            }), camFlops));
            ours.add(new Row("input", "forward + backward to the input", time(() -> {
                try (ForwardPass p = net.forward(x, Architecture.INPUT)) {
                    p.backward(BackwardRequest.perImage(seeds, Architecture.INPUT, ReluRule.GRADIENT)).at(Architecture.INPUT);
                }
            }), inputFlops));
            if (o.onnxJar() != null) {
                Tensor x1 = randomInput(1, arch.inputSize());
                oursB1 = new Row("forward", "forward only, batch 1", time(() -> {
                    try (ForwardPass p = net.forward(x1, null)) { p.logits(); }
                }), 2.0 * macs);
                try (ForwardPass p = net.forward(x, null)) { oursLogits = p.logits().data(); }
            }
        }
        Preprocessor.Batch prepared = preparedBatch(x);
        ExplainRequest explain = ExplainRequest.of(List.of("gradcam", "gradcampp", "guided"), Targets.topK(EXPLAIN_TOP_K));
        if (o.explainReps() > 0) try (Explainer ex = Explainer.of(RandomWeights.model(arch, 1),
                Explainer.Options.defaults().withDevice(Device.CPU).withThreads(o.threads()).withMaxBatch(o.batch()))) {
            ours.add(new Row("explain", "Grad-CAM, Grad-CAM++, guided, top-" + EXPLAIN_TOP_K,
                    Timing.median(Timing.measure(() -> ex.explainPrepared(prepared, explain), Math.min(1, o.warmup()), o.explainReps())), 0));
        }

        Map<String, Row> peer = o.peer() ? runPeer(camFlops, fwdFlops, inputFlops) : Map.of();
        Map<Integer, Double> ort = o.onnxJar() != null ? runOnnxPeer(arch, oursLogits) : Map.of();
        out.println();
        out.printf("%-9s %-56s %9s %9s %8s%n", "row", "work", "img/s", "GFLOP/s", "%ceil");
        for (Row r : ours) printRow("ours", r, ceiling);
        for (Row r : peer.values()) printRow("pytorch", r, ceiling);
        if (!peer.isEmpty()) {
            out.println();
            out.println("ratios (ours img/s / PyTorch img/s):");
            ratio("forward", ours.get(0), peer.get("forward"));
            ratio("Grad-CAM vs PyTorch truncated backward", ours.get(1), peer.get("truncated"));
            ratio("Grad-CAM vs PyTorch full loss.backward()", ours.get(1), peer.get("full"));
            ratio("input gradients", ours.get(2), peer.get("input"));
            if (ours.size() > 3) ratio("explain path vs pytorch-grad-cam's way", ours.get(3), peer.get("explain"));
        }
        if (!ort.isEmpty()) {
            out.println();
            out.printf("forward against ONNX Runtime (%s):%n", onnxHeader);
            out.printf("  %-9s %12s %12s %12s %12s %8s%n", "batch", "ours img/s", "ours ms", "ORT img/s", "ORT ms", "ratio");
            onnxRow(o.batch(), ours.get(0).seconds(), ort.get(o.batch()));
            if (oursB1 != null) onnxRow(1, oursB1.seconds(), ort.get(1));
            out.println("  (ratio: ORT seconds / ours; above 1 we are faster)");
        }
    }

    private String onnxHeader = "";

    private void onnxRow(int batch, double ours, Double ort) {
        if (ort == null) return;
        out.printf("  %-9d %12.2f %12.1f %12.2f %12.1f %7.2fx%n", batch, batch / ours, 1e3 * ours, batch / ort, 1e3 * ort, ort / ours);
    }

    /**
     * ONNX Runtime's forward at the benchmark's batch and at batch 1, on the same weights exported to ONNX; checks that
     * its logits match ours (the first image's first logits) so a stale export cannot pass for the same network.
     */
    private Map<Integer, Double> runOnnxPeer(Architecture arch, float[] oursLogits) throws Exception {
        Path jar = o.onnxJar();
        if (!Files.exists(jar)) {
            out.println("ONNX Runtime: " + jar + " not found (mvn -B -DskipTests -Pbench-peers -pl java package copies it); rows skipped");
            return Map.of();
        }
        Path onnx = OnnxPeer.export(RandomWeights.model(arch, 1), arch.name() + "-random-seed1", jar, o.python(), o.toolsDir());
        int[] batches = o.batch() == 1 ? new int[] {1} : new int[] {o.batch(), 1};
        OnnxPeer.Result r = OnnxPeer.run(onnx, jar, o.toolsDir(), o.threads(), batches, o.warmup(), o.reps());
        if (r.run().header() != null) onnxHeader = "ONNX Runtime " + r.run().header();
        if (r.run().problem() != null) {
            out.println("ONNX Runtime: " + r.run().problem());
            return Map.of();
        }
        float[] theirs = r.logits().get(o.batch());
        if (theirs != null && oursLogits != null) {
            double num = 0, den = 0;
            for (int i = 0; i < theirs.length; i++) {
                num += (theirs[i] - oursLogits[i]) * (double) (theirs[i] - oursLogits[i]);
                den += (double) oursLogits[i] * oursLogits[i];
            }
            double rel = Math.sqrt(num / den);
            out.printf("ONNX Runtime logits vs ours (image 0, first %d): relative L2 %.1e%s%n", theirs.length, rel,
                    rel > 1e-3 ? ": NOT the same network (delete " + onnx + " to export again)" : "");
        }
        Map<Integer, Double> s = new LinkedHashMap<>();
        r.run().seconds().forEach((k, v) -> s.put(Integer.parseInt(k.substring("forward_b".length())), v));
        return s;
    }

    private void printRow(String who, Row r, double ceiling) {
        if (r.flops() == 0) {
            out.printf("%-9s %-56s %9.3f %9s %8s%n", who, r.name() + ": " + r.what(), r.imgPerSec(o.batch()), "-", "-");
            return;
        }
        double gf = r.flops() / r.seconds() / 1e9;
        out.printf("%-9s %-56s %9.2f %9.1f %7.0f%%%n", who, r.name() + ": " + r.what(), r.imgPerSec(o.batch()), gf, 100 * gf / ceiling);
    }

    private void ratio(String label, Row ours, Row peer) {
        if (ours == null || peer == null) return;
        out.printf("  %-45s %6.2fx%n", label, peer.seconds() / ours.seconds());
    }

    private double time(Timing.Work w) {
        return Timing.median(Timing.measure(w, o.warmup(), o.reps()));
    }

    /** {@code x} (N x 3 x S x S) as an already-preprocessed batch of network-sized images named image0, image1, ... */
    static Preprocessor.Batch preparedBatch(Tensor x) {
        int n = x.dim(0), size = x.dim(2);
        List<InputGeometry> geoms = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            geoms.add(InputGeometry.of(size, size, size, ResizeMode.NONE));
            names.add("image" + i);
        }
        return new Preprocessor.Batch(x, geoms, names);
    }

    static Tensor randomInput(int n, int size) {
        Tensor x = Tensor.zeros(n, 3, size, size);
        SplittableRandom r = new SplittableRandom(7);
        float[] d = x.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (r.nextDouble() * 4 - 2);
        return x;
    }

    private Map<String, Row> runPeer(double camFlops, double fwdFlops, double inputFlops) throws Exception {
        Path script = o.toolsDir().resolve("bench_torch.py");
        if (!Files.exists(script)) {
            out.println("peer: " + script + " not found; PyTorch rows skipped");
            return Map.of();
        }
        List<String> cmd = peerCommand(script, "forward,truncated,full,input", o.reps(), o.warmup());
        List<String> explainCmd = peerCommand(script, "explain", o.explainReps(), 0);
        Map<String, Row> rows = new LinkedHashMap<>();
        rows.putAll(runPeerCommand(cmd, camFlops, fwdFlops, inputFlops));
        if (o.explainReps() > 0) rows.putAll(runPeerCommand(explainCmd, camFlops, fwdFlops, inputFlops));
        return rows;
    }

    /** bench_torch.py on the same network, batch and thread count as our rows. */
    private List<String> peerCommand(Path script, String rows, int reps, int warmup) {
        return List.of(o.python(), script.toString(), "--arch", o.arch(), "--batch", String.valueOf(o.batch()),
                "--threads", String.valueOf(o.threads()), "--reps", String.valueOf(reps), "--warmup", String.valueOf(warmup),
                "--rows", rows, "--topk", String.valueOf(EXPLAIN_TOP_K));
    }

    private Map<String, Row> runPeerCommand(List<String> cmd, double camFlops, double fwdFlops, double inputFlops) throws Exception {
        TorchPeer.Result r = TorchPeer.run(cmd);
        if (r.header() != null && !peerNamed) {
            out.println("peer: PyTorch " + r.header());
            peerNamed = true;
        }
        if (r.problem() != null) out.println("peer: " + r.problem() + (r.seconds().isEmpty() ? "; PyTorch rows skipped" : ""));
        Map<String, Row> rows = new LinkedHashMap<>();
        r.seconds().forEach((name, s) -> {
            switch (name) {
                case "forward" -> rows.put("forward", new Row("forward", "no_grad forward", s, fwdFlops));
                case "truncated" -> rows.put("truncated", new Row("truncated", "autograd.grad to the layer", s, camFlops));
                case "full" -> rows.put("full", new Row("full", "loss.backward(), weight grads too", s, camFlops));
                case "input" -> rows.put("input", new Row("input", "autograd.grad to the input", s, inputFlops));
                case "explain" -> rows.put("explain", new Row("explain", "same work, pytorch-grad-cam's way", s, 0));
                default -> { }
            }
        });
        return rows;
    }
}
