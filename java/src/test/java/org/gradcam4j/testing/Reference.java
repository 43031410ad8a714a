package org.gradcam4j.testing;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

/**
 * Reference tensors written by the committed PyTorch scripts in {@code tools/}. Generated on demand into
 * {@code target/ref/...} with Debian's python3 (python3-torch, python3-h5py). Where Python or torch is
 * missing the tests are skipped, except under CI ({@code CI=true}), where that is a failure.
 */
public final class Reference {
    private Reference() {}

    public static final Path ROOT = Path.of(System.getProperty("user.dir"));

    /** The python interpreter with torch: Debian's, not whatever is first on PATH. */
    public static String python() {
        String p = System.getenv().getOrDefault("GRADCAM4J_PYTHON", "/usr/bin/python3");
        return p;
    }

    /**
     * Runs tools/{script} with args unless the output directory holds a complete run made by the same tools/*.py
     * and arguments (the {@code .complete} marker records their hash, so an edited script regenerates);
     * returns the output directory.
     */
    public static Path generate(String name, String script, String... args) {
        Path dir = ROOT.resolve("target/ref").resolve(name);
        Path done = dir.resolve(".complete");
        String stamp = stamp(script, args);
        try {
            if (Files.exists(done) && Files.readString(done).equals(stamp)) return dir;
        } catch (IOException e) {
            // unreadable marker: generate again
        }
        List<String> cmd = new ArrayList<>(List.of(python(), ROOT.resolve("tools").resolve(script).toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--out", dir.toString()));
        String why = run(cmd);
        if (why != null) {
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("reference generation failed under CI: " + why);
            Assumptions.abort("PyTorch reference unavailable: " + why);
        }
        try {
            Files.writeString(done, stamp);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return dir;
    }

    /** Hash of every tools/*.py (scripts import each other) and the arguments. */
    private static String stamp(String script, String... args) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update((script + " " + String.join(" ", args)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (var files = Files.list(ROOT.resolve("tools"))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".py")).sorted().toList()) md.update(Files.readAllBytes(f));
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String run(List<String> cmd) {
        if (!Files.isExecutable(Path.of(cmd.get(0)))) return cmd.get(0) + " not found";
        try {
            Path log = Files.createTempFile("gradcam4j-ref", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return "timed out: " + String.join(" ", cmd);
            }
            String out = Files.readString(log);
            Files.deleteIfExists(log);
            if (p.exitValue() != 0) return "exit " + p.exitValue() + " from " + String.join(" ", cmd) + "\n" + out;
            return null;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** Every dataset of an HDF5 file as a tensor (float data) keyed by its path without the leading slash. */
    public static Map<String, Tensor> readAll(Path h5) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (HdfFile f = new HdfFile(h5)) {
            collect(f, out);
        }
        return out;
    }

    private static void collect(io.jhdf.api.Group g, Map<String, Tensor> out) {
        for (Node n : g.getChildren().values()) {
            if (n instanceof io.jhdf.api.Group sub) {
                collect(sub, out);
            } else if (n instanceof Dataset d) {
                Object flat = d.getDataFlat();
                float[] v;
                if (flat instanceof float[] fa) {
                    v = fa;
                } else if (flat instanceof int[] ia) {
                    v = new float[ia.length];
                    for (int i = 0; i < ia.length; i++) v[i] = ia[i];
                } else if (flat instanceof double[] da) {
                    v = new float[da.length];
                    for (int i = 0; i < da.length; i++) v[i] = (float) da[i];
                } else {
                    continue;
                }
                int[] dims = d.getDimensions();
                out.put(n.getPath().substring(1), new Tensor(v, dims.length == 0 ? new int[] {1} : dims));
            }
        }
    }

    /** Numeric root attributes of an HDF5 file (e.g. the reference's own float32 errors). */
    public static Map<String, Double> attributes(Path h5) {
        Map<String, Double> out = new LinkedHashMap<>();
        try (HdfFile f = new HdfFile(h5)) {
            f.getAttributes().forEach((k, a) -> {
                Object v = a.getData();
                if (v instanceof Number num) out.put(k, num.doubleValue());
            });
        }
        return out;
    }

    public static int[] ints(Tensor t) {
        int[] r = new int[t.size()];
        for (int i = 0; i < r.length; i++) r[i] = Math.round(t.data()[i]);
        return r;
    }
}
