package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;

/**
 * Pure-Java SGEMM, the fallback when OpenBLAS cannot load. Blocked for cache (B packed in KC x NC
 * panels, four rows of C updated per panel pass); the inner loops are plain array loops that HotSpot's C2
 * auto-vectorises. Slower than OpenBLAS, same results to float rounding.
 */
final class JavaSgemm implements Sgemm {
    private static final int KC = 256;
    private static final int NC = 1024;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(
            () -> new float[][] {new float[NC], new float[NC], new float[NC], new float[NC]});
    /** Packed B, one array per row: C2 vectorises c[j] += a * b[j] only when both arrays are indexed from 0. */
    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[KC][NC]);

    @Override public String name() { return "pure-Java GEMM"; }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      FloatBuffer a, int offA, int lda, FloatBuffer b, int offB, int ldb,
                      float beta, FloatBuffer c, int offC, int ldc) {
        float[][] s = SCRATCH.get();
        float[][] bp = PACKED.get();
        float[] c0 = s[0], c1 = s[1], c2 = s[2], c3 = s[3];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            if (k == 0) {
                for (int i = 0; i < m; i++) scaleRow(c, offC + i * ldc + jc, nc, beta);
                continue;
            }
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int p = 0; p < kc; p++) {
                    float[] row = bp[p];
                    if (!transB) {
                        b.get(offB + (pc + p) * ldb + jc, row, 0, nc);
                    } else {
                        int base = offB + jc * ldb + pc + p;
                        for (int j = 0; j < nc; j++) row[j] = b.get(base + j * ldb);
                    }
                }
                float cBeta = pc == 0 ? beta : 1f;
                int i = 0;
                for (; i + 3 < m; i += 4) {
                    load(c, offC + i * ldc + jc, nc, cBeta, c0);
                    load(c, offC + (i + 1) * ldc + jc, nc, cBeta, c1);
                    load(c, offC + (i + 2) * ldc + jc, nc, cBeta, c2);
                    load(c, offC + (i + 3) * ldc + jc, nc, cBeta, c3);
                    for (int p = 0; p < kc; p++) {
                        float a0 = alpha * aAt(a, offA, lda, transA, i, pc + p);
                        float a1 = alpha * aAt(a, offA, lda, transA, i + 1, pc + p);
                        float a2 = alpha * aAt(a, offA, lda, transA, i + 2, pc + p);
                        float a3 = alpha * aAt(a, offA, lda, transA, i + 3, pc + p);
                        // one output row per loop, all arrays indexed from 0: the form C2 vectorises
                        axpy(c0, a0, bp[p], nc);
                        axpy(c1, a1, bp[p], nc);
                        axpy(c2, a2, bp[p], nc);
                        axpy(c3, a3, bp[p], nc);
                    }
                    store(c, offC + i * ldc + jc, nc, c0);
                    store(c, offC + (i + 1) * ldc + jc, nc, c1);
                    store(c, offC + (i + 2) * ldc + jc, nc, c2);
                    store(c, offC + (i + 3) * ldc + jc, nc, c3);
                }
                for (; i < m; i++) {
                    load(c, offC + i * ldc + jc, nc, cBeta, c0);
                    for (int p = 0; p < kc; p++) {
                        float a0 = alpha * aAt(a, offA, lda, transA, i, pc + p);
                        axpy(c0, a0, bp[p], nc);
                    }
                    store(c, offC + i * ldc + jc, nc, c0);
                }
            }
        }
    }

    private static void axpy(float[] c, float a, float[] b, int n) {
        if (a == 0f) return;
        for (int j = 0; j < n; j++) c[j] += a * b[j];
    }

    private static float aAt(FloatBuffer a, int off, int lda, boolean trans, int i, int p) {
        return trans ? a.get(off + p * lda + i) : a.get(off + i * lda + p);
    }

    private static void load(FloatBuffer c, int off, int n, float beta, float[] dst) {
        if (beta == 0f) {
            java.util.Arrays.fill(dst, 0, n, 0f);
        } else {
            for (int j = 0; j < n; j++) dst[j] = beta * c.get(off + j);
        }
    }

    private static void store(FloatBuffer c, int off, int n, float[] src) {
        for (int j = 0; j < n; j++) c.put(off + j, src[j]);
    }

    private static void scaleRow(FloatBuffer c, int off, int n, float beta) {
        for (int j = 0; j < n; j++) c.put(off + j, beta == 0f ? 0f : beta * c.get(off + j));
    }
}
