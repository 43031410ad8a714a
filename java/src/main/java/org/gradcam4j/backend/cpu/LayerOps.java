package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.backend.ReluRule;

/**
 * The CPU backend's layer kernels over {@link Act} tensors: 3x3 convolution forward, backward-data and
 * backward-weights as shifted GEMMs, 2x2 max pooling with argmax routing, global average pooling,
 * fully-connected layers, and the ReLU backward rules. Shapes are written per call in
 * {@code (channels, batch, padded plane)} terms; see {@link Act}.
 */
final class LayerOps {
    private final Workers workers;
    private final Sgemm gemm;
    private final ThreadLocal<FloatBuffer[]> colScratch = ThreadLocal.withInitial(() -> new FloatBuffer[1]);

    /** Below this many input channels the forward convolution gathers an im2col panel (K = 9 cin) per chunk. */
    static final int IM2COL_BELOW = org.gradcam4j.SystemProperty.IM2COL_BELOW.intValue();

    LayerOps(Workers workers, Sgemm gemm) {
        this.workers = workers;
        this.gemm = gemm;
    }

    Workers workers() { return workers; }
    Sgemm gemm() { return gemm; }

    /** Tap offsets in the padded plane: tap t = kh*3+kw reads the input at column q + (kh-1)*w2 + (kw-1). */
    static int tapOffset(int t, int w2) { return (t / 3 - 1) * w2 + (t % 3 - 1); }

    /** Which positions of a padded plane are border (true) or image (false). */
    static boolean[] borderMask(int size) {
        int w2 = size + 2;
        boolean[] m = new boolean[w2 * w2];
        for (int y = 0; y < w2; y++) for (int x = 0; x < w2; x++) m[y * w2 + x] = y == 0 || x == 0 || y == w2 - 1 || x == w2 - 1;
        return m;
    }

    /**
     * Columns per work chunk: enough for efficient GEMM calls, small enough that one chunk's input panel and
     * output tile stay in a core's L2, and at least a few chunks per thread for balance.
     */
    private int chunkColumns(int kRows, int mRows, int columns) {
        int byCache = (int) Math.max(256, (384L * 1024) / Math.max(kRows, mRows));
        int byBalance = (columns + workers.threads() * 3 - 1) / (workers.threads() * 3);
        int c = Math.max(256, Math.min(byCache, byBalance));
        return (c + 15) & ~15;
    }

    // ---------------------------------------------------------------- convolution

    /**
     * out (cout, B, P) = ReLU?(conv3x3(in (cin, B, P)) + bias). Weights: {@code taps} (9, cout, cin) and, for
     * small cin, {@code cols} (cout, 9*cin) with row index t*cin + c.
     */
    void convForward(Act in, Act out, ConvWeights w, boolean relu) {
        final int cin = in.channels, cout = out.channels, w2 = in.w2(), p = in.plane(), span = in.span();
        final int q0 = w2 + 1, q1 = span - w2 - 1, len = q1 - q0;
        final boolean im2col = cin < IM2COL_BELOW;
        final int chunk = chunkColumns(im2col ? 9 * cin : cin, cout, len);
        final int nChunks = (len + chunk - 1) / chunk;
        final FloatBuffer src = in.buf, dst = out.buf;
        workers.forEach(nChunks, ci -> {
            int s = q0 + ci * chunk, e = Math.min(q1, s + chunk), n = e - s;
            if (im2col) {
                int k = 9 * cin;
                FloatBuffer col = scratch(k * n);
                for (int t = 0; t < 9; t++) {
                    int d = tapOffset(t, w2);
                    for (int c = 0; c < cin; c++) col.put((t * cin + c) * n, src, c * span + s + d, n);
                }
                gemm.sgemm(false, false, cout, n, k, 1f, w.cols, 0, k, col, 0, n, 0f, dst, s, span);
            } else {
                for (int t = 0; t < 9; t++) {
                    gemm.sgemm(false, false, cout, n, cin, 1f, w.taps, t * cout * cin, cin,
                            src, s + tapOffset(t, w2), span, t == 0 ? 0f : 1f, dst, s, span);
                }
            }
            int local0 = s % p;
            float[] row = rowScratch(n);
            for (int c = 0; c < cout; c++) {
                int base = c * span + s;
                dst.get(base, row, 0, n);
                biasReluBorders(row, n, w.bias[c], relu, local0, p, w2);
                dst.put(base, row, 0, n);
            }
        });
        zeroEnds(dst, cout, span, q0, q1);
    }

    /**
     * dIn (cin, M, P) = conv3x3^T(dOut (cout, M, P)), the gradient w.r.t. the convolution input. dOut must be
     * zero on borders. Border values of dIn are set to zero.
     */
    void convBackwardData(Act dOut, Act dIn, ConvWeights w) {
        final int cin = dIn.channels, cout = dOut.channels, w2 = dOut.w2(), p = dOut.plane(), span = dOut.span();
        final int q0 = w2 + 1, q1 = span - w2 - 1, len = q1 - q0;
        final int chunk = chunkColumns(cout, cin, len);
        final int nChunks = (len + chunk - 1) / chunk;
        final FloatBuffer src = dOut.buf, dst = dIn.buf;
        workers.forEach(nChunks, ci -> {
            int s = q0 + ci * chunk, e = Math.min(q1, s + chunk), n = e - s;
            for (int t = 0; t < 9; t++) {
                // dIn[:, q] += W_t^T dOut[:, q - d_t]
                gemm.sgemm(true, false, cin, n, cout, 1f, w.taps, t * cout * cin, cin,
                        src, s - tapOffset(t, w2), span, t == 0 ? 0f : 1f, dst, s, span);
            }
            int local0 = s % p;
            float[] row = rowScratch(n);
            for (int c = 0; c < cin; c++) {
                int base = c * span + s;
                dst.get(base, row, 0, n);
                zeroBorders(row, n, local0, p, w2);
                dst.put(base, row, 0, n);
            }
        });
        zeroEnds(dst, cin, span, q0, q1);
    }

    /**
     * {@link #convBackwardData} for few input channels (the first layer, cin = 3), where nine GEMMs with M = cin
     * would waste the GEMM kernel: one GEMM cols (9 cin x n') = W_cols^T dOut over the chunk widened by one
     * plane row on each side, then each input value sums its nine shifted taps (col2im).
     */
    void convBackwardDataSmallCin(Act dOut, Act dIn, ConvWeights w) {
        final int cin = dIn.channels, cout = dOut.channels, w2 = dOut.w2(), p = dOut.plane(), span = dOut.span();
        final int q0 = w2 + 1, q1 = span - w2 - 1, len = q1 - q0, k = 9 * cin, halo = w2 + 1;
        final int chunk = chunkColumns(cout, k, len);
        final int nChunks = (len + chunk - 1) / chunk;
        final FloatBuffer src = dOut.buf, dst = dIn.buf;
        workers.forEach(nChunks, ci -> {
            int s = q0 + ci * chunk, e = Math.min(q1, s + chunk), n = e - s, wide = n + 2 * halo;
            FloatBuffer cols = scratch(k * wide);
            gemm.sgemm(true, false, k, wide, cout, 1f, w.cols, 0, k, src, s - halo, span, 0f, cols, 0, wide);
            float[] row = rowScratch(n);
            int local0 = s % p;
            for (int c = 0; c < cin; c++) {
                java.util.Arrays.fill(row, 0, n, 0f);
                for (int t = 0; t < 9; t++) {
                    int from = (t * cin + c) * wide + halo - tapOffset(t, w2);
                    for (int j = 0; j < n; j++) row[j] += cols.get(from + j);
                }
                zeroBorders(row, n, local0, p, w2);
                dst.put(c * span + s, row, 0, n);
            }
        });
        zeroEnds(dst, cin, span, q0, q1);
    }

    /**
     * Weight gradients of a convolution: dW (cout, cin, 3, 3) and db (cout), summed over the batch, from
     * dOut (cout, M, P) (zero borders) and the layer input x (cin, M, P) aligned with it.
     */
    void convBackwardWeights(Act dOut, Act x, float[] dKernel, float[] dBias) {
        final int cin = x.channels, cout = dOut.channels, w2 = dOut.w2(), span = dOut.span();
        final int q0 = w2 + 1, q1 = span - w2 - 1, len = q1 - q0;
        final int parts = Math.max(1, Math.min(workers.threads() * 2, len / 1024));
        final int per = (len + parts - 1) / parts;
        final FloatBuffer[] partial = new FloatBuffer[parts];
        workers.forEach(parts, pi -> {
            int s = q0 + pi * per, e = Math.min(q1, s + per), n = e - s;
            FloatBuffer acc = Buffers.allocate(9L * cout * cin, "conv weight gradient");
            for (int t = 0; t < 9; t++) {
                // dW_t (cout x cin) = dOut[:, s..e) * x[:, s+d .. e+d)^T
                gemm.sgemm(false, true, cout, cin, n, 1f, dOut.buf, s, span, x.buf, s + tapOffset(t, w2), span,
                        0f, acc, t * cout * cin, cin);
            }
            partial[pi] = acc;
        });
        java.util.Arrays.fill(dKernel, 0f);
        for (FloatBuffer acc : partial) {
            for (int t = 0; t < 9; t++) {
                for (int o = 0; o < cout; o++) {
                    for (int c = 0; c < cin; c++) dKernel[(o * cin + c) * 9 + t] += acc.get((t * cout + o) * cin + c);
                }
            }
        }
        for (int o = 0; o < cout; o++) {
            double sum = 0;
            int base = o * span;
            for (int q = 0; q < span; q++) sum += dOut.buf.get(base + q);
            dBias[o] = (float) sum;
        }
    }

    private final ThreadLocal<float[][]> rows = ThreadLocal.withInitial(() -> new float[1][0]);

    private float[] rowScratch(int n) {
        float[][] h = rows.get();
        if (h[0].length < n) h[0] = new float[n];
        return h[0];
    }

    /**
     * The end of every forward convolution (direct and Winograd): adds the bias to a run of n values of one
     * output channel, applies the ReLU if asked, and zeroes the border positions of the run, which starts at
     * plane offset local0 (see {@link #zeroBorders}).
     */
    static void biasReluBorders(float[] row, int n, float bias, boolean relu, int local0, int p, int w2) {
        // branch-free (a data-dependent branch here mispredicts on half the values)
        if (relu) {
            for (int j = 0; j < n; j++) row[j] = Math.max(row[j] + bias, 0f);
        } else {
            for (int j = 0; j < n; j++) row[j] += bias;
        }
        zeroBorders(row, n, local0, p, w2);
    }

    /**
     * Zeroes the border positions of a run of n values of padded planes that starts at plane offset local0: the
     * first and last row of each plane and the first and last column of every row.
     */
    static void zeroBorders(float[] row, int n, int local0, int p, int w2) {
        int j = 0, local = local0;
        while (j < n) {
            int y = local / w2, x = local % w2;
            if (y == 0 || y == w2 - 1) {
                int runEnd = Math.min(n, j + (w2 - x));      // to the end of this border row
                java.util.Arrays.fill(row, j, runEnd, 0f);
                local += runEnd - j;
                j = runEnd;
            } else {
                if (x == 0) row[j] = 0f;
                int last = j + (w2 - 1 - x);                  // the right border of this row
                if (last < n) row[last] = 0f;
                int next = Math.min(n, last + 1);
                local += next - j;
                j = next;
            }
            if (local >= p) local -= p;
        }
    }

    private FloatBuffer scratch(int floats) {
        FloatBuffer[] h = colScratch.get();
        if (h[0] == null || h[0].capacity() < floats) h[0] = Buffers.allocate(floats, "im2col panel");
        return h[0];
    }

    private static void zeroEnds(FloatBuffer b, int channels, int span, int q0, int q1) {
        for (int c = 0; c < channels; c++) {
            int base = c * span;
            for (int q = 0; q < q0; q++) b.put(base + q, 0f);
            for (int q = q1; q < span; q++) b.put(base + q, 0f);
        }
    }

    // ---------------------------------------------------------------- pooling

    /** out (C, B, P/4) = maxpool2x2(in (C, B, P)); argmax (C, B, S/2, S/2) records the winner 0..3 (row-major, first max wins). */
    void maxPoolForward(Act in, Act out, byte[] argmax) {
        final int os = out.size, ow2 = out.w2(), op = out.plane(), iw2 = in.w2(), ip = in.plane();
        final int batch = in.batch;
        workers.forEach(in.channels, c -> {
            FloatBuffer src = in.buf, dst = out.buf;
            float[] r0 = new float[iw2], r1 = new float[iw2], o = new float[ow2];
            int ob = c * out.span();
            for (int b = 0; b < batch; b++) {
                int obase = ob + b * op;
                java.util.Arrays.fill(o, 0f);
                dst.put(obase, o, 0, ow2);                          // top border row
                dst.put(obase + (ow2 - 1) * ow2, o, 0, ow2);        // bottom border row
                for (int y = 0; y < os; y++) {
                    int ai = ((c * batch + b) * os + y) * os;
                    int ibase = c * in.span() + b * ip + (2 * y + 1) * iw2;
                    src.get(ibase, r0, 0, iw2);
                    src.get(ibase + iw2, r1, 0, iw2);
                    for (int x = 0; x < os; x++) {
                        // Strict > keeps the first maximum in row-major order, as PyTorch does. The comparisons run
                        // on order keys (orderKey) with int max and sign bits: HotSpot compiles a float select to a
                        // branch, which mispredicts on about half the windows (the winner is data-dependent).
                        int i0 = 1 + 2 * x;
                        int k0 = orderKey(r0[i0]), k1 = orderKey(r0[i0 + 1]), k2 = orderKey(r1[i0]), k3 = orderKey(r1[i0 + 1]);
                        int top = beats(k1, k0), bottom = beats(k3, k2);
                        int m1 = Math.max(k0, k1), m2 = Math.max(k2, k3);
                        int second = beats(m2, m1);
                        o[x + 1] = fromOrderKey(Math.max(m1, m2));
                        argmax[ai + x] = (byte) (second * (2 + bottom) + (second ^ 1) * top);
                    }
                    o[0] = 0f;
                    o[ow2 - 1] = 0f;
                    dst.put(obase + (y + 1) * ow2, o, 0, ow2);
                }
            }
        });
    }

    /**
     * An int whose order is the float order of v, with -0 and +0 one key (v + 0f is +0 for either): the float's bits,
     * the negative ones' magnitude bits flipped. {@link #fromOrderKey} gives back v (+0 for -0). A NaN, which only a
     * non-finite input makes, orders above +infinity here where a float comparison never selects it.
     */
    static int orderKey(float v) {
        int b = Float.floatToRawIntBits(v + 0f);
        return b ^ ((b >> 31) & 0x7fffffff);
    }

    static float fromOrderKey(int k) {
        return Float.intBitsToFloat(k ^ ((k >> 31) & 0x7fffffff));
    }

    /** 1 when key a is strictly greater than key b, else 0, without a branch (the difference taken in long: no overflow). */
    static int beats(int a, int b) {
        return (int) (((long) b - a) >>> 63);
    }

    /** dIn (C, M, P) = route dOut (C, M, P/4) to the forward argmax of image imageOf[m]; dIn is fully written. */
    void maxPoolBackward(Act dOut, Act dIn, byte[] argmax, int forwardBatch, int[] imageOf) {
        final int os = dOut.size, ow2 = dOut.w2(), op = dOut.plane(), iw2 = dIn.w2(), ip = dIn.plane();
        final int m = dOut.batch;
        workers.forEach(dOut.channels, c -> {
            FloatBuffer src = dOut.buf, dst = dIn.buf;
            int ib0 = c * dIn.span();
            for (int q = 0; q < dIn.span(); q++) dst.put(ib0 + q, 0f);
            for (int r = 0; r < m; r++) {
                int img = imageOf[r];
                for (int y = 0; y < os; y++) {
                    int ai = ((c * forwardBatch + img) * os + y) * os;
                    int ibase = ib0 + r * ip + (2 * y + 1) * iw2 + 1;
                    int obase = c * dOut.span() + r * op + (y + 1) * ow2 + 1;
                    for (int x = 0; x < os; x++) {
                        int k = argmax[ai + x];
                        dst.put(ibase + 2 * x + (k >> 1) * iw2 + (k & 1), src.get(obase + x));
                    }
                }
            }
        });
    }

    /** out (B, C) = mean over the image of in (C, B, P). */
    void gapForward(Act in, Act out) {
        int s = in.size;
        double inv = 1.0 / ((double) s * s);
        for (int c = 0; c < in.channels; c++) {
            for (int b = 0; b < in.batch; b++) {
                double sum = 0;
                for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) sum += in.buf.get(in.at(c, b, y, x));
                out.buf.put(b * in.channels + c, (float) (sum * inv));
            }
        }
    }

    /** dIn (C, M, P) = dOut (M, C) / (S*S) spread evenly over the image, zero borders. */
    void gapBackward(Act dOut, Act dIn) {
        int s = dIn.size;
        float inv = 1f / (s * s);
        FloatBuffer d = dIn.buf;
        for (int i = 0; i < Act.floats(dIn.channels, dIn.batch, s, true); i++) d.put(i, 0f);
        for (int c = 0; c < dIn.channels; c++) {
            for (int r = 0; r < dIn.batch; r++) {
                float g = dOut.buf.get(r * dIn.channels + c) * inv;
                for (int y = 0; y < s; y++) for (int x = 0; x < s; x++) d.put(dIn.at(c, r, y, x), g);
            }
        }
    }

    // ---------------------------------------------------------------- fully connected

    /** Flattens a spatial tensor (C, B, P) into (B, C*S*S) in (c, h, w) order. */
    void flatten(Act in, FloatBuffer out) { flatten(in, out, false); }

    /**
     * A spatial tensor into rows (B, C*S*S): each row in {@code (c, h, w)} order, or with {@code hwc} in {@code (h, w, c)}
     * order (Keras's flatten, which an {@link FcWeights#inputMajor} kernel expects).
     */
    void flatten(Act in, FloatBuffer out, boolean hwc) {
        int s = in.size, ch = in.channels, f = ch * s * s;
        workers.forEach(in.batch, b -> {
            for (int c = 0; c < ch; c++) {
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) out.put(b * f + flatIndex(c, y, x, ch, s, hwc), in.buf.get(in.at(c, b, y, x)));
                }
            }
        });
    }

    private static int flatIndex(int c, int y, int x, int channels, int s, boolean hwc) {
        return hwc ? (y * s + x) * channels + c : (c * s + y) * s + x;
    }

    /** Inverse of {@link #flatten(Act, FloatBuffer, boolean)}: (M, C*S*S) into a spatial tensor with zero borders. */
    void unflatten(FloatBuffer in, Act out, boolean hwc) {
        int s = out.size, ch = out.channels, f = ch * s * s;
        FloatBuffer d = out.buf;
        long n = Act.floats(out.channels, out.batch, s, true);
        for (int i = 0; i < n; i++) d.put(i, 0f);
        workers.forEach(out.batch, b -> {
            for (int c = 0; c < ch; c++) {
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) d.put(out.at(c, b, y, x), in.get(b * f + flatIndex(c, y, x, ch, s, hwc)));
                }
            }
        });
    }

    /**
     * y (B, out) = ReLU?(x (B, in) W^T + b), W (out, in); or for an {@link FcWeights#inputMajor} kernel K = W^T (in, out),
     * y = x K with x flattened as K's inputs are.
     */
    void fcForward(FloatBuffer x, int batch, FcWeights w, boolean relu, FloatBuffer y) {
        int out = w.out, in = w.in;
        int parts = Math.min(workers.threads(), Math.max(1, out / 64));
        int per = ((out + parts - 1) / parts + 15) & ~15;
        workers.forEach(parts, pi -> {
            int o0 = pi * per, o1 = Math.min(out, o0 + per);
            if (o1 <= o0) return;
            if (batch == 1) gemvW(w, false, o0, o1 - o0, 0, in, x, y, o0); // one image: GEMV
            else gemm.sgemm(false, w.op(true), batch, o1 - o0, in, 1f, x, 0, in, w.kernel, w.at(o0, 0), w.ld(), 0f, y, o0, out);
            for (int b = 0; b < batch; b++) {
                for (int o = o0; o < o1; o++) {
                    float v = y.get(b * out + o) + (w.bias == null ? 0f : w.bias[o]);
                    if (relu && v < 0f) v = 0f;
                    y.put(b * out + o, v);
                }
            }
        });
    }

    /**
     * y[yOff..] = op(W[o0 .. o0+no, i0 .. i0+ni]) x ({@code transposeW}: W^T) for a kernel in either stored layout:
     * BLAS's GEMV takes the stored block's own rows and columns, which Keras's order swaps.
     */
    private void gemvW(FcWeights w, boolean transposeW, int o0, int no, int i0, int ni, FloatBuffer x, FloatBuffer y, int yOff) {
        if (w.inputMajor) gemm.sgemv(!transposeW, ni, no, 1f, w.kernel, w.at(o0, i0), w.ld(), x, 0, 0f, y, yOff);
        else gemm.sgemv(transposeW, no, ni, 1f, w.kernel, w.at(o0, i0), w.ld(), x, 0, 0f, y, yOff);
    }

    /** Up to this many seed rows, fc backward-data streams the weights once instead of calling GEMM. */
    static final int FC_STREAM_ROWS = 32;

    /** dx (M, in) = dy (M, out) W; for an {@link FcWeights#inputMajor} kernel K = W^T, dy K^T, in K's input order. */
    void fcBackwardData(FloatBuffer dy, int m, FcWeights w, FloatBuffer dx) {
        int out = w.out, in = w.in;
        if (m <= FC_STREAM_ROWS) {
            fcBackwardDataStreaming(dy, m, w, dx);
            return;
        }
        int parts = Math.min(workers.threads(), Math.max(1, in / 256));
        int per = ((in + parts - 1) / parts + 15) & ~15;
        workers.forEach(parts, pi -> {
            int i0 = pi * per, i1 = Math.min(in, i0 + per);
            if (i1 > i0) gemm.sgemm(false, w.op(false), m, i1 - i0, out, 1f, dy, 0, out, w.kernel, w.at(0, i0), w.ld(), 0f, dx, i0, in);
        });
    }

    /**
     * dx = dy W for few rows, computed transposed: dx^T (in x M) = W^T (in x out) dy^T (out x M), split over
     * the input columns. With M this small, GEMM's cost is packing the weights (fc1: 411 MB); in this form
     * OpenBLAS packs the small dy^T and streams W, measured 1.6x faster than dy W (~110 ms vs ~180 ms for
     * VGG's fc1 at M = 8 on one core).
     */
    private void fcBackwardDataStreaming(FloatBuffer dy, int m, FcWeights w, FloatBuffer dx) {
        int out = w.out, in = w.in;
        if (m == 1) {
            // one seed row: dx = W^T dy, a GEMV over column blocks of W (about 2.5x faster than the GEMM below for fc1 in a one-off timing)
            int parts = Math.max(1, Math.min(workers.threads(), in / 1024));
            int per = ((in + parts - 1) / parts + 15) & ~15;
            workers.forEach(parts, pi -> {
                int i0 = pi * per, i1 = Math.min(in, i0 + per);
                if (i1 > i0) gemvW(w, true, 0, out, i0, i1 - i0, dy, dx, i0);
            });
            return;
        }
        FloatBuffer dxT = Buffers.allocate((long) in * m, "fc input gradient");
        int parts = Math.max(1, Math.min(workers.threads(), in / 1024));
        int per = ((in + parts - 1) / parts + 15) & ~15;
        workers.forEach(parts, pi -> {
            int i0 = pi * per, i1 = Math.min(in, i0 + per);
            if (i1 > i0) gemm.sgemm(w.op(true), true, i1 - i0, m, out, 1f, w.kernel, w.at(0, i0), w.ld(), dy, 0, out, 0f, dxT, i0 * m, m);
        });
        float[] t = new float[in * m];
        dxT.get(0, t, 0, in * m);
        float[] row = new float[in];
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < in; i++) row[i] = t[i * m + r];
            dx.put(r * in, row, 0, in);
        }
    }

    /** dW (out, in) = dy^T x, db = column sums of dy; dy (M, out), x (M, in). */
    void fcBackwardWeights(FloatBuffer dy, FloatBuffer x, int m, int out, int in, float[] dKernel, float[] dBias) {
        FloatBuffer acc = Buffers.allocate((long) out * in, "fc weight gradient");
        int parts = Math.min(workers.threads(), Math.max(1, out / 64));
        int per = ((out + parts - 1) / parts + 15) & ~15;
        workers.forEach(parts, pi -> {
            int o0 = pi * per, o1 = Math.min(out, o0 + per);
            if (o1 > o0) gemm.sgemm(true, false, o1 - o0, in, m, 1f, dy, o0, out, x, 0, in, 0f, acc, o0 * in, in);
        });
        acc.get(0, dKernel, 0, out * in);
        if (dBias != null) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int r = 0; r < m; r++) s += dy.get(r * out + o);
                dBias[o] = (float) s;
            }
        }
    }

    // ---------------------------------------------------------------- ReLU backward

    /**
     * In place: g = rule(g, y > 0) for a gradient g (C, M, ...) at a ReLU whose forward output y (C, B, ...) belongs
     * to image imageOf[m]. Spatial tensors share the padded layout (borders stay zero: the rules map 0 to 0).
     */
    void reluBackward(Act g, Act y, int[] imageOf, ReluRule rule) {
        if (g.spatial) {
            int p = g.plane(), gs = g.span(), ys = y.span();
            workers.forEach(g.channels, c -> {
                for (int r = 0; r < g.batch; r++) {
                    int gb = c * gs + r * p, yb = c * ys + imageOf[r] * p;
                    applyRule(g.buf, gb, y.buf, yb, p, rule);
                }
            });
        } else {
            int ch = g.channels;
            for (int r = 0; r < g.batch; r++) applyRule(g.buf, r * ch, y.buf, imageOf[r] * ch, ch, rule);
        }
    }

    private final ThreadLocal<float[][]> ruleRows = ThreadLocal.withInitial(() -> new float[2][0]);

    private void applyRule(FloatBuffer g, int gOff, FloatBuffer y, int yOff, int n, ReluRule rule) {
        float[][] h = ruleRows.get();
        if (h[0].length < n) {
            h[0] = new float[n];
            h[1] = new float[n];
        }
        float[] gr = h[0], yr = h[1];
        g.get(gOff, gr, 0, n);
        // Masks on the floats' bits, not selects: HotSpot compiles yr > 0f ? g : 0f to a branch, and the sign of a
        // ReLU input is data-dependent (about half mispredict; measured: 190-240 ms against 13 ms for the max-only
        // rule on block1's gradient at batch 8). positive(y) is y > 0 for every non-NaN y, -0 included.
        switch (rule) {
            case GRADIENT -> {
                y.get(yOff, yr, 0, n);
                for (int i = 0; i < n; i++) gr[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gr[i]) & positive(yr[i]));
            }
            case GUIDED -> {
                y.get(yOff, yr, 0, n);
                for (int i = 0; i < n; i++) {
                    int b = Float.floatToRawIntBits(gr[i]);
                    gr[i] = Float.intBitsToFloat(b & ~(b >> 31) & positive(yr[i]));   // max(g, 0), +0 for -0, where y > 0
                }
            }
            case DECONVNET -> {
                for (int i = 0; i < n; i++) gr[i] = Math.max(gr[i], 0f);
            }
        }
        g.put(gOff, gr, 0, n);
    }

    /** All ones when v > 0 (its bits a positive int: v positive, not -0 or +0), else 0; NaN with the sign bit clear counts as positive. */
    static int positive(float v) {
        int b = Float.floatToRawIntBits(v);
        return (-b & ~b) >> 31;
    }

    /** Gathers rows imageOf[m] of a forward tensor (C, B, ...) into (C, M, ...) so it aligns with a gradient. */
    static void gather(Act src, int[] imageOf, Act dst) {
        if (src.spatial) {
            int p = src.plane();
            for (int c = 0; c < src.channels; c++) {
                for (int r = 0; r < imageOf.length; r++) {
                    int from = c * src.span() + imageOf[r] * p, to = c * dst.span() + r * p;
                    for (int i = 0; i < p; i++) dst.buf.put(to + i, src.buf.get(from + i));
                }
            }
        } else {
            int ch = src.channels;
            for (int r = 0; r < imageOf.length; r++) {
                for (int i = 0; i < ch; i++) dst.buf.put(r * ch + i, src.buf.get(imageOf[r] * ch + i));
            }
        }
    }
}
