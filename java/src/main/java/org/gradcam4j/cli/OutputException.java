package org.gradcam4j.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * An output file or folder that cannot be written (no permission, disk full, a file where a folder should be).
 * It stops the run with exit code 5: every later write would fail the same way.
 */
final class OutputException extends RuntimeException {
    private final Path path;

    OutputException(Path path, IOException cause) {
        super("cannot write " + path + ": " + reason(cause), cause);
        this.path = path;
    }

    OutputException(Path path, String problem) {
        super("cannot write " + path + ": " + problem);
        this.path = path;
    }

    Path path() { return path; }

    /**
     * The operating system's reason without the (temporary) file name that FileSystemException prepends. A wrapper
     * (ImageIO's "I/O error writing PNG file!", a library's own exception) gives way to the innermost IOException it
     * carries, which names the cause ("No space left on device").
     */
    private static String reason(IOException e) {
        while (e.getCause() instanceof IOException inner && inner != e) e = inner;
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "a file of that name is in the way";
        if (e instanceof java.nio.file.NoSuchFileException) return "a parent folder does not exist";
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
