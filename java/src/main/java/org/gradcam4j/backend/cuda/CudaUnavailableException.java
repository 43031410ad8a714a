package org.gradcam4j.backend.cuda;

/** The CUDA backend cannot be opened here; the message is {@link CudaRuntime.Status#reason()}. */
public class CudaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaUnavailableException(String reason) {
        super(reason);
    }
}
