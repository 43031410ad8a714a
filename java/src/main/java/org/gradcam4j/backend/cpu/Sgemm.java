package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;

/**
 * Single-precision GEMM on direct buffers, row-major: {@code C = alpha * op(A) * op(B) + beta * C} with
 * {@code op(A)} (m x k), {@code op(B)} (k x n), {@code C} (m x n). Offsets are in floats. Calls are
 * single-threaded; the CPU backend parallelises above this level.
 */
public interface Sgemm {
    /** What this implementation is, for logs and benchmarks. */
    String name();

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               FloatBuffer a, int offA, int lda, FloatBuffer b, int offB, int ldb,
               float beta, FloatBuffer c, int offC, int ldc);

    /**
     * Matrix-vector product, row-major {@code A} (m x n): {@code y = alpha * op(A) x + beta * y}, {@code x} and
     * {@code y} contiguous. For a single image the fully-connected layers are exactly this, and a GEMM with one
     * column is far slower at it (OpenBLAS: about 2.5x for VGG's fc1 in a one-off timing); the default falls
     * back to {@link #sgemm}.
     */
    default void sgemv(boolean transA, int m, int n, float alpha, FloatBuffer a, int offA, int lda, FloatBuffer x, int offX,
                       float beta, FloatBuffer y, int offY) {
        if (transA) sgemm(true, false, n, 1, m, alpha, a, offA, lda, x, offX, 1, beta, y, offY, 1);
        else sgemm(false, false, m, 1, n, alpha, a, offA, lda, x, offX, 1, beta, y, offY, 1);
    }

    /**
     * The fastest available implementation: OpenBLAS when its native library loads (and the system property
     * {@code gradcam4j.blas} is not {@code java}), else the pure-Java kernel.
     */
    static Sgemm best() { return SgemmProvider.BEST; }
}
