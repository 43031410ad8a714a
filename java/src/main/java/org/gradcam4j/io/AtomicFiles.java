package org.gradcam4j.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes output files so that no reader, and no later resume, ever sees a half-written one: the content
 * goes to a hidden temporary file in the target's directory, is flushed to disk, and is then renamed over the
 * target in one step. When anything fails the temporary file is removed and an existing target is untouched.
 */
public final class AtomicFiles {
    private static final int MAX_NAME_IN_TEMP = 100;

    /** Writes the file's content to a stream; the stream must not be closed by the writer (closing is harmless). */
    @FunctionalInterface
    public interface StreamWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /** Replaces {@code target} with {@code bytes}, creating parent directories as needed. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Replaces {@code target} with what {@code writer} writes, creating parent directories as needed. */
    public static void write(Path target, StreamWriter writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = createTemp(dir, abs.getFileName().toString());
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream buffered = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                writer.writeTo(new KeepOpen(buffered));
                buffered.flush();
                channel.force(true);
            }
            move(tmp, abs);
            moved = true;
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /** The temporary files {@link #write} creates: {@code .<name>.<hex>.tmp}. */
    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\..+\\.[0-9a-f]{1,16}\\.tmp");

    /**
     * Deletes the temporary files of {@link #write}'s naming in {@code dir} (not below it), left by a process that was
     * killed while writing. Call it only where no other writer can be at work (the caller holds the folder's lock).
     *
     * @return how many were deleted; 0 when {@code dir} does not exist
     */
    public static int removeStaleTemporaries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        int n = 0;
        try (var entries = Files.newDirectoryStream(dir, p -> TEMPORARY.matcher(p.getFileName().toString()).matches()
                && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
            for (Path p : entries) if (Files.deleteIfExists(p)) n++;
        }
        return n;
    }

    /**
     * A new empty file named {@code .<name>.<random>.tmp} in {@code dir} (dot-prefixed: hidden from globs of outputs),
     * with the default permissions (umask), for writers that need a path rather than a stream (HDF5 files); the caller
     * renames it into place or deletes it. {@link #removeStaleTemporaries} knows the name.
     */
    public static Path createTemp(Path dir, String name) throws IOException {
        String stem = name.length() > MAX_NAME_IN_TEMP ? name.substring(0, MAX_NAME_IN_TEMP) : name;
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + stem + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                // created with the default permissions (umask), unlike Files.createTempFile's owner-only ones
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Passes bulk writes straight through (FilterOutputStream would split them into bytes) and ignores close. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { out.flush(); }
    }
}
