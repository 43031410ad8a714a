package org.gradcam4j.cli;

import java.nio.file.Path;
import org.gradcam4j.io.FileLocks;

/** A second process for {@link FaultCasesTest}: takes the lock file given, says so, and holds it until stdin closes. */
public final class OutLockHolder {
    private OutLockHolder() {}

    public static void main(String[] args) throws Exception {
        try (FileLocks.Held held = FileLocks.tryAcquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the test closes our stdin
            }
        }
    }
}
