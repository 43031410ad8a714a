package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
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
        description = "OpenBLAS " + openblas_nolapack.OPENBLAS_VERSION.strip() + " (" + openblas_nolapack.OPENBLAS_CHAR_CORENAME + " build)";
    }

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
