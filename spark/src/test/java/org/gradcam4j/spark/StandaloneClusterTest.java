package org.gradcam4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.gradcam4j.io.Npz;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real multi-process cluster: a standalone master and two workers on 127.0.0.1, each executor its own
 * JVM, the driver a separate JVM as spark-submit would start it. One executor is killed with SIGKILL in the middle of
 * a 40-image job: the job still finishes and every image is in the Parquet output and the side files exactly once,
 * all readable. Then the GPU scheduling path without a GPU: the workers announce GPU addresses through a discovery
 * script, each task gets one, and the device policy's fallback to the CPU is logged with its reason. Every process
 * the test starts is stopped by it.
 */
class StandaloneClusterTest {
    static final int IMAGES = 40;
    @TempDir static Path tmp;
    static StandaloneCluster cluster;
    static Path images;

    @BeforeAll
    static void start() throws Exception {
        cluster = new StandaloneCluster(tmp.resolve("cluster"), List.of(
                new StandaloneCluster.WorkerSpec(2, List.of("0", "1")), new StandaloneCluster.WorkerSpec(2, List.of("2", "3"))));
        Path samples = LocalSpark.samples(tmp.resolve("samples"));
        images = Files.createDirectories(tmp.resolve("images"));
        List<Path> src;
        try (Stream<Path> s = Files.list(samples)) {
            src = s.sorted().toList();
        }
        for (int i = 0; i < IMAGES; i++) {
            Path from = src.get(i % src.size());
            Files.copy(from, images.resolve(String.format("%02d-%s", i, from.getFileName())));
        }
    }

    @AfterAll
    static void stop() {
        if (cluster == null) return;
        List<ProcessHandle> started = new ArrayList<>();
        for (int i = 0; i < cluster.workers.size(); i++) started.addAll(cluster.executors(i));
        cluster.close();
        assertFalse(cluster.anyAlive(), "a master or worker survived");
        for (ProcessHandle h : started) assertFalse(h.isAlive(), "executor " + h.pid() + " survived");
    }

    /** Our classes and dependencies: the test class path without Spark's own jars (the cluster has those). */
    static String applicationClassPath() throws Exception {
        Set<String> spark = new HashSet<>();
        try (Stream<Path> s = Files.list(cluster.sparkHome.resolve("jars"))) {
            s.forEach(p -> spark.add(p.getFileName().toString()));
        }
        List<String> ours = new ArrayList<>();
        for (String e : testClassPath().split(File.pathSeparator)) {
            if (!spark.contains(Path.of(e).getFileName().toString())) ours.add(e);
        }
        return String.join(File.pathSeparator, ours);
    }

    static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** Starts the driver JVM with {@code conf} as Spark properties and the job's {@code args}; output to {@code log}. */
    static Process driver(Map<String, String> conf, Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(StandaloneCluster.moduleOptions());
        cmd.add("-Xmx1g");
        Map<String, String> all = new HashMap<>(Map.of(
                "spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1", "spark.ui.enabled", "false",
                "spark.executor.memory", "700m", "spark.executorEnv.SPARK_SCALA_VERSION", "2.13",
                "spark.executor.extraClassPath", applicationClassPath(),
                "spark.executor.heartbeatInterval", "2s"));
        all.putAll(conf);
        all.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-cp");
        cmd.add(testClassPath());
        cmd.add(ExplainJob.class.getName());
        cmd.add("--master");
        cmd.add(cluster.masterUrl);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(cluster.environment());
        return pb.start();
    }

    static long summaries(Path out) throws Exception {
        if (!Files.isDirectory(out)) return 0;
        try (Stream<Path> s = Files.walk(out, 2)) {
            return s.filter(p -> p.getFileName().toString().equals("summary.json")).count();
        }
    }

    @Test
    void killedExecutorLosesNothingAndDuplicatesNothing() throws Exception {
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("driver.log");
        Process job = driver(Map.of("spark.executor.cores", "1", "spark.cores.max", "2"), log,
                "--input", images.toString(), "--weights", "demo", "--method", "gradcam,augmented-avg", "--augment-copies", "32",
                "--save", "png,npz,json", "--batch", "2", "--images-per-task", "4", "--progress-seconds", "2",
                "--out", out.toString());
        try {
            // wait for the job to be under way on both executors, then kill one executor JVM with SIGKILL
            long done = 0;
            while (job.isAlive() && (done = summaries(out)) < 4) Thread.sleep(50);
            assertTrue(job.isAlive(), "the job ended before the kill:\n" + Files.readString(log));
            assertTrue(done < IMAGES, "the job was finished before the kill");
            List<ProcessHandle> victims = cluster.executors(0);
            assertEquals(1, victims.size(), "one executor JVM under worker 0");
            assertTrue(victims.get(0).destroyForcibly());
            assertTrue(job.waitFor(10, TimeUnit.MINUTES), "the job did not finish");
        } finally {
            job.destroyForcibly();
        }
        String driverLog = Files.readString(log);
        assertEquals(0, job.exitValue(), driverLog);
        assertTrue(driverLog.contains("Lost executor") || driverLog.contains("ExecutorLostFailure"), driverLog);

        // Parquet: every image exactly once per class and method
        List<Row> rows = LocalSpark.get().read().parquet(out.resolve(ExplainJob.PARQUET).toString()).collectAsList();
        Map<String, Integer> perKey = new HashMap<>();
        Set<String> paths = new TreeSet<>();
        for (Row r : rows) {
            assertNull(r.getAs("error"), () -> "error row: " + r);
            paths.add(r.getAs("path"));
            perKey.merge(r.getAs("path") + " " + r.getAs("class_index") + " " + r.getAs("method"), 1, Integer::sum);
        }
        assertEquals(IMAGES, paths.size());
        assertEquals(IMAGES * 2, rows.size(), "one row per image and method (top-1 class)");
        perKey.forEach((k, n) -> assertEquals(1, n, k));

        // side files: one folder per image, holding exactly the files its summary.json lists, all readable
        ObjectMapper json = new ObjectMapper();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(out)) {
            dirs = s.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().endsWith(".parquet")).toList();
        }
        assertEquals(IMAGES, dirs.size());
        for (Path d : dirs) {
            JsonNode summary = json.readTree(d.resolve("summary.json").toFile());
            Set<String> listed = new TreeSet<>(List.of("summary.json"));
            summary.path("files").forEach(f -> listed.add(f.asText()));
            Set<String> present = new TreeSet<>();
            try (Stream<Path> s = Files.list(d)) {
                s.forEach(p -> present.add(p.getFileName().toString()));
            }
            assertEquals(listed, present, d.toString());
            for (String f : listed) {
                if (f.endsWith(".npz")) assertFalse(Npz.read(d.resolve(f)).names().isEmpty(), f);
                if (f.endsWith(".png")) assertNotNull(ImageIO.read(d.resolve(f).toFile()), f);
            }
        }
    }

    @Test
    void eachTaskGetsAGpuAddressAndTheCpuFallbackIsLogged() throws Exception {
        Path out = tmp.resolve("gpu-out");
        Path log = tmp.resolve("gpu-driver.log");
        Path taskLog = tmp.resolve("gpu-tasks.jsonl");
        Process job = driver(Map.of("spark.executor.cores", "2", "spark.cores.max", "4",
                        "spark.executor.resource.gpu.amount", "2", "spark.task.resource.gpu.amount", "1"), log,
                "--input", images.toString() + "/0*", "--weights", "demo", "--method", "gradcam", "--save", "none",
                "--images-per-task", "1", "--progress-seconds", "0", "--task-log", taskLog.toString(), "--out", out.toString());
        try {
            assertTrue(job.waitFor(10, TimeUnit.MINUTES), "the job did not finish");
        } finally {
            job.destroyForcibly();
        }
        assertEquals(0, job.exitValue(), Files.readString(log));
        List<Row> rows = LocalSpark.get().read().parquet(out.resolve(ExplainJob.PARQUET).toString()).collectAsList();
        assertEquals(10, rows.size());
        Set<String> announced = Set.of("0", "1", "2", "3");
        for (Row r : rows) {
            assertTrue(announced.contains((String) r.getAs("gpu_address")), "address " + r.getAs("gpu_address"));
            assertEquals("cpu", r.getAs("device"));
        }
        // every executor logs, per address it was given, the policy's choice and the reason for the CPU
        String logs = cluster.executorLogs();
        Matcher m = Pattern.compile("GPU address (\\d) assigned by Spark; device policy auto: using the CPU: (.+)").matcher(logs);
        Set<String> logged = new HashSet<>();
        while (m.find()) {
            logged.add(m.group(1));
            assertTrue(m.group(2).contains("native library"), m.group(2));
        }
        Set<String> used = new HashSet<>();
        for (Row r : rows) used.add(r.getAs("gpu_address"));
        assertTrue(logged.containsAll(used), "logged " + logged + ", used " + used + "\n" + logs);
        assertTrue(used.size() >= 2, "tasks on two executors got their own addresses: " + used);

        // per task: its executor, the address Spark assigned and when it ran. Tasks that ran at the same time on the same
        // executor held different addresses; every task's address went through the device policy, whose CPU fallback
        // (and its reason) is in the task's report and in that executor's own log.
        List<JsonNode> tasks = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(taskLog)) tasks.add(json.readTree(line));
        assertEquals(10, tasks.stream().mapToInt(t -> t.path("images").asInt()).sum(), "every image in some task's report");
        int overlapping = 0;
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode a = tasks.get(i);
            assertTrue(announced.contains(a.path("gpuAddress").asText()), a.toString());
            assertEquals("cpu", a.path("device").asText(), a.toString());
            assertTrue(a.path("fallback").asText().contains("native library"), a.toString());
            String execLog = cluster.executorLog(a.path("executor").asText());
            assertTrue(execLog.contains("GPU address " + a.path("gpuAddress").asText() + " assigned by Spark; device policy auto: using the CPU: "),
                    "executor " + a.path("executor").asText() + " logged no policy decision for its address: " + a);
            for (int j = i + 1; j < tasks.size(); j++) {
                JsonNode b = tasks.get(j);
                boolean together = a.path("executor").asText().equals(b.path("executor").asText())
                        && a.path("startMillis").asLong() < b.path("endMillis").asLong() && b.path("startMillis").asLong() < a.path("endMillis").asLong();
                if (!together) continue;
                overlapping++;
                assertFalse(a.path("gpuAddress").asText().equals(b.path("gpuAddress").asText()), "concurrent tasks share a GPU: " + a + " " + b);
            }
        }
        assertTrue(overlapping > 0, "no two tasks ran at the same time on one executor, so the check above checked nothing: " + tasks);
    }
}
