package org.gradcam4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplacesLeavingNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("sub/out.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        AtomicFiles.write(target, out -> {
            for (int i = 0; i < 100_000; i++) out.write(i);
            out.close(); // harmless: the stream stays open for the rename
        });
        byte[] b = Files.readAllBytes(target);
        assertEquals(100_000, b.length);
        assertEquals((byte) 99_999, b[99_999]);
        assertEquals(List.of("out.bin"), names(dir.resolve("sub")));
    }

    @Test
    void failingWriterLeavesTheOldFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("keep.txt");
        AtomicFiles.write(target, "old content".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[70_000]); // more than the buffer: part of it reached the temporary file
            throw new IOException("disk on fire");
        }));
        assertEquals("disk on fire", e.getMessage());
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of("keep.txt"), names(dir));

        // unchecked failures too, and for a target that did not exist yet
        Path fresh = dir.resolve("fresh.txt");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(fresh, out -> {
            out.write(1);
            throw new IllegalStateException("bug");
        }));
        assertFalse(Files.exists(fresh));
        assertEquals(List.of("keep.txt"), names(dir));
    }
}
