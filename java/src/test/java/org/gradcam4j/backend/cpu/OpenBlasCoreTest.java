package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The OpenBLAS label names the kernels OpenBLAS runs, read at run time, not the library's compile-time baseline. The
 * independent reference is OpenBLAS's own override: a JVM started with OPENBLAS_CORETYPE=X must report X's kernels
 * (OpenBLAS's DYNAMIC_ARCH loader picks the table named there instead of the one cpuid suggests). Linux x86-64 only,
 * where the bundled library is a DYNAMIC_ARCH build; skipped where OpenBLAS does not load.
 */
class OpenBlasCoreTest {
    @Test
    void labelNamesTheRuntimeKernels() throws Exception {
        assumeTrue("Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch")), "linux-x86_64 only");
        assumeTrue(Sgemm.best() instanceof OpenBlasSgemm, "OpenBLAS does not load here");
        String core = OpenBlasSgemm.runtimeCore();
        assertNotNull(core, "runtime core of the bundled DYNAMIC_ARCH OpenBLAS");
        String name = Sgemm.best().name();
        assertTrue(name.contains("(" + core + " kernels)"), name);
        assertFalse(name.contains("build"), name);
        // both need no more than AVX (every x86-64 CPU this project targets has it); only the label is read, nothing runs
        for (String forced : new String[] {"Sandybridge", "Nehalem"}) {
            assertEquals(forced.toUpperCase(java.util.Locale.ROOT), coreIn(forced), "OPENBLAS_CORETYPE=" + forced);
        }
    }

    /** What a fresh JVM with OPENBLAS_CORETYPE=forced reports. */
    private static String coreIn(String forced) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Child.class.getName()).redirectErrorStream(true);
        pb.environment().put("OPENBLAS_CORETYPE", forced);
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
            assertEquals(0, p.exitValue(), out);
            String[] lines = out.split("\n");
            return lines[lines.length - 1].strip();
        } finally {
            p.destroyForcibly();
        }
    }

    /** Prints the runtime core. */
    static final class Child {
        public static void main(String[] args) {
            System.out.println(OpenBlasSgemm.runtimeCore());
        }
    }
}
