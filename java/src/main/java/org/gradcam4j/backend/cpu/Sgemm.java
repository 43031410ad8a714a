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
     * The fastest available implementation: OpenBLAS when its native library loads (and the system property
     * {@code gradcam4j.blas} is not {@code java}), else the pure-Java kernel.
     */
    static Sgemm best() { return SgemmProvider.BEST; }
}
