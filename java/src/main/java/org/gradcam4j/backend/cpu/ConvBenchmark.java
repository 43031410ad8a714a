package org.gradcam4j.backend.cpu;

import com.sun.management.ThreadMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.tensor.Tensor;

/**
 * {@code gradcam4j bench conv}: every 3x3 convolution of a network, direct against Winograd (F(2x2, 3x3); for the
 * forward also F(4x4, 3x3)), forward and backward-data, on random data at the given batch. The kernels alternate
 * within each repetition, so a
 * machine shared with other work slows both alike; the table gives medians of wall time and of this process's
 * CPU time (which a busy machine inflates less), the speed-up in CPU time ("x cpu": direct / the Winograd kernel auto
 * runs, F(2x2) where it runs none), and what
 * {@link ConvAlgorithm#AUTO} picks: the data behind the auto rule.
 */
public final class ConvBenchmark {
    private ConvBenchmark() {}

    public static void run(Architecture arch, int batch, int threads, int warmup, int reps, PrintStream out) {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Sgemm gemm = Sgemm.best();
        out.printf("conv kernels of %s, batch %d, %d thread%s, GEMM %s, %d warm-up + %d timed runs (median; ms wall / ms CPU of all threads)%n",
                arch.name(), batch, threads, threads == 1 ? "" : "s", gemm.name(), warmup, reps);
        out.printf("%-14s %5s %5s %4s | %-15s %-15s %-15s %6s %4s | %-15s %-15s %6s %4s%n", "layer", "cin", "cout", "S",
                "fwd direct", "fwd F(2x2)", "fwd F(4x4)", "x cpu", "auto", "bwd direct", "bwd winograd", "x cpu", "auto");
        double[] tot = new double[8];
        try (Workers workers = new Workers(threads)) {
            LayerOps ops = new LayerOps(workers, gemm);
            WinogradConv wino = new WinogradConv(workers, gemm);
            Winograd4Conv wino4 = new Winograd4Conv(workers, gemm);
            SplittableRandom rnd = new SplittableRandom(1);
            for (LayerSpec l : arch.layers()) {
                if (l.kind() != LayerKind.CONV3X3) continue;
                int cin = l.inChannels(), cout = l.outChannels(), s = l.inSize();
                Tensor kernel = Tensor.zeros(cout, cin, 3, 3);
                for (int i = 0; i < kernel.size(); i++) kernel.data()[i] = (float) (rnd.nextDouble() - 0.5);
                ConvWeights cw = new ConvWeights(kernel, Tensor.zeros(cout));
                boolean even = WinogradConv.supports(s);
                WinogradWeights ww = even ? new WinogradWeights(kernel) : null;
                java.nio.FloatBuffer u4 = Winograd4Conv.supports(s) ? Winograd4Conv.transform(kernel) : null;
                Act x = random(cin, batch, s, rnd), y = random(cout, batch, s, rnd);
                Act dx = random(cin, batch, s, rnd), dy = random(cout, batch, s, rnd);
                double[][] f = alternate(mx, warmup, reps, () -> ops.convForward(x, y, cw, true),
                        even ? () -> wino.forward(x, y, ww, cw.bias, true) : null,
                        u4 != null ? () -> wino4.forward(x, y, u4, cw.bias, true) : null);
                double[][] b = alternate(mx, warmup, reps, () -> ops.convBackwardData(dy, dx, cw),
                        even ? () -> wino.backwardData(dy, dx, ww) : null);
                boolean af4 = ConvAlgorithm.AUTO.winograd4Forward(cin, cout, s), af = af4 || ConvAlgorithm.AUTO.winogradForward(cin, cout, s);
                boolean ab = ConvAlgorithm.AUTO.winogradBackwardData(cin, cout, s);
                double[] fAuto = af4 ? f[2] : af ? f[1] : f[0], fBest = af4 ? f[2] : f[1];
                out.printf("%-14s %5d %5d %4d | %-15s %-15s %-15s %6s %4s | %-15s %-15s %6s %4s%n", l.name(), cin, cout, s,
                        ms(f[0]), ms(f[1]), ms(f[2]), fBest == null ? "-" : String.format("%.2fx", f[0][1] / fBest[1]),
                        af4 ? "F4x4" : af ? "F2x2" : "dir",
                        ms(b[0]), ms(b[1]), speed(b), pick(ab));
                tot[0] += f[0][0]; tot[1] += f[0][1];
                tot[2] += fAuto[0]; tot[3] += fAuto[1];
                tot[4] += b[0][0]; tot[5] += b[0][1];
                tot[6] += (ab ? b[1] : b[0])[0]; tot[7] += (ab ? b[1] : b[0])[1];
            }
        }
        out.printf("%-31s | %-15s %-15s %-15s %6s %4s | %-15s %-15s %6s%n", "sum (2nd column: as auto picks)",
                ms(new double[] {tot[0], tot[1]}), ms(new double[] {tot[2], tot[3]}), "", String.format("%.2fx", tot[1] / tot[3]), "",
                ms(new double[] {tot[4], tot[5]}), ms(new double[] {tot[6], tot[7]}), String.format("%.2fx", tot[5] / tot[7]));
    }

    /** Medians {wall ms, CPU ms} of each kernel (null: not applicable, and null in the result), run alternately. */
    private static double[][] alternate(ThreadMXBean mx, int warmup, int reps, Runnable... kernels) {
        int k = kernels.length;
        for (int i = 0; i < warmup; i++) for (Runnable w : kernels) if (w != null) w.run();
        double[][] wall = new double[k][reps], cpu = new double[k][reps];
        for (int r = 0; r < reps; r++) {
            for (int j = 0; j < k; j++) {
                if (kernels[j] == null) continue;
                long c0 = cpuNanos(mx), t0 = System.nanoTime();
                kernels[j].run();
                wall[j][r] = (System.nanoTime() - t0) / 1e6;
                cpu[j][r] = (cpuNanos(mx) - c0) / 1e6;
            }
        }
        double[][] out = new double[k][];
        for (int j = 0; j < k; j++) out[j] = kernels[j] == null ? null : new double[] {median(wall[j]), median(cpu[j])};
        return out;
    }

    /**
     * CPU time of all this process's threads (the workers and the caller), summed per thread: nanosecond
     * resolution, where the process total moves in 10 ms ticks on Linux.
     */
    static long cpuNanos(ThreadMXBean threads) {
        long sum = 0;
        for (long t : threads.getThreadCpuTime(threads.getAllThreadIds())) if (t > 0) sum += t;
        return sum;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String ms(double[] t) { return t == null ? "-" : String.format("%6.1f / %6.1f", t[0], t[1]); }

    private static String speed(double[][] t) { return t[1] == null ? "-" : String.format("%.2fx", t[0][1] / t[1][1]); }

    private static String pick(boolean winograd) { return winograd ? "wino" : "dir"; }

    private static Act random(int channels, int batch, int size, SplittableRandom rnd) {
        Act a = new Act(Buffers.allocate(Act.floats(channels, batch, size, true), "benchmark"), channels, batch, size, true);
        for (int c = 0; c < channels; c++) {
            for (int b = 0; b < batch; b++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) a.buf.put(a.at(c, b, y, x), (float) (rnd.nextDouble() - 0.5));
                }
            }
        }
        return a;
    }
}
