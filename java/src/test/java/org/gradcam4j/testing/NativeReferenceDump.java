package org.gradcam4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code build/native/bin/gradcam4j_reference_check --dump DIR}: the GPU kernel suite's own seeded cases with the
 * C++ references' outputs, as .npy folders, for the tests that recompute them with the Java implementation. Skips
 * (an assumption) where the native build does not exist; no GPU needed.
 */
public final class NativeReferenceDump {
    private NativeReferenceDump() {}

    /** Dumps into {@code dir}, with further arguments of the reference check (e.g. epsilons). */
    public static void into(Path dir, String... args) throws IOException, InterruptedException {
        Path exe = SystemPython.repoRoot().resolve("build/native/bin/gradcam4j_reference_check");
        assumeTrue(Files.isExecutable(exe), "no native build (" + exe + "): build it with tools/build-native.sh");
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--dump", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "reference check did not finish");
        assertEquals(0, p.exitValue(), out);
    }
}
