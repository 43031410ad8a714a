package org.gradcam4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.gradcam4j.io.Npz;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.weights.CanonicalModelFile;
import org.gradcam4j.weights.KerasWeights;

/**
 * {@code gradcam4j bench e2e}: what a user waits for, as whole processes. {@code gradcam4j explain DIR --method
 * gradcam --top-k 1 --save png} against a short pytorch-grad-cam script doing the same ({@code tools/bench_e2e_pgc.py}:
 * VGG16 Grad-CAM of the top class at the last convolution, the overlay at the photo's size written as PNG), on the
 * same folder of photos with the same weights (seeded random VGG16: a Keras file or a canonical model file for us, the
 * same values as a torch state dict for the peer). The contenders take turns, after one untimed round that brings
 * the files into the page cache; the median of the timed rounds is reported.
 */
public final class E2eBenchmark {
    /**
     * @param images     the photo folder
     * @param pgc        a checkout of pytorch-grad-cam (outside this repository)
     * @param weights    keras or canonical: the file our process loads
     * @param sequential also time our explain with {@code --sequential} (no pipeline)
     */
    public record Options(Path images, Path pgc, String python, Path toolsDir, int reps, int threads, String weights, boolean sequential) {}

    private final Options o;
    private final PrintStream out;

    public E2eBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public void run() throws IOException, InterruptedException {
        if (!Files.isDirectory(o.images())) throw new IllegalArgumentException("--images " + o.images() + ": not a folder");
        if (!Files.isDirectory(o.pgc().resolve("pytorch_grad_cam"))) {
            throw new IllegalArgumentException("--pgc " + o.pgc() + ": no pytorch_grad_cam package there (give a checkout of pytorch-grad-cam)");
        }
        Path script = o.toolsDir().resolve("bench_e2e_pgc.py");
        if (!Files.isRegularFile(script)) throw new IllegalArgumentException("no " + script + " (give --tools)");
        long photos;
        try (Stream<Path> s = Files.list(o.images())) {
            photos = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|bmp)")).count();
        }
        Path work = Files.createTempDirectory("gradcam4j-bench-e2e");
        try {
            Model m = RandomWeights.model(Architecture.vgg16(), 42);
            Path ours = work.resolve(o.weights().equals("keras") ? "vgg16_keras.h5" : "vgg16.gradcam4j.h5");
            if (o.weights().equals("keras")) KerasWeights.write(m, ours);
            else CanonicalModelFile.write(m, ours);
            Path npz = work.resolve("vgg16.npz"), pth = work.resolve("vgg16.pth");
            Npz.Builder b = Npz.builder();
            for (LayerSpec l : m.architecture().layers()) {
                if (!l.hasWeights()) continue;
                b.put(ModelWeights.kernelKey(l.name()), m.weights().kernel(l.name()));
                b.put(ModelWeights.biasKey(l.name()), m.weights().bias(l.name()));
            }
            b.write(npz);
            m = null;
            exec(List.of(o.python(), script.toString(), "--weights", pth.toString(), "--from-npz", npz.toString()), null);
            Files.delete(npz);

            Path outDir = work.resolve("out");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> explain = List.of(java, "-Xmx8g", "-cp", System.getProperty("java.class.path"), "org.gradcam4j.cli.Main",
                    "explain", o.images().toString(), "--weights", ours.toString(), "--method", "gradcam", "--top-k", "1", "--save", "png",
                    "--out", outDir.toString(), "-q", "--device", "cpu", "--threads", Integer.toString(o.threads()));
            Map<String, List<String>> contenders = new LinkedHashMap<>();
            contenders.put("gradcam4j", explain);
            contenders.put("pytorch-grad-cam", List.of(o.python(), script.toString(), "--pgc", o.pgc().toString(), "--weights", pth.toString(),
                    "--images", o.images().toString(), "--out", outDir.toString(), "--threads", Integer.toString(o.threads())));
            if (o.sequential()) {
                List<String> seq = new ArrayList<>(explain);
                seq.add("--sequential");
                contenders.put("gradcam4j --sequential", seq);
            }

            out.printf(Locale.ROOT, "gradcam4j bench e2e: %d photos from %s, VGG16 Grad-CAM of the top class, PNG overlays at the photo's size,%n",
                    photos, o.images());
            out.printf(Locale.ROOT, "whole processes, %d threads each, taking turns: 1 untimed round + %d timed, median%n", o.threads(), o.reps());
            out.println("machine: " + MachineInfo.describe());
            out.println("weights: seeded random VGG16 (the same values on both sides): ours from a " + o.weights()
                    + " file, the peer from a torch state dict");
            Map<String, List<Double>> times = new LinkedHashMap<>();
            contenders.keySet().forEach(k -> times.put(k, new ArrayList<>()));
            for (int r = 0; r <= o.reps(); r++) {
                for (Map.Entry<String, List<String>> c : contenders.entrySet()) {
                    deleteTree(outDir);
                    double s = exec(c.getValue(), outDir);
                    long pngs = countPngs(outDir);
                    if (pngs != photos) throw new IllegalStateException(c.getKey() + " wrote " + pngs + " PNGs for " + photos + " photos");
                    if (r > 0) times.get(c.getKey()).add(s);
                }
            }
            out.println();
            out.printf(Locale.ROOT, "%-24s %8s %8s %8s %8s %10s%n", "contender", "median s", "min s", "max s", "img/s", "vs peer");
            double peer = median(times.get("pytorch-grad-cam"));
            for (Map.Entry<String, List<Double>> t : times.entrySet()) {
                double med = median(t.getValue());
                out.printf(Locale.ROOT, "%-24s %8.2f %8.2f %8.2f %8.2f %9.2fx%n", t.getKey(), med,
                        t.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(0),
                        t.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(0), photos / med, peer / med);
            }
            out.println("vs peer = the peer's median time / this row's median time (higher: faster than pytorch-grad-cam)");
        } finally {
            deleteTree(work);
        }
    }

    private static double median(List<Double> v) {
        return Timing.median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Runs a process to completion; its wall time in seconds. Output is kept only to explain a failure. */
    private static double exec(List<String> cmd, Path outDir) throws IOException, InterruptedException {
        Path log = Files.createTempFile("gradcam4j-bench-e2e", ".log");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int rc = p.waitFor();
            double s = (System.nanoTime() - t0) / 1e9;
            if (rc != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited with " + rc + ":\n" + Files.readString(log));
            return s;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static long countPngs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".png")).count();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
