package org.gradcam4j.backend.cpu;

import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.Network;
import org.gradcam4j.model.Model;

/**
 * The pure-Java CPU backend: the reference every other backend is checked against, and the fallback
 * where no GPU exists. Convolutions run as Winograd F(2x2, 3x3) or shifted GEMMs (per layer, see
 * {@link ConvAlgorithm}; {@code -Dgradcam4j.conv=auto|direct|winograd}) on OpenBLAS (pure-Java GEMM if it cannot
 * load) over a padded channel-major layout; work is split over {@code threads} worker threads.
 */
public final class CpuBackend implements Backend {
    private final int threads;
    private final Sgemm gemm;

    /** All available processors. */
    public CpuBackend() { this(Runtime.getRuntime().availableProcessors()); }

    public CpuBackend(int threads) { this(threads, Sgemm.best()); }

    CpuBackend(int threads, Sgemm gemm) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.gemm = gemm;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean PRELOADING = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts loading the native GEMM (OpenBLAS through JavaCPP: about half a second, mostly on one thread) on a
     * background thread, so that it overlaps what the caller does next, typically reading the model file. Once per
     * JVM; a backend created meanwhile waits for it, as for any class initialisation, and a library that cannot load
     * gives the pure-Java GEMM as before.
     */
    public static void preload() {
        if (!PRELOADING.compareAndSet(false, true)) return;
        Thread t = new Thread(Sgemm::best, "gradcam4j-gemm-preload");
        t.setDaemon(true);
        t.start();
    }

    /** A backend on the pure-Java GEMM whatever is installed (tests of the fallback). */
    public static CpuBackend pureJava(int threads) { return new CpuBackend(threads, new JavaSgemm()); }

    public int threads() { return threads; }

    @Override public String name() { return "cpu"; }

    @Override
    public String description() {
        String why = SgemmProvider.fallbackReason;
        return "CPU, " + threads + " thread" + (threads == 1 ? "" : "s") + ", GEMM: " + gemm.name() + (why != null && gemm instanceof JavaSgemm ? " [" + why + "]" : "");
    }

    @Override
    public Network load(Model model) { return new CpuNetwork(model, new Workers(threads), gemm); }
}
