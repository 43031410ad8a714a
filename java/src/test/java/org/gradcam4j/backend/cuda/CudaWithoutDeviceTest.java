package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.gradcam4j.explain.Device;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The native library on a machine without a usable GPU (built here by tools/build-native.sh; skipped when it is
 * not built, and on GPU machines): it loads, answers "no device", and turns CUDA failures into exceptions that
 * name the failing call. The backend and the explainer's device choice follow the status.
 */
class CudaWithoutDeviceTest {
    private static void assumeLibraryWithoutDevice() {
        NativeLibrary.LoadResult lib = NativeLibrary.load();
        assumeTrue(lib.loaded(), () -> "native library not built (tools/build-native.sh): " + lib.summary());
        assumeTrue(CudaNative.deviceCount() == 0, "a CUDA device is present (the gpu-tagged tests cover it)");
    }

    private static Model tinyModel() {
        Architecture arch = Architecture.custom("tiny", 32, new int[] {1, 1, 1, 1, 1}, new int[] {4, 4, 8, 8, 8},
                new int[] {16, 12}, 10, Head.FC, 0);
        return RandomWeights.model(arch, 3);
    }

    @Test
    void theLibraryLoadsAndReportsNoDevice() {
        assumeLibraryWithoutDevice();
        CudaRuntime.Status s = CudaRuntime.status();
        assertTrue(s.libraryLoaded());
        assertTrue(s.buildInfo().startsWith("gradcam4j_native: CUDA runtime "), s.buildInfo());
        assertTrue(s.runtimeVersion() >= 12000, "runtime " + s.runtimeVersion());
        assertFalse(s.hasDevice());
        assertFalse(s.available());
        assertTrue(s.reason().startsWith("no CUDA device"), s.reason());
        assertEquals(s.problem(), s.deviceProblem());
    }

    @Test
    void aCudaFailureBecomesACudaExceptionNamingTheCall() {
        assumeLibraryWithoutDevice();
        CudaException e = assertThrows(CudaException.class, () -> CudaNative.selfTest(0, true));
        assertEquals("cudaGetDeviceCount(&count)", e.failingCall().orElseThrow(() -> new AssertionError(e.getMessage())));
        assertEquals("CUDA", e.api().orElseThrow());
        assertTrue(e.location().orElseThrow().startsWith("jni_kernels.cpp:"), e.getMessage());
        assertFalse(e instanceof CudaOutOfMemoryException);
    }

    /** The engine's entry points, the new ones included, are linked and refuse a null handle with an exception. */
    @Test
    void theEngineEntryPointsLinkAndRefuseANullHandle() {
        assumeLibraryWithoutDevice();
        assumeTrue(CudaRuntime.status().cudnnEngineBuilt(), "the native library was built without the cuDNN engine");
        List<Executable> calls = List.of(
                () -> CudnnEngineNative.camMaps(0, 0, new float[10], 1, new int[1], 0, new int[] {0}, null, 4, 1e-6f, 1e-7f,
                        new int[0], new int[0], new float[4][]),
                () -> CudnnEngineNative.inputBuffer(0, 4),
                () -> CudnnEngineNative.forwardStaged(0, 1, 0),
                () -> CudnnEngineNative.slotBuffer(0, 1, 4),
                () -> CudnnEngineNative.uploadSlot(0, 0, 1),
                () -> CudnnEngineNative.forwardSlot(0, 1, 1, 0),
                () -> CudnnEngineNative.upload(0, 0, new float[1], null),
                () -> CudnnEngineNative.forwardFrom(0, 0, new float[4], 1, new float[10]),
                () -> CudnnEngineNative.forwardAblated(0, 0, 0, 0, 0, 1, new float[10]),
                () -> CudnnEngineNative.forwardCopies(0, 1, new float[4], 0, 1, 0, new float[3], new int[0], new double[1], 0),
                () -> CudnnEngineNative.uploadNoise(0, 1, 1, new float[4]));
        for (Executable call : calls) {
            CudaException e = assertThrows(CudaException.class, call);
            assertTrue(e.getMessage().contains("null cuDNN network"), e.getMessage());
        }
    }

    /** The double-buffered input's entry points check their arguments (before the handle) with an exception. */
    @Test
    void theInputSlotEntryPointsRefuseBadArguments() {
        assumeLibraryWithoutDevice();
        assumeTrue(CudaRuntime.status().cudnnEngineBuilt(), "the native library was built without the cuDNN engine");
        List<Bad> calls = List.of(
                new Bad(() -> CudnnEngineNative.slotBuffer(0, 2, 4), "input slot 2 out of range (0..1)"),
                new Bad(() -> CudnnEngineNative.slotBuffer(0, -1, 4), "input slot -1 out of range (0..1)"),
                new Bad(() -> CudnnEngineNative.slotBuffer(0, 0, 0), "input buffer size must be positive, got 0"),
                new Bad(() -> CudnnEngineNative.uploadSlot(0, 5, 1), "input slot 5 out of range (0..1)"),
                new Bad(() -> CudnnEngineNative.uploadSlot(0, 0, 0), "batch size must be positive, got 0"),
                new Bad(() -> CudnnEngineNative.forwardSlot(0, 2, 1, 0), "input slot 2 out of range (0..1)"),
                new Bad(() -> CudnnEngineNative.forwardSlot(0, 1, -3, 0), "batch size must be positive, got -3"));
        assertRefused(calls);
    }

    /** The device-side copies' and forward-from entry points check their arguments (before the handle). */
    @Test
    void theCopyAndForwardFromEntryPointsRefuseBadArguments() {
        assumeLibraryWithoutDevice();
        assumeTrue(CudaRuntime.status().cudnnEngineBuilt(), "the native library was built without the cuDNN engine");
        List<Bad> calls = List.of(
                new Bad(() -> CudnnEngineNative.forwardFrom(0, 0, new float[4], 0, new float[10]), "batch size must be positive, got 0"),
                new Bad(() -> CudnnEngineNative.forwardFrom(0, 0, null, 1, new float[10]), "activations is null"),
                new Bad(() -> CudnnEngineNative.forwardAblated(0, 0, 0, 0, 0, 0, new float[10]), "batch size must be positive, got 0"),
                new Bad(() -> CudnnEngineNative.forwardAblated(0, 0, 0, 0, 0, 1, null), "logits is null"),
                new Bad(() -> CudnnEngineNative.forwardCopies(0, 7, new float[4], 0, 1, 0, null, new int[0], new double[0], 0),
                        "unknown copy kind 7"),
                new Bad(() -> CudnnEngineNative.forwardCopies(0, 2, new float[4], 0, 0, 0, null, new int[0], new double[0], 0),
                        "batch size must be positive, got 0"),
                new Bad(() -> CudnnEngineNative.forwardCopies(0, 2, new float[4], -1, 1, 0, null, new int[0], new double[0], 0),
                        "first copy must not be negative, got -1"),
                new Bad(() -> CudnnEngineNative.uploadNoise(0, 1, 0, new float[4]), "batch size must be positive, got 0"));
        assertRefused(calls);
    }

    /** A native call and the words its refusal must contain. */
    private record Bad(Executable call, String message) {}

    private static void assertRefused(List<Bad> calls) {
        for (Bad b : calls) {
            CudaException e = assertThrows(CudaException.class, b.call());
            assertTrue(e.getMessage().contains(b.message()), e.getMessage());
        }
    }

    @Test
    void theGpuSolversRefuseWithTheStatusReason() {
        assumeLibraryWithoutDevice();
        CudaSolvers.Operator op = new CudaSolvers.Operator(2, new int[] {0, 1}, new int[] {0}, new float[] {1});
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> CudaSolvers.solveSeed(0, op, 1, new double[] {1}, new double[] {0.1, 0.01, 1e-3, 0.9, 0.999, 1e-8}, 10));
        assertTrue(e.getMessage().startsWith("no CUDA device"), e.getMessage());
        // and the JNI entry point itself, below the Java check: a CUDA error named, not a crash
        CudaException native_ = assertThrows(CudaException.class, () -> CudaSolverNative.solveSeed(0, 2, new int[] {0, 1}, new int[] {0},
                new float[] {1}, 1, new double[] {1}, new double[] {0.1, 0.01, 1e-3, 0.9, 0.999, 1e-8}, 10, new float[4], new double[5]));
        assertEquals("CUDA", native_.api().orElseThrow(() -> new AssertionError(native_.getMessage())));
    }

    @Test
    void theBackendRefusesWithTheStatusReason() {
        CudaRuntime.Status s = CudaRuntime.status();
        assumeFalse(s.available(), "CUDA is available here");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, CudaBackend::open);
        assertEquals(s.reason(), e.getMessage());
    }

    @Test
    void deviceCudaIsAClearErrorAndAutoFallsBackToTheCpu() {
        CudaRuntime.Status s = CudaRuntime.status();
        assumeFalse(s.available(), "CUDA is available here");
        Model m = tinyModel();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Explainer.of(m, Explainer.Options.defaults().withDevice(Device.CUDA)));
        assertTrue(e.getMessage().startsWith("device cuda: " + s.reason()), e.getMessage());
        try (Explainer ex = Explainer.of(m, Explainer.Options.defaults().withDevice(Device.AUTO).withThreads(1))) {
            assertEquals("cpu", ex.backend().name());
        }
    }
}
