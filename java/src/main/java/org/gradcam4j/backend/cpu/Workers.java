package org.gradcam4j.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The CPU backend's worker threads. Work is split into independent tasks (column chunks of a layer)
 * that threads pull from a shared counter, so uneven chunks balance themselves.
 */
final class Workers implements AutoCloseable {
    private final int threads;
    private final ExecutorService pool;

    Workers(int threads) {
        this.threads = Math.max(1, threads);
        AtomicInteger n = new AtomicInteger();
        this.pool = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "gradcam4j-cpu-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    int threads() { return threads; }

    /** Runs {@code task(i)} for i in [0, count), spread over the workers and the calling thread. */
    void forEach(int count, IntConsumer task) {
        if (count <= 0) return;
        if (pool == null || count == 1) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable loop = () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) task.accept(i);
        };
        int helpers = Math.min(threads - 1, count - 1);
        List<Future<?>> fs = new ArrayList<>(helpers);
        for (int h = 0; h < helpers; h++) fs.add(pool.submit(loop));
        Throwable err = null;
        try {
            loop.run();
        } catch (Throwable t) {
            err = t;
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (err == null) err = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (err == null) err = e;
            }
        }
        if (err instanceof RuntimeException re) throw re;
        if (err instanceof Error e) throw e;
        if (err != null) throw new IllegalStateException("CPU worker failed", err);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
