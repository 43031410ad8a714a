package org.gradcam4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock file's life; a second process is refused in FaultCasesTest (two explain runs on one --out). */
class FileLocksTest {
    @TempDir Path dir;

    @Test
    void aSecondHolderInThisJvmIsRefusedAndTheFileGoesWithTheLock() throws IOException {
        Path f = dir.resolve("sub").resolve(".x.lock");
        String pid = String.valueOf(ProcessHandle.current().pid());
        try (FileLocks.Held held = FileLocks.tryAcquire(f)) {
            assertTrue(Files.readString(f).startsWith(pid + " "), "the file holds our pid");
            FileLocks.HeldElsewhereException e = assertThrows(FileLocks.HeldElsewhereException.class,
                    () -> FileLocks.tryAcquire(dir.resolve("sub/../sub/.x.lock")));
            assertEquals(pid, e.holderPid());
            assertTrue(e.getMessage().contains("is locked by process " + pid), e.getMessage());
            assertTrue(Files.exists(f), "refusing the second did not disturb the first");
        }
        assertFalse(Files.exists(f), "released: the lock file is gone");
        try (FileLocks.Held again = FileLocks.tryAcquire(f)) {
            assertTrue(Files.exists(again.file()));
        }
    }

    @Test
    void aStaleLockFileFromAKilledHolderIsSimplyTakenOver() throws IOException {
        Path f = Files.writeString(dir.resolve(".y.lock"), "99999999 0\n"); // the OS dropped its lock when it died
        try (FileLocks.Held held = FileLocks.tryAcquire(f)) {
            assertTrue(Files.readString(f).startsWith(ProcessHandle.current().pid() + " "));
        }
    }
}
