package org.gradcam4j;

/**
 * The caller's input is invalid: an option or argument value, a name (method, layer, class, architecture), or the
 * contents of a file the user supplied (a submission, a ground-truth file, a checkpoint). The message names the input
 * and what is wrong with it.
 *
 * <p>It is an {@link IllegalArgumentException}, so API callers that catch that keep working; the difference matters
 * to the command line, which reports this exception as bad usage (exit 2) and any other
 * {@code IllegalArgumentException} as an internal error (exit 4): a violated precondition inside the library is a
 * bug, not something the user can fix by changing the command.
 */
public class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
