package org.gradcam4j.backend.cuda;

/**
 * The native methods of {@code native/jni_cudnn_engine.cpp}, present in the library only when it was built with
 * cuDNN 9 and cuBLAS ({@link CudaRuntime.Status#cudnnEngineBuilt()}); calling them otherwise fails with
 * {@link UnsatisfiedLinkError}. A context (stream + cuDNN + cuBLAS handles on one device) is owned by exactly one
 * {@link CudnnContext}.
 */
final class CudnnEngineNative {
    private CudnnEngineNative() {}

    /** A new context on {@code device}; the handle is never 0. */
    static native long createContext(int device);

    /** "cuDNN &lt;runtime&gt; (built against &lt;header&gt;), cuBLAS &lt;version&gt;". */
    static native String libraryVersions(long context);

    /** Frees the context; Java guarantees at most once per handle. */
    static native void freeContext(long context);
}
