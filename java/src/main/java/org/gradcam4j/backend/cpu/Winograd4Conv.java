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
        if (out.size != in.size) throw new IllegalArgumentException("Winograd F(4x4,3x3) needs equal sizes, got " + in.size + " -> " + out.size);
        convolve(in, out, null, u, bias, relu);
    }

    /**
     * The forward followed by 2x2 max pooling, fused: pooled (cout, B, P/4) and argmax as {@link LayerOps#maxPoolForward}
     * writes them, from the convolution's ReLU output, which is never written out. Each 4x4 output tile holds whole
     * pooling windows, so the pooling runs on the tile's values while the output transform still holds them, instead of
     * writing the convolution's padded output (block1_conv2 at batch 8: 105 MB) and reading it back. Bit for bit the
     * values of forward then maxPoolForward (the same float operations in the same order); for layers whose output no
     * backward pass needs. ReLU layers only (VGG's): the pooling's selection relies on values being non-negative.
     */
    void forwardPooled(Act in, Act pooled, byte[] argmax, FloatBuffer u, float[] bias) {
        if (pooled.size * 2 != in.size) throw new IllegalArgumentException("pooled size " + pooled.size + " for a " + in.size + " convolution");
        convolve(in, pooled, argmax, u, bias, true);
    }

    /** out: the convolution's output, or (argmax non-null) its max-pooled output. */
    private void convolve(Act in, Act out, byte[] argmax, FloatBuffer u, float[] bias, boolean relu) {
        final int size = in.size;
        if (!supports(size) || out.batch != in.batch) {
            throw new IllegalArgumentException("Winograd F(4x4,3x3) needs equal batches and sizes divisible by 4, got " + size);
        }
        final int kIn = in.channels, mOut = out.channels, h = size / 4, tileRows = in.batch * h;
        final int rowsPerChunk = WinogradConv.rowsPerChunk(kIn, mOut, h, tileRows, workers.threads(), chunkTiles);
        final int nChunks = (tileRows + rowsPerChunk - 1) / rowsPerChunk;
        if (nChunks < workers.threads()) {
            // few tiles (block4 and block5 at batch 1): one chunk whose phases are split over the threads instead
            final int n = tileRows * h;
            final Scratch panels = scratch.get();
            panels.ensure(kIn, mOut, n, size);
            WinogradConv.phased(workers, kIn, mOut, 36,
                    (c0, c1) -> inputTransform(in, 0, tileRows, c0, c1, ensured(kIn, mOut, n, size), panels.v),
                    xi -> gemm(u, xi, kIn, mOut, n, panels.v, panels.m),
                    (o0, o1) -> outputTransform(out, argmax, 0, tileRows, o0, o1, ensured(kIn, mOut, n, size), panels.m, bias, relu));
            return;
        }
        workers.forEach(nChunks, ci -> {
            int r0 = ci * rowsPerChunk, r1 = Math.min(tileRows, r0 + rowsPerChunk), n = (r1 - r0) * h;
            Scratch s = ensured(kIn, mOut, n, size);
            inputTransform(in, r0, r1, 0, kIn, s, s.v);
            for (int xi = 0; xi < 36; xi++) gemm(u, xi, kIn, mOut, n, s.v, s.m);
            outputTransform(out, argmax, r0, r1, 0, mOut, s, s.m, bias, relu);
        });
    }

    /** This thread's scratch, grown for a chunk of n tiles. */
    private Scratch ensured(int kIn, int mOut, int n, int size) {
        Scratch s = scratch.get();
        s.ensure(kIn, mOut, n, size);
        return s;
    }

    /** M_xi (mOut x n) = U_xi (mOut x kIn) V_xi (kIn x n), in the panels v (36, kIn, n) and m (36, mOut, n). */
    private void gemm(FloatBuffer u, int xi, int kIn, int mOut, int n, FloatBuffer v, FloatBuffer m) {
        gemm.sgemm(false, false, mOut, n, kIn, 1f, u, xi * mOut * kIn, kIn, v, xi * kIn * n, n, 0f, m, xi * mOut * n, n);
    }

    /**
     * V (36, K, n) for tile rows [r0, r1) of in (K, B, P): tile row i reads padded rows 4i .. 4i+5. Per channel, (.) B
     * along x for each of the six rows of every tile row, into rt[6 t + k] (row t of the tile, column k of the
     * transform); then, per group of channels, B^T along y as 36 single-output loops. Channels [cFrom, cTo) only, into
     * the panel v (36, K, n); s holds the thread's temporaries.
     */
    private static void inputTransform(Act in, int r0, int r1, int cFrom, int cTo, Scratch s, FloatBuffer v) {
        final int kIn = in.channels, w2 = in.w2(), p = in.plane(), span = in.span(), h = in.size / 4;
        final int n = (r1 - r0) * h, g = WinogradConv.group(n, kIn);
        final float[] rows = s.rows;
        final float[][] rt = s.rt, vt = s.vt;
        for (int c0 = cFrom; c0 < cTo; c0 += g) {
            int gc = Math.min(g, cTo - c0), len = gc * n;
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
            for (int xi = 0; xi < 36; xi++) v.put((xi * kIn + c0) * n, vt[xi], 0, len);
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
     * Output channels [oFrom, oTo) only, from the panel m (36, Mo, n). With argmax non-null, out is the pooled output
     * ({@link #pool}).
     */
    private static void outputTransform(Act out, byte[] argmax, int r0, int r1, int oFrom, int oTo, Scratch s, FloatBuffer m,
                                        float[] bias, boolean relu) {
        final int mOut = out.channels, w2 = out.w2(), h = argmax != null ? out.size / 2 : out.size / 4;
        final int n = (r1 - r0) * h, g = WinogradConv.group(n, mOut);
        final float[][] mt = s.mt, st = s.st, yt = s.yt;
        final float[] yb = s.yb;
        for (int o0 = oFrom; o0 < oTo; o0 += g) {
            int gc = Math.min(g, oTo - o0), len = gc * n;
            for (int xi = 0; xi < 36; xi++) m.get((xi * mOut + o0) * n, mt[xi], 0, len);
            for (int k = 0; k < 6; k++) at(mt[k], mt[6 + k], mt[12 + k], mt[18 + k], mt[24 + k], mt[30 + k],
                    st[k], st[6 + k], st[12 + k], st[18 + k], len);
            for (int r = 0; r < 4; r++) at(st[6 * r], st[6 * r + 1], st[6 * r + 2], st[6 * r + 3], st[6 * r + 4], st[6 * r + 5],
                    yt[4 * r], yt[4 * r + 1], yt[4 * r + 2], yt[4 * r + 3], len);
            for (int o = o0; o < o0 + gc; o++) {
                int base = (o - o0) * n;
                if (argmax != null) {
                    pool(out, argmax, o, base, r0, r1, yt, yb, bias[o]);
                    continue;
                }
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

    /**
     * Bias, ReLU and 2x2 max pooling of output channel o's tiles (yt: the 16 values of each 4x4 tile, tile q = base + its
     * index in the chunk) into the pooled output's rows of tile rows [r0, r1): pooled padded rows 2i+1, 2i+2 of tile row
     * i, with the border rows at either end of an image, as one contiguous run per image like the epilogue's. The
     * arithmetic is biasReluBorders' ({@code max(y + bias, 0)}) and the selection maxPoolForward's (strict {@code >}, the
     * first maximum in row-major order, as PyTorch), so the values and argmax equal that pair's. ReLU layers only.
     */
    private static void pool(Act pooled, byte[] argmax, int o, int base, int r0, int r1, float[][] yt, float[] pb, float bias) {
        final int w2 = pooled.w2(), p = pooled.plane(), os = pooled.size, h = os / 2, batch = pooled.batch;
        for (int r = r0; r < r1; ) {
            int b = r / h, iStart = r % h, iEnd = Math.min(h, iStart + (r1 - r));
            int rowStart = iStart == 0 ? 0 : 2 * iStart + 1, rowEnd = iEnd == h ? w2 : 2 * iEnd + 1, runLen = (rowEnd - rowStart) * w2;
            java.util.Arrays.fill(pb, 0, runLen, 0f);   // borders (and every value below is written)
            for (int i = iStart; i < iEnd; i++) {
                int q = base + (b * h + i - r0) * h;
                for (int y2 = 0; y2 < 2; y2++) {
                    int py = 2 * i + y2, d = (py + 1 - rowStart) * w2 + 1, ai = ((o * batch + b) * os + py) * os;
                    float[] t0 = yt[8 * y2], t1 = yt[8 * y2 + 1], t2 = yt[8 * y2 + 2], t3 = yt[8 * y2 + 3];
                    float[] u0 = yt[8 * y2 + 4], u1 = yt[8 * y2 + 5], u2 = yt[8 * y2 + 6], u3 = yt[8 * y2 + 7];
                    for (int j = 0; j < h; j++) {
                        int x = q + j;
                        pb[d + 2 * j] = window(t0[x], t1[x], u0[x], u1[x], bias, argmax, ai + 2 * j);
                        pb[d + 2 * j + 1] = window(t2[x], t3[x], u2[x], u3[x], bias, argmax, ai + 2 * j + 1);
                    }
                }
            }
            pooled.buf.put(o * pooled.span() + b * p + rowStart * w2, pb, 0, runLen);
            r += iEnd - iStart;
        }
    }

    /**
     * One 2x2 window (top-left, top-right, bottom-left, bottom-right) after bias and ReLU: its maximum, and its argmax at a.
     * After ReLU every value is +0 or positive, where a float's bits compare as ints in the same order, so the selection
     * runs on int bits without branches: HotSpot compiles a float select ({@code x > y ? x : y}) to a branch, which
     * mispredicts on half the windows here (measured: that form took longer than the convolution's output transform),
     * and int max and shifts to conditional moves and arithmetic ({@link LayerOps#beats}). The result is
     * maxPoolForward's strict-{@code >} selection: the first maximum in row-major order. (A NaN, which only a non-finite input makes, may select differently.)
     */
    private static float window(float y0, float y1, float y2, float y3, float bias, byte[] argmax, int a) {
        int b0 = Float.floatToRawIntBits(Math.max(y0 + bias, 0f)), b1 = Float.floatToRawIntBits(Math.max(y1 + bias, 0f));
        int b2 = Float.floatToRawIntBits(Math.max(y2 + bias, 0f)), b3 = Float.floatToRawIntBits(Math.max(y3 + bias, 0f));
        int top = LayerOps.beats(b1, b0), bottom = LayerOps.beats(b3, b2);   // right beats left, strictly
        int m1 = Math.max(b0, b1), m2 = Math.max(b2, b3);
        int second = LayerOps.beats(m2, m1);                                  // bottom row beats top row, strictly
        argmax[a] = (byte) (second * (2 + bottom) + (second ^ 1) * top);
        return Float.intBitsToFloat(Math.max(m1, m2));
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
