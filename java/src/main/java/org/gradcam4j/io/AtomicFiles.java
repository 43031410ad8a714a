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

    /** A new empty file named {@code .<name>.<random>.tmp} (dot-prefixed: hidden from globs of outputs). */
    private static Path createTemp(Path dir, String name) throws IOException {
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
