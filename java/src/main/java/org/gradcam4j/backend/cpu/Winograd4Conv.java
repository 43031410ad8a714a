package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.tensor.Tensor;

/**
 * 3x3 stride-1 pad-1 forward convolutions by Winograd's F(4x4, 3x3) (Lavin and Gray 2016, interpolation points
 * 0, 1, -1, 2, -2, infinity): each 4x4 output tile takes 36 multiplications per channel pair instead of 144, 4x fewer
 * GEMM flops than the direct path and 1.78x fewer than {@link WinogradConv}'s F(2x2, 3x3), for larger transforms
 * (6x6 input tiles, stride 4). Image sides divisible by 4 only ({@link #supports}); the same chunking, panels and
 * epilogue as {@link WinogradConv}, whose comments explain the layout and the vectorisation rules. Forward only: the
 * backward-data convolutions stay on F(2x2, 3x3), whose kernel transform serves both directions.
 *
 * <p>Numerics: the transforms multiply by up to 5 (input) and 8 (output) and U carries G's sixths and
 * twenty-fourths, so rounding grows more than with F(2x2); LayerErrorGuardTest measures each layer of a full VGG
 * against float64 and PyTorch float32 (docs/SPEED.md has the numbers).
 */
final class Winograd4Conv {
    private final Workers workers;
    private final Sgemm gemm;
    private final int chunkTiles;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    Winograd4Conv(Workers workers, Sgemm gemm) { this(workers, gemm, 0); }

    /** @param chunkTiles tiles per chunk (rounded to whole tile rows), or 0 for the default; for tests and tuning */
    Winograd4Conv(Workers workers, Sgemm gemm, int chunkTiles) {
        this.workers = workers;
        this.gemm = gemm;
        this.chunkTiles = chunkTiles;
    }

    /** Whether an image side can be tiled by 4x4 output tiles. */
    static boolean supports(int size) { return size >= 4 && size % 4 == 0; }

    /** G (6x3), the kernel transform for points 0, 1, -1, 2, -2, infinity. */
    static final double[][] G = {
            {1 / 4.0, 0, 0},
            {-1 / 6.0, -1 / 6.0, -1 / 6.0},
            {-1 / 6.0, 1 / 6.0, -1 / 6.0},
            {1 / 24.0, 1 / 12.0, 1 / 6.0},
            {1 / 24.0, -1 / 12.0, 1 / 6.0},
            {0, 0, 1}};

    /** {@code U = G g G^T} of every (output, input) channel pair of a (cout, cin, 3, 3) kernel, as (36, cout, cin). */
    static FloatBuffer transform(Tensor kernel) {
        FloatBuffer u = Buffers.allocate(36L * kernel.dim(0) * kernel.dim(1), "Winograd F(4x4) conv weights");
        WinogradWeights.transform(kernel, G, u);
        return u;
    }

    /** out (cout, B, P) = ReLU?(conv3x3(in (cin, B, P)) + bias), as {@link LayerOps#convForward}; u from {@link #transform}. */
    void forward(Act in, Act out, FloatBuffer u, float[] bias, boolean relu) {
        final int size = in.size;
        if (!supports(size) || out.size != size || out.batch != in.batch) {
            throw new IllegalArgumentException("Winograd F(4x4,3x3) needs equal sizes divisible by 4, got " + size + " -> " + out.size);
        }
        final int kIn = in.channels, mOut = out.channels, h = size / 4, tileRows = in.batch * h;
        final int rowsPerChunk = WinogradConv.rowsPerChunk(kIn, mOut, h, tileRows, workers.threads(), chunkTiles);
        final int nChunks = (tileRows + rowsPerChunk - 1) / rowsPerChunk;
        workers.forEach(nChunks, ci -> {
            int r0 = ci * rowsPerChunk, r1 = Math.min(tileRows, r0 + rowsPerChunk), n = (r1 - r0) * h;
            Scratch s = scratch.get();
            s.ensure(kIn, mOut, n, size);
            inputTransform(in, r0, r1, s);
            for (int xi = 0; xi < 36; xi++) {
                gemm.sgemm(false, false, mOut, n, kIn, 1f, u, xi * mOut * kIn, kIn, s.v, xi * kIn * n, n, 0f, s.m, xi * mOut * n, n);
            }
            outputTransform(out, r0, r1, s, bias, relu);
        });
    }

    /**
     * V (36, K, n) for tile rows [r0, r1) of in (K, B, P): tile row i reads padded rows 4i .. 4i+5. Per channel, (.) B
     * along x for each of the six rows of every tile row, into rt[6 t + k] (row t of the tile, column k of the
     * transform); then, per group of channels, B^T along y as 36 single-output loops.
     */
    private static void inputTransform(Act in, int r0, int r1, Scratch s) {
        final int kIn = in.channels, w2 = in.w2(), p = in.plane(), span = in.span(), h = in.size / 4;
        final int n = (r1 - r0) * h, g = WinogradConv.group(n, kIn);
        final float[] rows = s.rows;
        final float[][] rt = s.rt, vt = s.vt;
        for (int c0 = 0; c0 < kIn; c0 += g) {
            int gc = Math.min(g, kIn - c0), len = gc * n;
            for (int c = c0; c < c0 + gc; c++) {
                int base = (c - c0) * n;
                for (int r = r0; r < r1; ) {
                    int b = r / h, iStart = r % h, iEnd = Math.min(h, iStart + (r1 - r));
                    int ny = 4 * (iEnd - iStart) + 2;
                    in.buf.get(c * span + b * p + 4 * iStart * w2, rows, 0, ny * w2);
                    for (int i = iStart; i < iEnd; i++) {
                        int q = base + (r - r0 + i - iStart) * h, y0 = 4 * (i - iStart);
                        for (int t = 0; t < 6; t++) rowTiles(rows, (y0 + t) * w2, rt, 6 * t, q, h);
                    }
                    r += iEnd - iStart;
                }
            }
            for (int k = 0; k < 6; k++) {
                float[] d0 = rt[k], d1 = rt[6 + k], d2 = rt[12 + k], d3 = rt[18 + k], d4 = rt[24 + k], d5 = rt[30 + k];
                float[] v0 = vt[k], v1 = vt[6 + k], v2 = vt[12 + k], v3 = vt[18 + k], v4 = vt[24 + k], v5 = vt[30 + k];
                for (int q = 0; q < len; q++) {
                    float a = d4[q] - 4f * d2[q];
                    float bb = d3[q] - 4f * d1[q];
                    float cc = d4[q] - d2[q];
                    float dd = 2f * (d3[q] - d1[q]);
                    v0[q] = 4f * d0[q] - 5f * d2[q] + d4[q];
                    v1[q] = a + bb;
                    v2[q] = a - bb;
                    v3[q] = cc + dd;
                    v4[q] = cc - dd;
                    v5[q] = 4f * d1[q] - 5f * d3[q] + d5[q];
                }
            }
            for (int xi = 0; xi < 36; xi++) s.v.put((xi * kIn + c0) * n, vt[xi], 0, len);
        }
    }

    /** (.) B along x for the h tiles of one padded row (w2 = 4h + 2 values at row[off]) into d[o .. o+5] at q + j. */
    private static void rowTiles(float[] row, int off, float[][] d, int o, int q, int h) {
        float[] d0 = d[o], d1 = d[o + 1], d2 = d[o + 2], d3 = d[o + 3], d4 = d[o + 4], d5 = d[o + 5];
        for (int j = 0; j < h; j++) {
            int x = off + 4 * j;
            float x0 = row[x], x1 = row[x + 1], x2 = row[x + 2], x3 = row[x + 3], x4 = row[x + 4], x5 = row[x + 5];
            float a = x4 - 4f * x2, b = x3 - 4f * x1, c = x4 - x2, e = 2f * (x3 - x1);
            d0[q + j] = 4f * x0 - 5f * x2 + x4;
            d1[q + j] = a + b;
            d2[q + j] = a - b;
            d3[q + j] = c + e;
            d4[q + j] = c - e;
            d5[q + j] = 4f * x1 - 5f * x3 + x5;
        }
    }

    /**
     * Y = A^T M A for tile rows [r0, r1) into out (Mo, B, P), with the epilogue of the direct path. A^T's rows:
     * m0+m1+m2+m3+m4, m1-m2+2(m3-m4), m1+m2+4(m3+m4), m1-m2+8(m3-m4)+m5; first along y (24 rows), then along x (16).
     */
    private static void outputTransform(Act out, int r0, int r1, Scratch s, float[] bias, boolean relu) {
        final int mOut = out.channels, w2 = out.w2(), h = out.size / 4;
        final int n = (r1 - r0) * h, g = WinogradConv.group(n, mOut);
        final float[][] mt = s.mt, st = s.st, yt = s.yt;
        final float[] yb = s.yb;
        for (int o0 = 0; o0 < mOut; o0 += g) {
            int gc = Math.min(g, mOut - o0), len = gc * n;
            for (int xi = 0; xi < 36; xi++) s.m.get((xi * mOut + o0) * n, mt[xi], 0, len);
            for (int k = 0; k < 6; k++) at(mt[k], mt[6 + k], mt[12 + k], mt[18 + k], mt[24 + k], mt[30 + k],
                    st[k], st[6 + k], st[12 + k], st[18 + k], len);
            for (int r = 0; r < 4; r++) at(st[6 * r], st[6 * r + 1], st[6 * r + 2], st[6 * r + 3], st[6 * r + 4], st[6 * r + 5],
                    yt[4 * r], yt[4 * r + 1], yt[4 * r + 2], yt[4 * r + 3], len);
            for (int o = o0; o < o0 + gc; o++) {
                int base = (o - o0) * n;
                for (int r = r0; r < r1; ) {
                    int b = r / h, iStart = r % h, iEnd = Math.min(h, iStart + (r1 - r));
                    int rowStart = iStart == 0 ? 0 : 4 * iStart + 1, rowEnd = iEnd == h ? w2 : 4 * iEnd + 1;
                    for (int i = iStart; i < iEnd; i++) {
                        int q = base + (b * h + i - r0) * h;
                        for (int y = 0; y < 4; y++) {
                            int d = (4 * i + 1 + y - rowStart) * w2 + 1;
                            float[] c0 = yt[4 * y], c1 = yt[4 * y + 1], c2 = yt[4 * y + 2], c3 = yt[4 * y + 3];
                            for (int j = 0; j < h; j++) {
                                yb[d + 4 * j] = c0[q + j];
                                yb[d + 4 * j + 1] = c1[q + j];
                                yb[d + 4 * j + 2] = c2[q + j];
                                yb[d + 4 * j + 3] = c3[q + j];
                            }
                        }
                    }
                    WinogradConv.epilogue(out, yb, o, b, rowStart, rowEnd, bias, relu);
                    r += iEnd - iStart;
                }
            }
        }
    }

    /** The four rows of A^T applied to six inputs, over len values. */
    private static void at(float[] m0, float[] m1, float[] m2, float[] m3, float[] m4, float[] m5,
                           float[] y0, float[] y1, float[] y2, float[] y3, int len) {
        for (int q = 0; q < len; q++) {
            float s12 = m1[q] + m2[q], d12 = m1[q] - m2[q], s34 = m3[q] + m4[q], d34 = m3[q] - m4[q];
            y0[q] = m0[q] + s12 + s34;
            y1[q] = d12 + 2f * d34;
            y2[q] = s12 + 4f * s34;
            y3[q] = d12 + 8f * d34 + m5[q];
        }
    }

    /** One worker thread's panels, grown to the largest layer seen and then reused. */
    private static final class Scratch {
        FloatBuffer v, m;
        float[] rows = new float[0], yb = new float[0];
        final float[][] rt = new float[36][0], vt = new float[36][0], mt = new float[36][0], st = new float[24][0], yt = new float[16][0];

        void ensure(int kIn, int mOut, int n, int size) {
            int w2 = size + 2, h = size / 4;
            if (v == null || v.capacity() < 36 * kIn * n) v = Buffers.allocate(36L * kIn * n, "Winograd F(4x4) input panel");
            if (m == null || m.capacity() < 36 * mOut * n) m = Buffers.allocate(36L * mOut * n, "Winograd F(4x4) output panel");
            int ny = Math.min(w2, 4 * ((n + h - 1) / h) + 2);
            if (rows.length < ny * w2) rows = new float[ny * w2];
            if (yb.length < ny * w2) yb = new float[ny * w2];
            int in = WinogradConv.group(n, kIn) * n, out = WinogradConv.group(n, mOut) * n;
            for (float[][] a : new float[][][] {rt, vt}) WinogradConv.grow(a, in);
            for (float[][] a : new float[][][] {mt, st, yt}) WinogradConv.grow(a, out);
        }
    }
}
