package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.gradcam4j.backend.cuda.CudaRuntime;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** On a GPU: {@code info} lists the device and {@code bench kernels --jni --quick} passes. */
@Tag("gpu")
class CudaCommandsGpuTest {
    @Test
    void infoListsTheDeviceAndBenchKernelsPasses() {
        CudaRuntime.Status s = CudaRuntime.status();
        assumeTrue(s.hasDevice(), s::reason);

        CliRun info = CliRun.of("info");
        assertEquals(0, info.exit(), info.toString());
        assertTrue(info.out().contains("devices:\n  " + s.devices().get(0).describe()), info.toString());

        CliRun bench = CliRun.of("bench", "kernels", "--jni", "--quick");
        assertEquals(0, bench.exit(), bench.toString());
        assertTrue(bench.out().contains("overall: PASS"), bench.toString());
    }
}
