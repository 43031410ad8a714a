package org.gradcam4j.bench;

import java.util.Arrays;

/** Median-of-repetitions timing, the one way every benchmark here measures. */
public final class Timing {
    private Timing() {}

    public interface Work { void run() throws Exception; }

    /** Runs {@code warmup} untimed and {@code reps} timed repetitions; returns the seconds of each timed one. */
    public static double[] measure(Work w, int warmup, int reps) {
        try {
            for (int i = 0; i < warmup; i++) w.run();
            double[] t = new double[reps];
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                w.run();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
            return t;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
