package org.gradcam4j.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    public record Options(String arch, int batch, int threads, int warmup, int reps, String python, boolean peer, Path toolsDir) {}

    public record Row(String name, String what, double seconds, double flops) {
        double imgPerSec(int batch) { return batch / seconds; }
    }

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
        }

        Map<String, Row> peer = o.peer() ? runPeer(camFlops, fwdFlops, inputFlops) : Map.of();
        out.println();
        out.printf("%-9s %-36s %9s %9s %8s%n", "row", "work", "img/s", "GFLOP/s", "%ceil");
        for (Row r : ours) printRow("ours", r, ceiling);
        for (Row r : peer.values()) printRow("pytorch", r, ceiling);
        if (!peer.isEmpty()) {
            out.println();
            out.println("ratios (ours img/s / PyTorch img/s):");
            ratio("forward", ours.get(0), peer.get("forward"));
            ratio("Grad-CAM vs PyTorch truncated backward", ours.get(1), peer.get("truncated"));
            ratio("Grad-CAM vs PyTorch full loss.backward()", ours.get(1), peer.get("full"));
            ratio("input gradients", ours.get(2), peer.get("input"));
        }
    }

    private void printRow(String who, Row r, double ceiling) {
        double gf = r.flops() / r.seconds() / 1e9;
        out.printf("%-9s %-36s %9.2f %9.1f %7.0f%%%n", who, r.name() + ": " + r.what(), r.imgPerSec(o.batch()), gf, 100 * gf / ceiling);
    }

    private void ratio(String label, Row ours, Row peer) {
        if (ours == null || peer == null) return;
        out.printf("  %-45s %6.2fx%n", label, peer.seconds() / ours.seconds());
    }

    private double time(Timing.Work w) {
        return Timing.median(Timing.measure(w, o.warmup(), o.reps()));
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
        List<String> cmd = List.of(o.python(), script.toString(), "--arch", o.arch(), "--batch", String.valueOf(o.batch()),
                "--threads", String.valueOf(o.threads()), "--reps", String.valueOf(o.reps()), "--warmup", String.valueOf(o.warmup()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            out.println("peer: cannot start " + o.python() + " (" + e.getMessage() + "); PyTorch rows skipped");
            return Map.of();
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        StringBuilder log = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.append(line).append('\n');
                if (line.startsWith("torch ")) out.println("peer: PyTorch " + line.substring(6));
                if (!line.startsWith("row ")) continue;
                String[] f = line.split(" ");
                double s = Double.parseDouble(f[2]);
                switch (f[1]) {
                    case "forward" -> rows.put("forward", new Row("forward", "no_grad forward", s, fwdFlops));
                    case "truncated" -> rows.put("truncated", new Row("truncated", "autograd.grad to the layer", s, camFlops));
                    case "full" -> rows.put("full", new Row("full", "loss.backward(), weight grads too", s, camFlops));
                    case "input" -> rows.put("input", new Row("input", "autograd.grad to the input", s, inputFlops));
                    default -> { }
                }
            }
        }
        if (p.waitFor() != 0) out.println("peer: PyTorch exited with " + p.exitValue() + ":\n" + log);
        return rows;
    }
}
