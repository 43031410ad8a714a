package org.gradcam4j.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.weights.CanonicalModelFile;
import org.gradcam4j.weights.KerasWeights;
import org.gradcam4j.weights.ModelLoader;

/**
 * {@code gradcam4j bench load}: how long a user waits for a model before the first image, from a Keras file and
 * from the canonical model file, with the file in the page cache (warm) and, where the process may drop the page
 * cache (root), read from disk (cold). Every measurement is a fresh JVM (what a command-line run pays, JIT
 * included), the files taking turns; the median of the runs is reported. Each run prints the time to read the file
 * into a {@link Model} and the time for the CPU backend to prepare it, and the CPU time the process spent on both.
 */
public final class LoadBenchmark {
    /** @param keras, canonical the files to load; null: seeded random VGG16 files written to a temporary folder */
    /** @param baseline the class path of another gradcam4j build to time alongside this one (before/after), or null */
    public record Options(Path keras, Path canonical, int reps, int coldReps, int threads, String baseline) {}

    private static final String OLD_FILE = "vgg16.old.gradcam4j.h5";
    private static final String DROP_CACHES = "/proc/sys/vm/drop_caches";

    private final Options o;
    private final PrintStream out;

    public LoadBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    /** One fresh process's figures, in seconds: first = one image's forward pass right after. */
    record Probe(double read, double prepare, double cpu, double first, double process) {
        double total() { return read + prepare; }
    }

    public void run() throws IOException, InterruptedException {
        Path tmp = null;
        Path keras = o.keras(), canonical = o.canonical();
        try {
            if (keras == null || canonical == null) {
                tmp = Files.createTempDirectory("gradcam4j-bench-load");
                Model m = RandomWeights.model(Architecture.vgg16(), 42);
                if (keras == null) {
                    keras = tmp.resolve("vgg16_keras.h5");
                    KerasWeights.write(m, keras);
                }
                if (canonical == null) {
                    canonical = tmp.resolve("vgg16.gradcam4j.h5");
                    CanonicalModelFile.write(m, canonical);
                }
            }
            Map<String, Path> files = new LinkedHashMap<>();
            files.put("keras", keras);
            files.put("canonical", canonical);
            Map<String, Path> runs = new LinkedHashMap<>(files);
            if (o.baseline() != null) {
                // the baseline reads the model file its own build writes (as a user of it has); this build reads it too,
                // as a file written before this version
                if (tmp == null) tmp = Files.createTempDirectory("gradcam4j-bench-load");
                Path old = tmp.resolve(OLD_FILE);
                child(List.of("write", old.toString()), true);
                files.put("canon-old", old);
                runs.put("canon-old", old);
                runs.put("keras/base", keras);
                runs.put("canon/base", old);
            }
            out.printf(Locale.ROOT, "gradcam4j bench load: a fresh JVM per run (read the file into a model, then prepare the CPU backend, %d threads),%n",
                    o.threads());
            out.printf(Locale.ROOT, "files taking turns, %d warm runs each after one untimed run, median%n", o.reps());
            out.println("machine: " + MachineInfo.describe());
            out.println("class-data sharing archive for this build's runs: " + (cdsOptions().stream().anyMatch(x -> x.startsWith("-XX:Shared"))
                    ? "yes (the launcher's)" : "none"));
            for (Map.Entry<String, Path> f : files.entrySet()) {
                out.printf(Locale.ROOT, "%-10s %s (%d MB%s)%n", f.getKey(), o.keras() == null && f.getKey().equals("keras")
                                || o.canonical() == null && f.getKey().equals("canonical") ? "seeded random VGG16" : f.getValue(),
                        Files.size(f.getValue()) >> 20, describe(f.getValue()));
            }
            Map<String, List<Probe>> warm = new LinkedHashMap<>(), cold = new LinkedHashMap<>();
            if (o.baseline() != null) out.println("baseline (the rows marked /base): the build at " + o.baseline());
            for (String k : runs.keySet()) {
                warm.put(k, new ArrayList<>());
                cold.put(k, new ArrayList<>());
            }
            for (Map.Entry<String, Path> f : runs.entrySet()) probe(f.getKey(), f.getValue()); // the files into the page cache
            for (int r = 0; r < o.reps(); r++) {
                for (Map.Entry<String, Path> f : runs.entrySet()) warm.get(f.getKey()).add(probe(f.getKey(), f.getValue()));
            }
            String coldNote = null;
            for (int r = 0; r < o.coldReps() && coldNote == null; r++) {
                for (Map.Entry<String, Path> f : runs.entrySet()) {
                    coldNote = dropPageCache();
                    if (coldNote != null) break;
                    cold.get(f.getKey()).add(probe(f.getKey(), f.getValue()));
                }
            }
            out.println();
            out.printf(Locale.ROOT, "%-10s %-6s %5s %9s %11s %10s %9s %9s %12s%n", "file", "cache", "runs", "read s", "prepare s", "total s",
                    "cpu s", "first s", "process s");
            for (String k : runs.keySet()) {
                row(k, "warm", warm.get(k));
                if (!cold.get(k).isEmpty()) row(k, "cold", cold.get(k));
            }
            if (o.coldReps() > 0 && coldNote != null) out.println("cold page cache: not measured (" + coldNote + ")");
            out.println("total = read + prepare (the time to a network ready for the first image); cpu = CPU time of the process over both;");
            out.println("first = one image's forward pass after that (it pays for whatever loading left to first use);");
            out.println("process = the whole JVM from launch to exit. canon-old: the model file as the baseline build writes it.");
        } finally {
            if (tmp != null) {
                for (String n : new String[] {"vgg16_keras.h5", "vgg16.gradcam4j.h5", OLD_FILE}) Files.deleteIfExists(tmp.resolve(n));
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static String describe(Path f) {
        try {
            return ", " + ModelLoader.detect(f).name().toLowerCase(Locale.ROOT) + " convention";
        } catch (RuntimeException e) {
            return "";
        }
    }

    private void row(String file, String cache, List<Probe> ps) {
        double[] read = ps.stream().mapToDouble(Probe::read).toArray();
        double[] prep = ps.stream().mapToDouble(Probe::prepare).toArray();
        double[] total = ps.stream().mapToDouble(Probe::total).toArray();
        double[] cpu = ps.stream().mapToDouble(Probe::cpu).toArray();
        double[] first = ps.stream().mapToDouble(Probe::first).toArray();
        double[] proc = ps.stream().mapToDouble(Probe::process).toArray();
        out.printf(Locale.ROOT, "%-10s %-6s %5d %9.3f %11.3f %10.3f %9.3f %9.3f %12.3f%n", file, cache, ps.size(), Timing.median(read),
                Timing.median(prep), Timing.median(total), Timing.median(cpu), Timing.median(first), Timing.median(proc));
    }

    /** The class-data sharing options this JVM was started with (the launcher's archive), else none. */
    static List<String> cdsOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Xlog:cds")).toList();
    }

    /** Null when the page cache was dropped, else why it could not be. */
    private static String dropPageCache() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of(DROP_CACHES), "3");
            return null;
        } catch (IOException e) {
            return "cannot write " + DROP_CACHES + ": " + e.getMessage() + " (needs root)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private Probe probe(String run, Path file) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        String line = child(List.of("probe", file.toString(), Integer.toString(o.threads())), run.endsWith("/base"));
        double process = (System.nanoTime() - t0) / 1e9;
        String[] v = line.substring(LoadProbe.PREFIX.length()).trim().split(" ");
        if (!v[4].equals("ok")) throw new IllegalStateException("the load probe's logits are not finite: " + line);
        return new Probe(Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2]), Double.parseDouble(v[3]), process);
    }

    /** Runs {@link LoadProbe} in a fresh JVM (on the baseline build when asked); its result line, or null for "write". */
    private String child(List<String> args, boolean baseline) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        // a baseline build comes first on the class path; the probe class, which it lacks, is found in ours
        if (baseline) cp = o.baseline() + File.pathSeparator + cp;
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx8g"));
        // this build's runs start as the launcher starts it: with its class-data sharing archive when it has one (the
        // baseline's class path differs from the archive's, so it runs without, as its own launcher ran it)
        if (!baseline) cmd.addAll(cdsOptions());
        cmd.addAll(List.of("-cp", cp, LoadProbe.class.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                all.append(l).append('\n');
                if (l.startsWith(LoadProbe.PREFIX)) line = l;
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || (line == null && !args.get(0).equals("write"))) {
            throw new IllegalStateException("the load probe failed (exit " + rc + "):\n" + all);
        }
        return line;
    }
}
