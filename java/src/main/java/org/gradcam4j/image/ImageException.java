package org.gradcam4j.image;

/**
 * An image that cannot be used. The message always starts with the file (or display name) and says
 * what is wrong in words a user can act on; {@link #problem()} classifies it for callers that map
 * problems to exit codes.
 */
public class ImageException extends RuntimeException {

    /** What kind of problem it is. */
    public enum Problem {
        /** The file does not exist. */
        NOT_FOUND,
        /** The file exists but cannot be read (a directory, no permission, an I/O error). */
        UNREADABLE,
        /** Zero bytes. */
        EMPTY,
        /** No decoder recognises the bytes: not an image, or a format gradcam4j does not read. */
        NOT_AN_IMAGE,
        /** A recognised format whose data is damaged or cut short. */
        CORRUPT,
        /** Width, height or pixel count over the configured limit; refused before decoding. */
        TOO_LARGE,
        /** The image does not fit the requested input geometry (resize mode {@code none}). */
        WRONG_SIZE
    }

    private final String source;
    private final Problem problem;

    public ImageException(String source, Problem problem, String message) {
        super(source + ": " + message);
        this.source = source;
        this.problem = problem;
    }

    public ImageException(String source, Problem problem, String message, Throwable cause) {
        super(source + ": " + message, cause);
        this.source = source;
        this.problem = problem;
    }

    /** The file or display name the problem is in. */
    public String source() { return source; }

    public Problem problem() { return problem; }
}
