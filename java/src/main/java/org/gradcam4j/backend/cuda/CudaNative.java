package org.gradcam4j.backend.cuda;

/**
 * The native methods of {@code native/jni_kernels.cpp}, and nothing else: device queries, build information and
 * the kernel self-test. Callers go through {@link CudaRuntime}, which loads the library first ({@link
 * NativeLibrary}) and turns "not loaded" into an answer instead of an {@link UnsatisfiedLinkError}.
 *
 * <p>Every method may throw {@link CudaException} (or {@link CudaOutOfMemoryException}) naming the failing CUDA
 * call; none of them crashes the JVM.
 */
final class CudaNative {
    private CudaNative() {}

    /** One line: CUDA runtime, architectures compiled for, and "cuDNN engine: built" or "not built". */
    static native String buildInfo();

    /** 0 when there is no GPU or no (new enough) driver. */
    static native int deviceCount();

    static native String deviceName(int device);

    /** {major, minor}. */
    static native int[] computeCapability(int device);

    /** Bytes of device memory (from the device properties: no context is created). */
    static native long totalMemory(int device);

    /** CUDA version the driver supports, e.g. 13000 for 13.0; 0 without a driver. */
    /** {free, total} bytes of device memory now. */
    static native long[] memoryInfo(int device);

    static native int driverVersion();

    /** CUDA runtime linked into the library (statically), e.g. 13000. */
    static native int runtimeVersion();

    /** Kernel parity table; the last line is "overall: PASS (...)" or "overall: FAIL (...)". */
    static native String selfTest(int device, boolean quick);
}
