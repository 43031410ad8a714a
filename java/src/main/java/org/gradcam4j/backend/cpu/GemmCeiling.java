package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;

/** Measures the machine's SGEMM throughput (the practical ceiling for convolution work) with the backend's GEMM. */
public final class GemmCeiling {
    private GemmCeiling() {}

    public static String gemmName() { return Sgemm.best().name(); }

    /** GFLOP/s of 2048^3 SGEMMs, the N dimension split over {@code threads} workers as the backend does. */
    public static double measure(int threads) {
        int n = 2048;
        Sgemm g = Sgemm.best();
        FloatBuffer a = Buffers.allocate((long) n * n, "gemm ceiling"), b = Buffers.allocate((long) n * n, "gemm ceiling"),
                c = Buffers.allocate((long) n * n, "gemm ceiling");
        for (int i = 0; i < n * n; i++) {
            a.put(i, (i % 7) * 0.1f);
            b.put(i, (i % 5) * 0.1f);
        }
        try (Workers w = new Workers(threads)) {
            int per = n / threads;
            Runnable once = () -> w.forEach(threads, t -> g.sgemm(false, false, n, per, n, 1f, a, 0, n, b, t * per, n, 0f, c, t * per, n));
            once.run();
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 3; r++) {
                long t0 = System.nanoTime();
                once.run();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return 2.0 * n * n * (double) (per * threads) / best / 1e9;
        }
    }
}
