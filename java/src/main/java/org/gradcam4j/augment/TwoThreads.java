package org.gradcam4j.augment;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Runs two halves of one pass at once, the second on the common pool, and waits for both: used by a
 * super-resolution solve that has the machine to itself (one problem), whose passes split into halves that write
 * disjoint parts of their output, so the results are those of one thread.
 */
final class TwoThreads {
    private TwoThreads() {}

    static void run(Runnable first, Runnable second) {
        ForkJoinTask<?> t = ForkJoinPool.commonPool().submit(second);
        first.run();
        t.join();
    }
}
