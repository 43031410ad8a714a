package org.gradcam4j.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.backend.cuda.CudaBackend;
import org.gradcam4j.backend.cuda.CudaNetwork;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.io.AtomicFiles;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;

/**
 * {@code gradcam4j bench cuda}: the cuDNN engine against PyTorch with cuDNN on the same GPU, same precision, in
 * one run, per batch size: forward only; Grad-CAM (forward + backward to the target layer; PyTorch's truncated
 * autograd.grad and its full loss.backward() as pytorch-grad-cam runs it); guided backpropagation to the input.
 * Img/s, ms/image, the device memory each side held, ratios; raw numbers optionally as JSON. {@code --soak N}
 * then explains N images through the facade and reports device memory every 10% of the way.
 */
public final class GpuBenchmark {
    public record Options(String arch, List<Integer> batches, CudaPrecision precision, int warmup, int reps, String python,
                          boolean peer, Path toolsDir, Path json, int soak) {}

    private final Options o;
    private final PrintStream out;

    public GpuBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    private static final List<String> ROWS = List.of("forward", "gradcam", "guided");
    private static final Map<String, String> PEER_OF = Map.of("forward", "forward", "gradcam", "truncated", "guided", "guided");

    public void run() throws Exception {
        Architecture arch = Architecture.byName(o.arch());
        Model model = RandomWeights.model(arch, 1);
        String target = arch.defaultTargetLayer();
        out.printf("gradcam4j bench cuda: %s, 224x224, %s, batches %s, %d warm-up + %d timed runs (median)%n",
                arch.name(), o.precision().label(), o.batches(), o.warmup(), o.reps());
        out.println("machine: " + MachineInfo.describe());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("arch", arch.name());
        json.put("precision", o.precision().label());
        List<Map<String, Object>> results = new ArrayList<>();
        json.put("results", results);
        try (CudaBackend backend = CudaBackend.open(0, o.precision())) {
            out.println("ours: " + backend.description());
            json.put("ours", backend.description());
            backend.verify();
            String peerHeader = null;
            out.printf("%n%5s %-9s %10s %9s %10s %9s %8s %9s %9s%n", "batch", "row", "ours img/s", "ms/img", "peer img/s", "ms/img",
                    "ratio", "ours MiB", "peer MiB");
            for (int batch : o.batches()) {
                Tensor x = CpuBenchmark.randomInput(batch, arch.inputSize());
                int[] classes = new int[batch];
                for (int i = 0; i < batch; i++) classes[i] = i % arch.numClasses();
                Tensor seeds = BackwardRequest.oneHot(classes, arch.numClasses());
                Map<String, Double> ours = new LinkedHashMap<>();
                long held;
                try (Network net = backend.load(model)) {
                    ours.put("forward", time(() -> {
                        try (ForwardPass p = net.forward(x, null)) { p.logits(); }
                    }));
                    ours.put("gradcam", time(() -> {
                        try (ForwardPass p = net.forward(x, target)) {
                            p.activation(target);
                            p.backward(BackwardRequest.perImage(seeds, target, ReluRule.GRADIENT)).at(target);
                        }
                    }));
                    ours.put("guided", time(() -> {
                        try (ForwardPass p = net.forward(x, Architecture.INPUT)) {
                            p.backward(BackwardRequest.perImage(seeds, Architecture.INPUT, ReluRule.GUIDED)).at(Architecture.INPUT);
                        }
                    }));
                    held = ((CudaNetwork) net).memory().total();
                }
                TorchPeer.Result peer = o.peer() ? runPeer(batch) : null;
                if (peer != null && peer.header() != null && peerHeader == null) {
                    peerHeader = peer.header();
                    json.put("peer", peerHeader);
                }
                if (peer != null && peer.problem() != null) out.println("peer: " + peer.problem());
                for (String row : ROWS) {
                    double s = ours.get(row);
                    Double ps = peer == null ? null : peer.seconds().get(PEER_OF.get(row));
                    Long pm = peer == null ? null : peer.peak().get(PEER_OF.get(row));
                    out.printf(Locale.ROOT, "%5d %-9s %10.1f %9.3f %10s %9s %8s %9.0f %9s%n", batch, row, batch / s, 1e3 * s / batch,
                            ps == null ? "-" : String.format(Locale.ROOT, "%.1f", batch / ps),
                            ps == null ? "-" : String.format(Locale.ROOT, "%.3f", 1e3 * ps / batch),
                            ps == null ? "-" : String.format(Locale.ROOT, "%.2fx", ps / s), held / 1048576.0,
                            pm == null ? "-" : String.format(Locale.ROOT, "%.0f", pm / 1048576.0));
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("batch", batch);
                    r.put("row", row);
                    r.put("ours_seconds", s);
                    r.put("ours_device_bytes", held);
                    if (ps != null) r.put("peer_seconds", ps);
                    if (pm != null) r.put("peer_peak_bytes", pm);
                    results.add(r);
                }
                Double full = peer == null ? null : peer.seconds().get("full");
                if (full != null) {
                    out.printf(Locale.ROOT, "%5d %-9s %10s %9s %10.1f %9.3f %8.2fx %9s %9s   (Grad-CAM vs full loss.backward())%n", batch, "gradcam",
                            "", "", batch / full, 1e3 * full / batch, full / ours.get("gradcam"), "",
                            peer.peak().containsKey("full") ? String.format(Locale.ROOT, "%.0f", peer.peak().get("full") / 1048576.0) : "-");
                    results.add(Map.of("batch", batch, "row", "gradcam-vs-full", "ours_seconds", ours.get("gradcam"), "peer_seconds", full));
                }
            }
            if (o.soak() > 0) json.put("soak", soak(backend, model));
        }
        if (o.json() != null) {
            byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json);
            AtomicFiles.write(o.json(), bytes);
            out.println("raw results: " + o.json());
        }
    }

    private double time(Timing.Work w) { return Timing.median(Timing.measure(w, o.warmup(), o.reps())); }

    private TorchPeer.Result runPeer(int batch) throws InterruptedException {
        Path script = o.toolsDir().resolve("bench_torch.py");
        if (!Files.exists(script)) return new TorchPeer.Result(null, Map.of(), Map.of(), script + " not found; PyTorch rows skipped", "");
        return TorchPeer.run(List.of(o.python(), script.toString(), "--device", "cuda", "--precision", o.precision().label(),
                "--arch", o.arch(), "--batch", String.valueOf(batch), "--reps", String.valueOf(o.reps()),
                "--warmup", String.valueOf(o.warmup()), "--rows", "forward,truncated,full,guided"));
    }

    /** N images through the facade (Grad-CAM + guided backprop, top-1) in batches of 16; memory sampled along the way. */
    private Map<String, Object> soak(CudaBackend backend, Model model) {
        int batch = 16;
        Preprocessor.Batch prepared = CpuBenchmark.preparedBatch(CpuBenchmark.randomInput(batch, model.architecture().inputSize()));
        ExplainRequest req = ExplainRequest.of(List.of("gradcam", "guided"), Targets.topK(1));
        List<Long> free = new ArrayList<>();
        out.printf("%nsoak: %d images (Grad-CAM + guided backprop, top-1) through the facade in batches of %d%n", o.soak(), batch);
        long t0 = System.nanoTime();
        try (Explainer ex = Explainer.of(model, backend, Explainer.Options.defaults().withMaxBatch(batch).withPrecision(o.precision()))) {
            int done = 0, step = Math.max(batch, o.soak() / 10);
            long next = 0;
            while (done < o.soak()) {
                ex.explainPrepared(prepared, req);
                done += batch;
                if (done >= next) {
                    long f = backend.deviceMemory()[0];
                    free.add(f);
                    out.printf(Locale.ROOT, "  %6d images  device free %8.1f MiB%n", done, f / 1048576.0);
                    next += step;
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long drift = free.get(0) - free.get(free.size() - 1);
        out.printf(Locale.ROOT, "soak: %.1f images/s; device free memory changed by %.1f MiB from the first sample to the last%n",
                o.soak() / secs, -drift / 1048576.0);
        return Map.of("images", o.soak(), "seconds", secs, "device_free_bytes", free);
    }
}
