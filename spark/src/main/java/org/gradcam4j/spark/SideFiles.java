package org.gradcam4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.gradcam4j.cli.ExplanationWriter;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.image.LoadedImage;

/**
 * Where a task writes the png / npz / summary.json files of its images: {@code OUT/<name>/} on any Hadoop file system.
 * On {@code file:} the CLI's writer writes there directly (each file atomically, by temporary file and rename). On any
 * other file system (HDFS, S3A...) the writer fills a local staging folder of the task, and each file is then copied
 * to {@code OUT/<name>/.<file>.<task attempt>.tmp} and promoted to its name by a rename, summary.json last (it lists
 * the others, so a summary that exists means its image is complete). Before that, the files an earlier run's
 * summary.json listed and this run did not write are removed, as the CLI's writer does in a local folder (another
 * method list or other classes leave nothing of the earlier run behind). Any attempt of a task writes the same bytes, so
 * a retried or speculative attempt replaces a file with an identical one; the temporaries of an attempt killed
 * mid-copy are removed by {@link #removeTemporaries} at the end of the job.
 */
final class SideFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String out;

    /** @param out the output folder, fully qualified ({@code file:/data/out}, {@code hdfs://nn/out}) */
    SideFiles(String out) { this.out = out; }

    /** Whether {@code out} is on the local file system (the writer then writes in place). */
    boolean local() { return "file".equals(new Path(out).toUri().getScheme()); }

    /** A task's writer: opens the file system once, and a staging folder when the output is not local. */
    Task open(ExplanationWriter writer, Configuration conf) {
        return new Task(writer, conf);
    }

    final class Task implements AutoCloseable {
        private final ExplanationWriter writer;
        private final FileSystem fs;
        private final java.nio.file.Path staging;
        private final String attempt;

        private Task(ExplanationWriter writer, Configuration conf) {
            this.writer = writer;
            TaskContext tc = TaskContext.get();
            attempt = tc == null ? "driver-" + ProcessHandle.current().pid() : tc.stageId() + "-" + tc.partitionId() + "-" + tc.taskAttemptId();
            try {
                fs = local() ? null : new Path(out).getFileSystem(conf);
                staging = local() ? null : Files.createTempDirectory("gradcam4j-side-files-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + out + " for the side files", e);
            }
            if (tc != null && staging != null) tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> close());   // a failed task too
        }

        /** Writes the files of one image into {@code OUT/<name>/}. */
        void write(String name, java.nio.file.Path source, LoadedImage image, ImageExplanation r) {
            if (fs == null) {
                writer.write(java.nio.file.Path.of(new Path(out).toUri().getPath()).resolve(name), source, image, r);
                return;
            }
            java.nio.file.Path dir = staging.resolve(name);
            List<String> files = writer.write(dir, source, image, r);
            Path target = new Path(out, name), summary = new Path(target, ExplanationWriter.SUMMARY);
            try {
                List<String> previous = listed(summary);
                fs.delete(summary, false);   // until the new one is in, the image is not complete
                for (String f : files) promote(dir.resolve(f), target, f);
                // as the CLI's writer does in a local folder: the earlier run's files that this one did not rewrite go
                for (String f : ExplanationWriter.superseded(previous, files)) fs.delete(new Path(target, f), false);
                if (Files.isRegularFile(dir.resolve(ExplanationWriter.SUMMARY))) promote(dir.resolve(ExplanationWriter.SUMMARY), target, ExplanationWriter.SUMMARY);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the side files of " + name + " to " + target + ": " + e.getMessage(), e);
            } finally {
                deleteTree(dir);
            }
        }

        /** The files an earlier run's summary.json lists (none when there is none). */
        private List<String> listed(Path summary) throws IOException {
            try (InputStream in = fs.open(summary)) {
                return ExplanationWriter.listedFiles(in);
            } catch (java.io.FileNotFoundException e) {
                return List.of();
            }
        }

        private void promote(java.nio.file.Path local, Path dir, String name) throws IOException {
            Path tmp = new Path(dir, "." + name + "." + attempt + ".tmp"), to = new Path(dir, name);
            try (OutputStream o = fs.create(tmp, true)) {
                Files.copy(local, o);
            }
            if (fs.rename(tmp, to)) return;
            fs.delete(to, false);   // file systems whose rename does not replace (HDFS)
            if (!fs.rename(tmp, to)) {
                if (!fs.exists(to)) throw new IOException("cannot rename " + tmp + " to " + to);
                fs.delete(tmp, false);   // another attempt promoted the same bytes first
            }
        }

        @Override
        public void close() {
            if (staging != null) deleteTree(staging);
        }
    }

    private static void deleteTree(java.nio.file.Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<java.nio.file.Path> s = Files.walk(dir)) {
            for (java.nio.file.Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the staging folder " + dir, e);
        }
    }

    /**
     * Removes the temporary files ({@code .NAME....tmp}) that attempts killed mid-write left in the image folders under
     * {@code out} (one recursive listing, the Parquet dataset left out); complete files are only ever renamed into place,
     * so what remains is exactly the finished outputs.
     */
    static void removeTemporaries(FileSystem fs, Path out, String parquetName) throws IOException {
        if (!fs.exists(out)) return;
        // a walk of plain listStatus calls, asking each entry only its path and kind: the recursive listFiles builds a
        // LocatedFileStatus per file, whose permission Hadoop's local file system reads by running `ls` (one process
        // per file: 10 s at the end of a 1,000-image job)
        List<Path> stale = new ArrayList<>();
        String parquet = new Path(out, parquetName).toUri().getPath();
        java.util.ArrayDeque<Path> dirs = new java.util.ArrayDeque<>(List.of(out));
        while (!dirs.isEmpty()) {
            for (FileStatus st : fs.listStatus(dirs.pop())) {
                Path p = st.getPath();
                if (st.isDirectory()) {
                    if (!p.toUri().getPath().equals(parquet)) dirs.push(p);
                } else if (p.getName().startsWith(".") && p.getName().endsWith(".tmp")) {
                    stale.add(p);
                }
            }
        }
        for (Path p : stale) fs.delete(p, false);
    }
}
