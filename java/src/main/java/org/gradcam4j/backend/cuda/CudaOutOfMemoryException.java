package org.gradcam4j.backend.cuda;

/**
 * The device ran out of memory. Unlike other {@link CudaException}s this leaves the device usable: a caller may
 * retry with a smaller batch.
 */
public class CudaOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    /** Called from native code (JNI {@code ThrowNew}) with the native error's message. */
    public CudaOutOfMemoryException(String message) {
        super(message);
    }
}
