package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.RandomWeights;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On a GPU (run with -Pgpu, or tools/gpu-session.sh): the kernels pass their parity suite through JNI, the device
 * queries answer, and the cuDNN engine's context opens and closes. Skipped, not failed, without a device.
 */
@Tag("gpu")
class CudaGpuTest {
    private static final CudaRuntime.Status status = CudaRuntime.status();

    /** Per test rather than @BeforeAll, so reports count each test as skipped. */
    @BeforeEach
    void device() {
        assumeTrue(status.hasDevice(), status::reason);
    }

    @Test
    void quickSelfTestPasses() {
        String table = CudaRuntime.selfTest(0, true);
        String last = table.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("overall: PASS"), table);
    }

    @Test
    void deviceQueriesAnswer() {
        CudaRuntime.Device d = status.devices().get(0);
        assertFalse(d.name().isBlank());
        assertTrue(d.major() >= 8, "the build targets sm_80 and later: " + d.describe());
        assertTrue(d.totalMemory() > (1L << 30), d.describe());
        assertTrue(status.driverVersion() >= status.runtimeVersion(), "driver " + status.driverVersion());
    }

    @Test
    void aBadDeviceIndexIsACudaException() {
        assertThrows(CudaException.class, () -> CudaNative.deviceName(status.devices().size()));
    }

    @Test
    void theEngineContextOpensReportsVersionsAndClosesOnce() {
        assumeTrue(status.cudnnEngineBuilt(), "library built without the cuDNN engine");
        CudnnContext c = CudnnContext.create(0);
        try (c) {
            assertTrue(c.versions().startsWith("cuDNN 9"), c.versions());
        }
        c.close();  // idempotent: freeing twice would crash the JVM
        assertThrows(IllegalStateException.class, c::versions);
    }

    @Test
    void theEngineAgreesWithTheCpuBackendOnItsSelfCheck() {
        assumeTrue(status.available(), () -> status.reason());
        try (CudaBackend b = CudaBackend.open(0, CudaPrecision.FP32)) {
            assertEquals("cuda", b.name());
            assertTrue(b.description().contains("cuDNN"), b.description());
            CudaSelfCheck.Report r = CudaSelfCheck.run(b);
            assertTrue(r.passed(), r.summary());
            Architecture arch = Architecture.custom("tiny", 32, new int[] {1, 1, 1, 1, 1}, new int[] {4, 4, 8, 8, 8},
                    new int[] {16, 12}, 10, Head.FC, 0);
            b.load(RandomWeights.model(arch, 1)).close();
        }
    }
}
