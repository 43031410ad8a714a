package org.gradcam4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's bookkeeping that needs no Spark session: task counts, and the clean-up of killed attempts' temporaries. */
class JobHousekeepingTest {
    @TempDir
    Path tmp;

    /**
     * About {@code perTask} images a task, at least one task per core, whole waves of tasks (a lone last task would
     * leave the other cores idle while it finishes), never more tasks than images.
     */
    @Test
    void tasksComeInWholeWaves() {
        assertEquals(2, ExplainJob.partitions(40, 32, 2));     // 2 by size, already a whole wave
        assertEquals(12, ExplainJob.partitions(336, 32, 2));   // 11 by size, rounded up to a whole wave of 2
        assertEquals(32, ExplainJob.partitions(1008, 32, 2));
        assertEquals(8, ExplainJob.partitions(100, 32, 8));    // one wave: at least a task per core
        assertEquals(3, ExplainJob.partitions(3, 32, 8));      // no task without an image
        assertEquals(1, ExplainJob.partitions(1, 32, 2));
        assertEquals(6, ExplainJob.partitions(130, 32, 3));    // 5 by size, rounded up to 2 waves of 3
    }

    /**
     * Every {@code .NAME.ATTEMPT.tmp} in the image folders goes, whatever its depth; complete files, other hidden files
     * and everything inside the Parquet dataset (which Spark's committer owns) stay.
     */
    @Test
    void temporariesOfKilledAttemptsAreRemovedAndNothingElse() throws Exception {
        Path out = tmp.resolve("out");
        Path a = Files.createDirectories(out.resolve("img001")), b = Files.createDirectories(out.resolve("sub").resolve("img002"));
        Path parquet = Files.createDirectories(out.resolve(ExplainJob.PARQUET));
        Path[] stale = {a.resolve(".summary.json.0-1-7.tmp"), b.resolve(".gradcam.png.0-3-9.tmp")};
        Path[] kept = {a.resolve("summary.json"), a.resolve(".hidden"), b.resolve("gradcam.png"), parquet.resolve(".part-0.0-1-7.tmp"),
                parquet.resolve("part-0.parquet"), out.resolve("submission.txt")};
        for (Path p : stale) Files.writeString(p, "half");
        for (Path p : kept) Files.writeString(p, "done");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        SideFiles.removeTemporaries(fs, new org.apache.hadoop.fs.Path(out.toUri()), ExplainJob.PARQUET);
        for (Path p : stale) assertFalse(Files.exists(p), p + " is left");
        for (Path p : kept) assertTrue(Files.exists(p), p + " was removed");
        SideFiles.removeTemporaries(fs, new org.apache.hadoop.fs.Path(tmp.resolve("none").toUri()), ExplainJob.PARQUET);   // no folder: nothing to do
    }
}
