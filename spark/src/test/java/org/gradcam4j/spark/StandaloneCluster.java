package org.gradcam4j.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A real Spark standalone cluster on this machine: a master and workers, each its own JVM started from the Spark
 * jars the build resolved (a SPARK_HOME that holds only {@code jars/}), everything on 127.0.0.1 with free ports, the
 * master's REST server off, each worker with its own work and local folders; executors are JVMs the workers start.
 * {@link #close()} stops every process it started, executors included.
 */
final class StandaloneCluster implements AutoCloseable {
    /** A worker: cores, and GPU addresses its resource discovery script announces (none: no GPU resource). */
    record WorkerSpec(int cores, List<String> gpus) {}

    final Path dir;
    final Path sparkHome;
    final String masterUrl;
    private final int masterUi;
    private final List<Process> processes = new ArrayList<>();
    final List<Process> workers = new ArrayList<>();
    final List<Path> workDirs = new ArrayList<>();

    StandaloneCluster(Path dir, List<WorkerSpec> specs) throws Exception {
        this.dir = dir;
        Path jars = Path.of(System.getProperty("gradcam4j.spark.jars", "spark/target/spark-jars")).toAbsolutePath();
        if (!Files.isDirectory(jars)) throw new IllegalStateException("no Spark jars at " + jars + " (the build copies them there)");
        sparkHome = dir.resolve("spark-home");
        Files.createDirectories(sparkHome);
        Files.createSymbolicLink(sparkHome.resolve("jars"), jars);
        int port = freePort();
        masterUi = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        try {
            processes.add(start("master", "org.apache.spark.deploy.master.Master", List.of(),
                    "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(masterUi)));
            for (int i = 0; i < specs.size(); i++) {
                WorkerSpec s = specs.get(i);
                Path work = Files.createDirectories(dir.resolve("worker" + i + "-work"));
                Path local = Files.createDirectories(dir.resolve("worker" + i + "-local"));
                workDirs.add(work);
                List<String> props = new ArrayList<>(List.of("-Dspark.local.dir=" + local));
                if (!s.gpus().isEmpty()) {
                    Path script = dir.resolve("gpus" + i + ".sh");
                    String addresses = s.gpus().stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(","));
                    Files.writeString(script, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [" + addresses + "]}'\n");
                    script.toFile().setExecutable(true);
                    props.add("-Dspark.worker.resource.gpu.amount=" + s.gpus().size());
                    props.add("-Dspark.worker.resource.gpu.discoveryScript=" + script);
                }
                Process w = start("worker" + i, "org.apache.spark.deploy.worker.Worker", props,
                        "--host", "127.0.0.1", "--port", String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()),
                        "--cores", String.valueOf(s.cores()), "--memory", "1g", "--work-dir", work.toString(), masterUrl);
                processes.add(w);
                workers.add(w);
            }
            awaitWorkers(specs.size());
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The JVM options Spark needs on Java 17, as spark-submit adds them. */
    static List<String> moduleOptions() {
        return Arrays.asList(JavaModuleOptions.defaultModuleOptionArray());
    }

    /** The environment every process of the cluster gets: loopback only, and the Scala version for executor launch. */
    Map<String, String> environment() {
        return Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.13", "SPARK_LOCAL_IP", "127.0.0.1");
    }

    private Process start(String name, String mainClass, List<String> props, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(moduleOptions());
        cmd.add("-Xmx256m");
        cmd.add("-Dspark.master.rest.enabled=false");
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + File.separator + "*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().putAll(environment());
        return pb.start();
    }

    /** Polls the master's JSON status page until {@code n} workers are alive (a dead process fails at once). */
    private void awaitWorkers(int n) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String last = "";
        for (int i = 0; i < 600; i++) {
            for (Process p : processes) {
                if (!p.isAlive()) throw new IllegalStateException("a cluster process exited: see the logs in " + dir + "\n" + logs());
            }
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (last.contains("\"aliveworkers\" : " + n) || last.contains("\"aliveworkers\":" + n)) return;
            } catch (IOException e) {
                // the master is not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(n + " workers did not register: " + last + "\n" + logs());
    }

    /** The processes' own log files, for failure messages. */
    String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                String t = Files.readString(p);
                sb.append("--- ").append(p.getFileName()).append('\n').append(t, Math.max(0, t.length() - 4000), t.length());
            }
        }
        return sb.toString();
    }

    /** The executor JVMs running under worker {@code i} (the worker's child processes). */
    List<ProcessHandle> executors(int i) {
        return workers.get(i).toHandle().descendants().filter(ProcessHandle::isAlive).toList();
    }

    /** Every executor's stderr log under the workers' work folders (work/APP/EXEC/stderr). */
    String executorLogs() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path w : workDirs) {
            try (Stream<Path> s = Files.walk(w)) {
                for (Path p : s.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList()) {
                    sb.append(Files.readString(p));
                }
            }
        }
        return sb.toString();
    }

    /** The stderr log of executor {@code id} (work/APP/ID/stderr under some worker), or "" when there is none. */
    String executorLog(String id) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path w : workDirs) {
            try (Stream<Path> s = Files.walk(w)) {
                for (Path p : s.filter(p -> p.getFileName().toString().equals("stderr") && p.getParent().getFileName().toString().equals(id)).toList()) {
                    sb.append(Files.readString(p));
                }
            }
        }
        return sb.toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        // the executors are the workers' children: collect them while their parents live, kill them, and wait until
        // each has exited (a killed process stays visible until it is reaped, which takes a moment after its parent dies)
        List<ProcessHandle> descendants = new ArrayList<>();
        for (Process p : processes) descendants.addAll(p.toHandle().descendants().toList());
        descendants.forEach(ProcessHandle::destroyForcibly);
        for (Process p : processes) p.destroyForcibly();
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (ProcessHandle h : descendants) {
            try {
                h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // still alive after a minute: the caller's liveness check reports it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether any process this cluster started is still alive (after close: none must be). */
    boolean anyAlive() {
        Set<ProcessHandle> all = new java.util.HashSet<>();
        for (Process p : processes) {
            all.add(p.toHandle());
        }
        return all.stream().anyMatch(ProcessHandle::isAlive);
    }
}
