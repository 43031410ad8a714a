package org.gradcam4j.localize;

import org.gradcam4j.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Several text files written one line per item, in step (one line per image in each submission file, plus a
 * list of the inputs), so that an interrupted run can be resumed: {@link #open} keeps the complete lines that
 * every file has (a line is complete once its {@code \n} is written), cuts anything after them, and appends from
 * there. The last file is the list of inputs (one absolute path per line), which resuming checks against the
 * inputs of the new run, so that lines never end up describing other images. Memory does not grow with the
 * number of lines: files are scanned in blocks and the inputs file is compared line by line.
 */
public final class ResumableLineFiles implements Closeable {
    private final List<FileChannel> channels;
    private final int done;

    private ResumableLineFiles(List<FileChannel> channels, int done) {
        this.channels = channels;
        this.done = done;
    }

    /**
     * @param files      the files; the last one lists the inputs
     * @param inputs     this run's inputs in order (absolute paths)
     * @param overwrite  start every file afresh instead of resuming
     * @throws IllegalArgumentException when the existing files were made from other inputs
     */
    public static ResumableLineFiles open(List<Path> files, List<String> inputs, boolean overwrite) throws IOException {
        List<FileChannel> channels = new ArrayList<>();
        try {
            long complete = Long.MAX_VALUE;
            for (Path f : files) {
                Path parent = f.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channels.add(ch);
                if (overwrite) ch.truncate(0);
                complete = Math.min(complete, completeLines(ch));
            }
            int k = (int) Math.min(complete, inputs.size());
            // the inputs file must list this run's first k inputs
            Path list = files.get(files.size() - 1);
            if (k > 0) {
                try (var r = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
                    for (int i = 0; i < k; i++) {
                        String listed = r.readLine();
                        if (!inputs.get(i).equals(listed)) {
                            throw new InvalidInputException("cannot resume: line " + (i + 1) + " of " + list + " is for " + listed + " but input "
                                    + (i + 1) + " is now " + inputs.get(i) + " (other inputs, or another order); use --overwrite to start again");
                        }
                    }
                }
            }
            for (FileChannel ch : channels) {
                ch.truncate(offsetAfterLines(ch, k));
                ch.position(ch.size());
            }
            return new ResumableLineFiles(channels, k);
        } catch (IOException | RuntimeException e) {
            for (FileChannel ch : channels) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // reporting the first failure
                }
            }
            throw e;
        }
    }

    /** Lines already complete in every file: the items to skip. */
    public int done() { return done; }

    /** Appends one line to each file, in order (the inputs file last), and forces them to disk. */
    public void append(List<String> lines) throws IOException {
        if (lines.size() != channels.size()) throw new IllegalArgumentException(lines.size() + " lines for " + channels.size() + " files");
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.indexOf('\n') >= 0 || l.indexOf('\r') >= 0) throw new IllegalArgumentException("a line must not hold a line break: " + l);
            ByteBuffer b = ByteBuffer.wrap((l + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) channels.get(i).write(b);
            channels.get(i).force(false);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    private static long completeLines(FileChannel ch) throws IOException {
        long n = 0;
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long pos = 0;
        while (true) {
            b.clear();
            int r = ch.read(b, pos);
            if (r <= 0) break;
            for (int i = 0; i < r; i++) if (b.get(i) == '\n') n++;
            pos += r;
        }
        return n;
    }

    /** The byte offset just after line {@code k} (0: the start). */
    private static long offsetAfterLines(FileChannel ch, int k) throws IOException {
        if (k == 0) return 0;
        long n = 0, pos = 0;
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        while (true) {
            b.clear();
            int r = ch.read(b, pos);
            if (r <= 0) break;
            for (int i = 0; i < r; i++) {
                if (b.get(i) == '\n' && ++n == k) return pos + i + 1;
            }
            pos += r;
        }
        throw new UncheckedIOException(new IOException("file has fewer than " + k + " lines"));
    }
}
