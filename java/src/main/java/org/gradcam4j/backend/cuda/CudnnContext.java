package org.gradcam4j.backend.cuda;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The one Java owner of a native cuDNN engine context (a stream plus cuDNN and cuBLAS handles on one device).
 * {@link #close()} frees it exactly once, however often it is called; any use after that throws
 * {@link IllegalStateException} instead of passing a freed pointer to native code. Close it with
 * try-with-resources. Not safe against a {@code close()} racing a call on another thread: the owner of a context
 * (a {@link CudaBackend}) serialises its use.
 */
public final class CudnnContext implements AutoCloseable {
    private final AtomicLong handle;
    private final int device;
    private final LongConsumer free;

    CudnnContext(long handle, int device, LongConsumer free) {
        if (handle == 0) throw new IllegalArgumentException("null cuDNN engine context");
        this.handle = new AtomicLong(handle);
        this.device = device;
        this.free = free;
    }

    /** A new context on {@code device}; needs a library built with the cuDNN engine. */
    public static CudnnContext create(int device) {
        return new CudnnContext(CudnnEngineNative.createContext(device), device, CudnnEngineNative::freeContext);
    }

    public int device() { return device; }

    /** cuDNN and cuBLAS versions as loaded (not only as compiled against). */
    public String versions() { return CudnnEngineNative.libraryVersions(handle()); }

    /** The native pointer, for the engine's JNI calls. */
    long handle() {
        long h = handle.get();
        if (h == 0) throw new IllegalStateException("the cuDNN engine context on CUDA device " + device + " is closed");
        return h;
    }

    public boolean isClosed() { return handle.get() == 0; }

    @Override
    public void close() {
        long h = handle.getAndSet(0);
        if (h != 0) free.accept(h);
    }
}
