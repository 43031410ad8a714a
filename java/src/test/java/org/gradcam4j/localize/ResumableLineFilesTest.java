package org.gradcam4j.localize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumableLineFilesTest {
    @TempDir Path dir;

    @Test
    void resumesAfterTheLastLineEveryFileCompleted() throws Exception {
        Path a = dir.resolve("a.txt"), list = dir.resolve("a.txt.inputs");
        List<String> inputs = List.of("/x/1.png", "/x/2.png", "/x/3.png");
        try (var f = ResumableLineFiles.open(List.of(a, list), inputs, false)) {
            assertEquals(0, f.done());
            f.append(List.of("line one", "/x/1.png"));
            f.append(List.of("line two", "/x/2.png"));
        }
        // a crash mid-way: the submission got a third, partial line; the list did not
        Files.writeString(a, "line one\nline two\nline thr", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        try (var f = ResumableLineFiles.open(List.of(a, list), inputs, false)) {
            assertEquals(2, f.done());
            f.append(List.of("line three", "/x/3.png"));
        }
        assertEquals(List.of("line one", "line two", "line three"), Files.readAllLines(a));
        // a submission line written but its input not listed: that line is redone
        Files.writeString(list, "/x/1.png\n");
        try (var f = ResumableLineFiles.open(List.of(a, list), inputs, false)) {
            assertEquals(1, f.done());
        }
        assertEquals(List.of("line one"), Files.readAllLines(a));
    }

    @Test
    void refusesOtherInputsAndOverwritesOnRequest() throws Exception {
        Path a = dir.resolve("a.txt"), list = dir.resolve("a.txt.inputs");
        try (var f = ResumableLineFiles.open(List.of(a, list), List.of("/x/1.png"), false)) {
            f.append(List.of("l1", "/x/1.png"));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ResumableLineFiles.open(List.of(a, list), List.of("/y/1.png"), false));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        try (var f = ResumableLineFiles.open(List.of(a, list), List.of("/y/1.png"), true)) {
            assertEquals(0, f.done());
        }
        assertEquals(0, Files.size(a));
    }
}
