package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import java.util.function.IntConsumer;

/**
 * 3x3 stride-1 pad-1 convolutions (forward, and backward-data) by Winograd's minimal filtering
 * F(2x2, 3x3) (Lavin and Gray 2016): each 2x2 output tile takes 16 multiplications per channel pair
 * instead of 36, 2.25x fewer GEMM flops than {@link LayerOps#convForward}, for a few adds per value in the
 * transforms. Reads and writes the padded layout of {@link Act}; even image sizes only ({@link #supports}).
 *
 * <p>Per chunk of whole tile rows, on one worker thread:
 * <ol>
 *   <li>input transform {@code V = B^T d B} of every 4x4 input tile (stride 2, read straight from the
 *       padded plane, whose zero border is the convolution's padding) into a panel of 16 (K x n) matrices;
 *   <li>16 GEMMs {@code M_xi (Mo x n) = U_xi (Mo x K) V_xi (K x n)} through {@link Sgemm};
 *   <li>output transform {@code Y = A^T M A} of each tile into padded output rows, then the shared epilogue
 *       of the direct path ({@link LayerOps#biasReluBorders} forward, {@link LayerOps#zeroBorders} backward).
 * </ol>
 * Chunks own disjoint rows of every output plane (border rows included), so they run in parallel and
 * every output value is written exactly once.
 *
 * <p>Numerics: the transforms only add and subtract (U carries G's halves), so the result differs from the
 * direct convolution by float rounding of a slightly longer sum; {@code WinogradConvTest} holds it to
 * relative L2 1e-5 against the direct path.
 */
final class WinogradConv {
    private final Workers workers;
    private final Sgemm gemm;
    private final int chunkTiles;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    WinogradConv(Workers workers, Sgemm gemm) { this(workers, gemm, 0); }

    /** @param chunkTiles tiles per chunk (rounded to whole tile rows), or 0 for the default; for tests and tuning */
    WinogradConv(Workers workers, Sgemm gemm, int chunkTiles) {
        this.workers = workers;
        this.gemm = gemm;
        this.chunkTiles = chunkTiles;
    }

    /** Whether an image side can be tiled by 2x2 output tiles. */
    static boolean supports(int size) { return size >= 2 && size % 2 == 0; }

    /** out (cout, B, P) = ReLU?(conv3x3(in (cin, B, P)) + bias), as {@link LayerOps#convForward}. */
    void forward(Act in, Act out, WinogradWeights w, float[] bias, boolean relu) {
        if (in.channels != w.cin || out.channels != w.cout) throw new IllegalArgumentException("channel mismatch");
        convolve(in, out, w, false, bias, relu);
    }

    /**
     * dIn (cin, M, P) = conv3x3^T(dOut (cout, M, P)), as {@link LayerOps#convBackwardData}: the convolution of
     * dOut with the channel-swapped, spatially reversed kernel. dOut must be zero on borders; dIn's borders are
     * zero.
     */
    void backwardData(Act dOut, Act dIn, WinogradWeights w) {
        if (dOut.channels != w.cout || dIn.channels != w.cin) throw new IllegalArgumentException("channel mismatch");
        convolve(dOut, dIn, w, true, null, false);
    }

    /**
     * out (Mo, B, P) = conv3x3(in (K, B, P)) with U_xi (forward) or U_flip(xi)^T (transposed), then the epilogue:
     * bias and ReLU when bias is non-null, border zeroing always.
     */
    private void convolve(Act in, Act out, WinogradWeights w, boolean transposed, float[] bias, boolean relu) {
        final int size = in.size;
        if (!supports(size) || out.size != size || out.batch != in.batch) {
            throw new IllegalArgumentException("Winograd F(2x2,3x3) needs equal even sizes, got " + size + " -> " + out.size);
        }
        final int kIn = in.channels, mOut = out.channels, h = size / 2, tileRows = in.batch * h;
        final int rowsPerChunk = rowsPerChunk(kIn, mOut, h, tileRows, workers.threads(), chunkTiles);
        final int nChunks = (tileRows + rowsPerChunk - 1) / rowsPerChunk;
        if (nChunks < workers.threads()) {
            // few tiles (block5 at batch 1): one chunk whose phases are split over the threads instead
            final int n = tileRows * h;
            final Scratch panels = scratch.get();
            panels.ensure(kIn, mOut, n, size);
            phased(workers, kIn, mOut, 16,
                    (c0, c1) -> inputTransform(in, 0, tileRows, c0, c1, ensured(kIn, mOut, n, size), panels.v),
                    xi -> gemm(w, transposed, xi, kIn, mOut, n, panels.v, panels.m),
                    (o0, o1) -> outputTransform(out, 0, tileRows, o0, o1, ensured(kIn, mOut, n, size), panels.m, bias, relu));
            return;
        }
        workers.forEach(nChunks, ci -> {
            int r0 = ci * rowsPerChunk, r1 = Math.min(tileRows, r0 + rowsPerChunk), n = (r1 - r0) * h;
            Scratch s = ensured(kIn, mOut, n, size);
            inputTransform(in, r0, r1, 0, kIn, s, s.v);
            for (int xi = 0; xi < 16; xi++) gemm(w, transposed, xi, kIn, mOut, n, s.v, s.m);
            outputTransform(out, r0, r1, 0, mOut, s, s.m, bias, relu);
        });
    }

    /** This thread's scratch, grown for a chunk of n tiles. */
    private Scratch ensured(int kIn, int mOut, int n, int size) {
        Scratch s = scratch.get();
        s.ensure(kIn, mOut, n, size);
        return s;
    }

    /** M_xi (mOut x n) = op(U) (mOut x kIn) V_xi (kIn x n), in the panels v (16, kIn, n) and m (16, mOut, n). */
    private void gemm(WinogradWeights w, boolean transposed, int xi, int kIn, int mOut, int n, FloatBuffer v, FloatBuffer m) {
        int uxi = transposed ? WinogradWeights.flip(xi / 4) * 4 + WinogradWeights.flip(xi % 4) : xi;
        gemm.sgemm(transposed, false, mOut, n, kIn, 1f, w.u, w.offset(uxi), w.cin, v, xi * kIn * n, n, 0f, m, xi * mOut * n, n);
    }

    /** Work on the channels [from, to) of one chunk's transform. */
    interface ChannelRange {
        void run(int from, int to);
    }

    /**
     * One chunk holding every tile, its three phases each split over the threads: the input transform by input
     * channels, the GEMMs by transformed position xi, the output transform by output channels. For layers whose tiles
     * are fewer than a chunk's worth per thread (VGG's block4 under F(4x4) and block5 under F(2x2) at batch 1: 49
     * tiles), where splitting the tiles would leave each thread GEMMs too small to pay and one chunk on one thread
     * would leave the other threads idle. The panels (the caller's) are shared; each thread uses its own temporaries.
     * Each phase writes disjoint parts (channel rows of V, whole matrices M_xi, output channels), and each ends before
     * the next starts.
     */
    static void phased(Workers workers, int kIn, int mOut, int gemms, ChannelRange input, IntConsumer gemm, ChannelRange output) {
        int parts = workers.threads();
        workers.forEach(parts, pi -> input.run(kIn * pi / parts, kIn * (pi + 1) / parts));
        workers.forEach(gemms, gemm);
        workers.forEach(parts, pi -> output.run(mOut * pi / parts, mOut * (pi + 1) / parts));
    }

    /** Fewest tiles worth a chunk of its own: splitting fewer over threads makes GEMMs too small to pay. */
    private static final int MIN_TILES = 96;

    /**
     * Tile rows per chunk. Each chunk's 16 GEMMs pack all of U (16 cout cin floats) afresh, so a chunk needs enough
     * tiles to amortise that: 196, or cout cin / 512 for the widest layers (512 tiles at 512x512, where U is
     * 16 MiB). A sweep of 64..1024 tiles on the VGG16 layers at batch 8 ran best at 196-256 up to 256 channels and
     * at 392-1024 for 512; below ~128 tiles the GEMMs and the transforms' vector loops slow down, which costs more
     * than the panels (16 (K + Mo) n floats) spilling from L2. The chunk count is rounded up to a multiple of the
     * thread count, rows spread evenly so the threads finish together, except that a layer of few tiles (block5 at
     * batch 1: 49) stays in one chunk. Shared with {@link Winograd4Conv} (h tiles per tile row there too).
     */
    static int rowsPerChunk(int kIn, int mOut, int h, int tileRows, int threads, int chunkTiles) {
        if (chunkTiles > 0) return Math.max(1, Math.min(tileRows, chunkTiles / h));
        long target = Math.max(196, (long) kIn * mOut / 512);
        long tiles = (long) tileRows * h;
        long chunks = threads * ((tiles + threads * target - 1) / (threads * target));
        chunks = Math.max(1, Math.min(chunks, tiles / MIN_TILES));
        return (int) Math.max(1, (tileRows + chunks - 1) / chunks);
    }

    /*
     * The transforms are written for HotSpot 17's C2, which vectorises a loop only when every array in it is
     * indexed by the same expression: a[q] - b[q] ran 3-8x faster than a[q] - a[q + 1] or a[q] - b[q + h]
     * (measured here). Its vector loops also step 64-128 floats at a time, so a loop over a chunk's ~100 tiles would
     * run mostly in its scalar remainder: the vector passes therefore run over a group of channels at once (GROUP
     * floats or more), which the (16, channels, n) panels hold contiguously. Each transform is one scalar stride-2
     * pass along x (splitting rows into their tiles' columns), then single-output loops over whole groups.
     */

    /** Floats per vectorised pass: enough for C2's unrolled vector loop, and 16 such rows stay within L1/L2. */
    private static final int GROUP = 1024;

    /** Channels per group for a chunk of n tiles. */
    static int group(int n, int channels) { return Math.max(1, Math.min(channels, GROUP / n)); }

    /**
     * V (16, K, n) for tile rows [r0, r1) of in (K, B, P); tile row r is image r / h, tile row r % h, and its tiles
     * read padded rows 2i .. 2i+3. Per channel: (.) B along x for every padded row the chunk reads (once per row:
     * rows 2i+2 and 2i+3 serve tile rows i and i+1), into ex / ox (even / odd padded rows, at the slot of the tile
     * row they open) and copies shifted by one tile row, ex2 / ox2 (rows 2i+2, 2i+3); then, per group of channels,
     * B^T along y as 16 single-output loops. Channels [cFrom, cTo) only, into the panel v (16, K, n); s holds the
     * thread's temporaries.
     */
    private static void inputTransform(Act in, int r0, int r1, int cFrom, int cTo, Scratch s, FloatBuffer v) {
        final int kIn = in.channels, w2 = in.w2(), p = in.plane(), span = in.span(), h = in.size / 2;
        final int n = (r1 - r0) * h, g = group(n, kIn);
        final float[] rows = s.rows;
        final float[][] ex = s.ex, ox = s.ox, ex2 = s.ex2, ox2 = s.ox2, vt = s.vt;
        for (int c0 = cFrom; c0 < cTo; c0 += g) {
            int gc = Math.min(g, cTo - c0), len = gc * n;
            for (int c = c0; c < c0 + gc; c++) {
                int base = (c - c0) * n;     // this channel's tiles in the group's rows
                for (int r = r0; r < r1; ) {
                    int b = r / h, iStart = r % h, iEnd = Math.min(h, iStart + (r1 - r)); // tile rows of image b in the chunk
                    int q0 = base + (r - r0) * h, tiles = (iEnd - iStart) * h, ny = 2 * (iEnd - iStart) + 2;
                    in.buf.get(c * span + b * p + 2 * iStart * w2, rows, 0, ny * w2);
                    for (int y = 0; y < ny; y += 2) {
                        // the slot of the tile row this pair of rows opens; the last pair's is one past the segment,
                        // read only through the shifted copies below and overwritten by whatever follows
                        int q = q0 + (y / 2) * h;
                        rowTiles(rows, y * w2, ex[0], ex[1], ex[2], ex[3], q, h);
                        rowTiles(rows, (y + 1) * w2, ox[0], ox[1], ox[2], ox[3], q, h);
                    }
                    for (int k = 0; k < 4; k++) {
                        System.arraycopy(ex[k], q0 + h, ex2[k], q0, tiles);
                        System.arraycopy(ox[k], q0 + h, ox2[k], q0, tiles);
                    }
                    r += iEnd - iStart;
                }
            }
            for (int k = 0; k < 4; k++) {
                // B^T over the tile's rows 0..3 = ex, ox, ex2, ox2: 0-2, 1+2, 2-1, 1-3
                sub(ex[k], ex2[k], vt[k], len);
                add(ox[k], ex2[k], vt[4 + k], len);
                sub(ex2[k], ox[k], vt[8 + k], len);
                sub(ox[k], ox2[k], vt[12 + k], len);
            }
            for (int xi = 0; xi < 16; xi++) v.put((xi * kIn + c0) * n, vt[xi], 0, len);
        }
    }

    /** (.) B along x for the h tiles of one padded row (w2 = 2h + 2 values at row[off]): 0-2, 1+2, 2-1, 1-3. */
    private static void rowTiles(float[] row, int off, float[] d0, float[] d1, float[] d2, float[] d3, int q, int h) {
        float x0 = row[off], x1 = row[off + 1];
        for (int j = 0; j < h; j++) {
            float x2 = row[off + 2 * j + 2], x3 = row[off + 2 * j + 3];
            d0[q + j] = x0 - x2;
            d1[q + j] = x1 + x2;
            d2[q + j] = x2 - x1;
            d3[q + j] = x1 - x3;
            x0 = x2;
            x1 = x3;
        }
    }

    private static void add(float[] a, float[] b, float[] d, int len) {
        for (int q = 0; q < len; q++) d[q] = a[q] + b[q];
    }

    private static void sub(float[] a, float[] b, float[] d, int len) {
        for (int q = 0; q < len; q++) d[q] = a[q] - b[q];
    }

    /**
     * Y = A^T M A for tile rows [r0, r1) into out (Mo, B, P), with the epilogue. Per group of output channels, A^T
     * combines rows 0+1+2 and 1-2-3 of each tile's 4x4 M, then A the columns likewise, as single-output loops; then
     * per channel the scatter of each tile's 2x2 into padded rows (the one strided pass). Per output channel and
     * image, the chunk's padded rows (plus the top or bottom border row when the chunk holds the first or last tile
     * row) form one contiguous run, which gets the same epilogue as the direct path's runs. Output channels
     * [oFrom, oTo) only, from the panel m (16, Mo, n).
     */
    private static void outputTransform(Act out, int r0, int r1, int oFrom, int oTo, Scratch s, FloatBuffer m, float[] bias, boolean relu) {
        final int mOut = out.channels, w2 = out.w2(), h = out.size / 2;
        final int n = (r1 - r0) * h, g = group(n, mOut);
        final float[][] mt = s.mt, st = s.st, yt = s.yt;
        final float[] yb = s.yb;
        for (int o0 = oFrom; o0 < oTo; o0 += g) {
            int gc = Math.min(g, oTo - o0), len = gc * n;
            for (int xi = 0; xi < 16; xi++) m.get((xi * mOut + o0) * n, mt[xi], 0, len);
            for (int k = 0; k < 4; k++) {
                sum3(mt[k], mt[4 + k], mt[8 + k], st[k], len);
                diff3(mt[4 + k], mt[8 + k], mt[12 + k], st[4 + k], len);
            }
            for (int a = 0; a < 2; a++) {
                sum3(st[4 * a], st[4 * a + 1], st[4 * a + 2], yt[2 * a], len);
                diff3(st[4 * a + 1], st[4 * a + 2], st[4 * a + 3], yt[2 * a + 1], len);
            }
            float[] y00 = yt[0], y01 = yt[1], y10 = yt[2], y11 = yt[3];
            for (int o = o0; o < o0 + gc; o++) {
                int base = (o - o0) * n;
                for (int r = r0; r < r1; ) {
                    int b = r / h, iStart = r % h, iEnd = Math.min(h, iStart + (r1 - r)); // tile rows of image b in the chunk
                    int rowStart = iStart == 0 ? 0 : 2 * iStart + 1, rowEnd = iEnd == h ? w2 : 2 * iEnd + 1;
                    for (int i = iStart; i < iEnd; i++) {
                        int q = base + (b * h + i - r0) * h;
                        int d0 = (2 * i + 1 - rowStart) * w2 + 1, d1 = d0 + w2;
                        for (int j = 0; j < h; j++) {
                            yb[d0 + 2 * j] = y00[q + j];
                            yb[d0 + 2 * j + 1] = y01[q + j];
                            yb[d1 + 2 * j] = y10[q + j];
                            yb[d1 + 2 * j + 1] = y11[q + j];
                        }
                    }
                    epilogue(out, yb, o, b, rowStart, rowEnd, bias, relu);
                    r += iEnd - iStart;
                }
            }
        }
    }

    /**
     * The end of a chunk's output rows rowStart .. rowEnd - 1 of channel o, image b, held in yb from its row rowStart:
     * bias and ReLU when bias is non-null, border zeroing always, then the run into out.
     */
    static void epilogue(Act out, float[] yb, int o, int b, int rowStart, int rowEnd, float[] bias, boolean relu) {
        int w2 = out.w2(), p = out.plane(), runLen = (rowEnd - rowStart) * w2, local0 = rowStart * w2;
        if (bias != null) {
            LayerOps.biasReluBorders(yb, runLen, bias[o], relu, local0, p, w2);
        } else {
            LayerOps.zeroBorders(yb, runLen, local0, p, w2);
        }
        out.buf.put(o * out.span() + b * p + local0, yb, 0, runLen);
    }

    private static void sum3(float[] a, float[] b, float[] c, float[] d, int len) {
        for (int q = 0; q < len; q++) d[q] = a[q] + b[q] + c[q];
    }

    private static void diff3(float[] a, float[] b, float[] c, float[] d, int len) {
        for (int q = 0; q < len; q++) d[q] = a[q] - b[q] - c[q];
    }

    /** One worker thread's panels, grown to the largest layer seen and then reused. */
    private static final class Scratch {
        FloatBuffer v, m;
        float[] rows = new float[0], yb = new float[0];
        final float[][] ex = new float[4][0], ox = new float[4][0], ex2 = new float[4][0], ox2 = new float[4][0];
        final float[][] vt = new float[16][0], mt = new float[16][0], st = new float[8][0], yt = new float[4][0];

        void ensure(int kIn, int mOut, int n, int size) {
            int w2 = size + 2, h = size / 2;
            if (v == null || v.capacity() < 16 * kIn * n) v = Buffers.allocate(16L * kIn * n, "Winograd input panel");
            if (m == null || m.capacity() < 16 * mOut * n) m = Buffers.allocate(16L * mOut * n, "Winograd output panel");
            // padded rows of one image a chunk reads (2 per tile row, plus 2) or writes (plus both borders): at most w2
            int ny = Math.min(w2, 2 * ((n + h - 1) / h) + 2);
            if (rows.length < ny * w2) rows = new float[ny * w2];
            if (yb.length < ny * w2) yb = new float[ny * w2];
            int in = group(n, kIn) * n, out = group(n, mOut) * n;
            grow(ex, in + h);   // one slot past the group for the row below its last tile row
            grow(ox, in + h);
            grow(ex2, in);
            grow(ox2, in);
            grow(vt, in);
            grow(mt, out);
            grow(st, out);
            grow(yt, out);
        }

    }

    /** Grows each array of a to at least len floats (scratch panels of both Winograd kernels). */
    static void grow(float[][] a, int len) {
        for (int i = 0; i < a.length; i++) if (a[i].length < len) a[i] = new float[len];
    }
}
