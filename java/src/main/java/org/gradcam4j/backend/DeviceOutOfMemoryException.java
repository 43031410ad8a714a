package org.gradcam4j.backend;

/**
 * A backend's device ran out of memory for one call. The backend stays usable: a caller may retry the work in
 * smaller pieces (the facade splits the batch in halves). Backend-neutral, so that callers need not know which
 * backend they run on; the cause, where there is one, is the backend's own exception.
 */
public class DeviceOutOfMemoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeviceOutOfMemoryException(String message) {
        super(message);
    }

    public DeviceOutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
