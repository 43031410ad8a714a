package org.gradcam4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system Python ({@code /usr/bin/python3}, the one with numpy and torch installed) from tests that
 * cross-check against numpy or PyTorch. Tests call {@link #assumeModules} first, so they skip, not fail, on
 * machines without it.
 */
public final class SystemPython {
    public static final Path PYTHON = Path.of("/usr/bin/python3");

    private SystemPython() {}

    /** Exit status and combined stdout + stderr of one run. */
    public record Result(int exitCode, String output) {}

    /** Skips the calling test unless the system Python exists and imports every module named. */
    public static void assumeModules(String... modules) {
        assumeTrue(Files.isExecutable(PYTHON), PYTHON + " not found");
        String code = "import " + String.join(", ", modules);
        Result r;
        try {
            r = run(120, "-c", code);
        } catch (IOException e) {
            r = new Result(-1, e.toString());
        }
        assumeTrue(r.exitCode() == 0, PYTHON + " cannot import " + String.join(", ", modules) + ": " + r.output());
    }

    /** Runs the system Python with {@code args}; fails on timeout. */
    public static Result run(int timeoutSeconds, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(PYTHON.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // keep the user's site and PYTHONPATH out: the run must see the system packages only
        pb.environment().remove("PYTHONPATH");
        pb.environment().remove("PYTHONHOME");
        pb.environment().put("PYTHONNOUSERSITE", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Path log = Files.createTempFile("gradcam4j-python", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("python timed out after " + timeoutSeconds + " s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** The repository root (where {@code tools/} lives): the first ancestor of the working directory with a pom.xml. */
    public static Path repoRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q.resolve("pom.xml")) && Files.isDirectory(q.resolve("tools"))) return q;
        }
        return p;
    }
}
