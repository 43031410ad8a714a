package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * SGEMM through OpenBLAS (the JavaCPP preset, whose jar bundles the native library). OpenBLAS is pinned
 * to one thread per call: the backend runs independent calls on its own worker threads, which keeps
 * tiles in each core's cache and avoids OpenBLAS's thread start-up per call on small problems.
 */
final class OpenBlasSgemm implements Sgemm {
    private final String description;

    OpenBlasSgemm() {
        // Loading the class loads the native library; failure surfaces as an Error here.
        org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(1);
        String version = openblas_nolapack.OPENBLAS_VERSION.strip();   // "OpenBLAS 0.3.28"
        String core = runtimeCore();
        description = version + (core != null ? " (" + core + " kernels)"
                : " (built for " + openblas_nolapack.OPENBLAS_CHAR_CORENAME + "; kernels in use unknown)");
    }

    /**
     * The CPU core whose kernels OpenBLAS runs, or null where that cannot be read. The bundled library is a
     * DYNAMIC_ARCH build: OPENBLAS_CHAR_CORENAME is its compile-time baseline (NEHALEM), while the kernels are picked
     * at load time from cpuid (or OPENBLAS_CORETYPE). The binding skips openblas_get_corename, so this does what that
     * function does: compare the library's {@code gotoblas} pointer (the chosen core's kernel table) with the address
     * of each core's table {@code gotoblas_<CORE>}. A library without those symbols (another BLAS loaded through
     * org.bytedeco.openblas.load, or a single-target build) gives null.
     */
    static String runtimeCore() {
        try {
            Loader.load(openblas_nolapack.class);
            Pointer chosen = Loader.addressof("gotoblas");
            if (chosen == null || chosen.isNull()) return null;
            long table = new LongPointer(chosen).get(0);
            if (table == 0) return null;
            for (String core : DYNAMIC_CORES) {
                Pointer p = Loader.addressof("gotoblas_" + core);
                if (p != null && p.address() == table) return core;
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** The x86-64 and arm64 cores of OpenBLAS's DYNAMIC_ARCH builds (its driver/others/dynamic*.c). */
    private static final String[] DYNAMIC_CORES = {
            "SAPPHIRERAPIDS", "COOPERLAKE", "SKYLAKEX", "HASWELL", "ZEN", "SANDYBRIDGE", "NEHALEM", "CORE2", "PENRYN",
            "DUNNINGTON", "ATOM", "PRESCOTT", "BANIAS", "NORTHWOOD", "COPPERMINE", "KATMAI", "ATHLON", "OPTERON",
            "OPTERON_SSE3", "BARCELONA", "BOBCAT", "BULLDOZER", "PILEDRIVER", "STEAMROLLER", "EXCAVATOR",
            "ARMV8", "CORTEXA53", "CORTEXA55", "CORTEXA57", "CORTEXA72", "CORTEXA73", "NEOVERSEN1", "NEOVERSEN2",
            "NEOVERSEV1", "NEOVERSEV2", "A64FX", "THUNDERX", "THUNDERX2T99", "TSV110", "EMAG8180", "FALKOR", "VORTEX"};

    @Override public String name() { return description; }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      FloatBuffer a, int offA, int lda, FloatBuffer b, int offB, int ldb,
                      float beta, FloatBuffer c, int offC, int ldc) {
        if (m == 0 || n == 0) return;
        try (FloatPointer pa = at(a, offA); FloatPointer pb = at(b, offB); FloatPointer pc = at(c, offC)) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                    transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, FloatBuffer a, int offA, int lda, FloatBuffer x, int offX,
                      float beta, FloatBuffer y, int offY) {
        if (m == 0 || n == 0) return;
        try (FloatPointer pa = at(a, offA); FloatPointer px = at(x, offX); FloatPointer py = at(y, offY)) {
            openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor,
                    transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, alpha, pa, lda, px, 1, beta, py, 1);
        }
    }

    private static FloatPointer at(FloatBuffer buf, int off) {
        if (!buf.isDirect()) throw new IllegalArgumentException("OpenBLAS needs direct buffers");
        FloatPointer p = new FloatPointer(buf);
        p.position(off);
        return p;
    }
}
