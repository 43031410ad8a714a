package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.gradcam4j.backend.cuda.CudaRuntime;
import org.junit.jupiter.api.Test;

/** {@code info} and {@code bench kernels} answer, and exit 0, on a machine without a usable GPU. */
class InfoCommandTest {
    @Test
    void infoListsTheBackendsAndWhyCudaIsUnavailable() {
        CudaRuntime.Status s = CudaRuntime.status();
        CliRun r = CliRun.of("info");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("  cpu:  available"), r.toString());
        if (!s.libraryLoaded()) {
            assertTrue(r.out().contains("native library: not loaded; tried, in order:"), r.toString());
            for (var a : s.library().attempts()) assertTrue(r.out().contains("  - " + a), r.toString());
        } else {
            assertTrue(r.out().contains("native library: " + s.library().path().orElseThrow()), r.toString());
            assertTrue(r.out().contains("CUDA runtime: " + CudaRuntime.version(s.runtimeVersion())), r.toString());
        }
    }

    /** With the library built here (tools/build-native.sh) and no GPU, info says so plainly. */
    @Test
    void infoSaysNoCudaDevice() {
        CudaRuntime.Status s = CudaRuntime.status();
        assumeTrue(s.libraryLoaded(), "native library not built");
        assumeFalse(s.hasDevice(), "a CUDA device is present");
        CliRun r = CliRun.of("info");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("  cuda: unavailable - no CUDA device"), r.toString());
        assertTrue(r.out().contains("devices: none - no CUDA device"), r.toString());
    }

    @Test
    void benchKernelsWithoutADeviceSaysWhyAndExitsZero() {
        CudaRuntime.Status s = CudaRuntime.status();
        assumeFalse(s.hasDevice(), "a CUDA device is present");
        CliRun r = CliRun.of("bench", "kernels");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("bench kernels: skipped - " + s.deviceProblem().orElseThrow()), r.toString());
    }
}
