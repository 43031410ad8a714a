package org.gradcam4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.model.Model;
import org.gradcam4j.weights.CanonicalModelFile;

/**
 * The ONNX Runtime peer of {@code bench cpu --onnx}: exports the benchmark's model to ONNX once with Debian's PyTorch
 * (tools/export_onnx.py over a gradcam4j model file of the same weights), then times ONNX Runtime's Java API on it in a
 * separate JVM (tools/OrtPeer.java with the jar that {@code -Pbench-peers} copies; ONNX Runtime is no dependency of
 * gradcam4j). The ONNX file is cached beside that jar, named by architecture and weight seed.
 */
final class OnnxPeer {
    private OnnxPeer() {}

    /**
     * @param logits the first image's first logits per batch size ({@code logits_bN} lines), to check that ONNX Runtime
     *               ran the same network
     */
    record Result(TorchPeer.Result run, java.util.Map<Integer, float[]> logits) {}

    /**
     * The ONNX export of {@code model}, made by tools/export_onnx.py if the cache lacks it.
     *
     * @param key names the weights (architecture and seed), as the cached file's name
     */
    static Path export(Model model, String key, Path jar, String python, Path tools) throws IOException, InterruptedException {
        Path dir = jar.toAbsolutePath().getParent();
        Path onnx = dir.resolve(key + ".onnx");
        if (Files.exists(onnx)) return onnx;
        Path tmp = Files.createTempDirectory(dir, "export");
        try {
            Path h5 = tmp.resolve("model.h5");
            CanonicalModelFile.write(model, h5);
            Process p = new ProcessBuilder(python, tools.resolve("export_onnx.py").toString(), h5.toString(), onnx.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IOException("tools/export_onnx.py exited with " + p.exitValue() + ":\n" + log);
            return onnx;
        } finally {
            try (var files = Files.list(tmp)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** Runs tools/OrtPeer.java on {@code onnx} at the given batch sizes. */
    static Result run(Path onnx, Path jar, Path tools, int threads, int[] batches, int warmup, int reps) throws InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder b = new StringBuilder();
        for (int n : batches) b.append(b.length() == 0 ? "" : ",").append(n);
        List<String> cmd = List.of(java, "-Xmx4g", "-cp", jar.toString(), tools.resolve("OrtPeer.java").toString(), onnx.toString(),
                "--threads", String.valueOf(threads), "--batches", b.toString(), "--warmup", String.valueOf(warmup),
                "--reps", String.valueOf(reps));
        TorchPeer.Result r = TorchPeer.run(cmd, "ort ");
        java.util.Map<Integer, float[]> logits = new java.util.LinkedHashMap<>();
        for (String line : r.output().split("\n")) {
            if (!line.startsWith("logits_b")) continue;
            String[] f = line.split(" ");
            List<Float> v = new ArrayList<>();
            for (int i = 1; i < f.length; i++) v.add(Float.parseFloat(f[i]));
            float[] a = new float[v.size()];
            for (int i = 0; i < a.length; i++) a[i] = v.get(i);
            logits.put(Integer.parseInt(f[0].substring("logits_b".length())), a);
        }
        return new Result(r, logits);
    }
}
