package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import org.gradcam4j.tensor.Tensor;

/**
 * A 3x3 convolution's kernel in the Winograd F(2x2, 3x3) domain, computed once at load:
 * {@code U = G g G^T} for every (output, input) channel pair, stored like {@link ConvWeights#taps} as
 * 16 (cout x cin) matrices, one per transform position xi = 4a + b. G is the 4x3 kernel transform of
 * Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (2016).
 *
 * <p>The same matrices serve the backward-data convolution. Its kernel is the forward kernel with
 * input and output channels swapped and both spatial axes reversed; reversing the columns of G is the
 * same as swapping its rows 0 and 3, so the transformed reversed kernel at position (a, b) is
 * {@code U} at ({@link #flip}(a), {@link #flip}(b)), transposed.
 */
final class WinogradWeights {
    final int cout, cin;
    /** (16, cout, cin): U_xi for xi = 4a + b, a and b the row and column of the 4x4 transformed kernel. */
    final FloatBuffer u;

    private static final double[][] G = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

    /** @param kernel (cout, cin, 3, 3) canonical: transformed straight into the direct buffer ({@link #transform(Tensor, double[][], FloatBuffer)}) */
    WinogradWeights(Tensor kernel) {
        this.cout = kernel.dim(0);
        this.cin = kernel.dim(1);
        this.u = Buffers.allocate(16L * cout * cin, "Winograd conv weights");
        transform(kernel, G, u);
    }

    /**
     * @param u (16, cout, cin), as {@link #transform} computes it (or a model file stored it): used where it lies
     *          when it is a view of direct memory (a mapped model file), else copied once
     */
    WinogradWeights(int cout, int cin, Tensor u) {
        if (u.size() != 16L * cout * cin) throw new IllegalArgumentException("Winograd kernel has " + u.size() + " values, expected 16 x " + cout + " x " + cin);
        this.cout = cout;
        this.cin = cin;
        this.u = Buffers.ready(u, "Winograd conv weights");
    }

    /** {@code U = G g G^T} of every (output, input) channel pair of a (cout, cin, 3, 3) kernel, as (16, cout, cin). */
    static float[] transform(Tensor kernel) { return transform(kernel, G); }

    /**
     * {@code U = G g G^T} for a kernel transform G (t x 3; t = 4 for F(2x2, 3x3), 6 for F(4x4, 3x3)), as (t t, cout, cin)
     * with position a t + b at {@code ((a t + b) cout + o) cin + c}; in double, rounded once. Output channels in parallel.
     */
    static float[] transform(Tensor kernel, double[][] g) {
        float[] u = new float[g.length * g.length * kernel.dim(0) * kernel.dim(1)];
        transform(kernel, g, FloatBuffer.wrap(u));
        return u;
    }

    /**
     * As {@link #transform(Tensor, double[][])}, into {@code u} (from position 0). A kernel held in Keras's order
     * ({@code (kh, kw, cin, cout)}, a view of a mapped Keras file: {@link Tensor#stored()}) is transformed from where it
     * lies ({@link #transformStored}); any other, output channels in parallel. Both compute every value with the same
     * double arithmetic in the same order, so the results are the same bits.
     */
    static void transform(Tensor kernel, double[][] g, FloatBuffer u) {
        int cout = kernel.dim(0), cin = kernel.dim(1), tt = g.length * g.length;
        org.gradcam4j.tensor.KerasDenseOrder order = kernel.storedOrder();
        FloatBuffer stored = kernel.stored();
        if (order != null && stored != null && order.size() == 3 && order.channels() == cin && order.out() == cout) {
            transformStored(stored, cout, cin, g, u);
            return;
        }
        java.util.stream.IntStream.range(0, cout).parallel().forEach(o -> {
            float[] rows = transformOutput(kernel, o, g);
            for (int xi = 0; xi < tt; xi++) u.put((xi * cout + o) * cin, rows, xi * cin, cin);
        });
    }

    /** Input channels per block of {@link #transformStored}, and output channels per tile. */
    private static final int C_BLOCK = 16, O_TILE = 64;

    /**
     * {@code U = G g G^T} from a kernel stored {@code (kh, kw, cin, cout)} (Keras's order) into (t t, cout, cin), without
     * reordering the kernel first: blocks of {@link #C_BLOCK} input channels in parallel; within a block, tiles of
     * {@link #O_TILE} output channels, each reading its nine taps as contiguous runs of the stored rows, computing every
     * (o, c) pair as {@link #transformOutput} does (vectorised over o), and writing {@code U} as runs of the block's
     * input channels (a cache line at 16). The loops are small methods called once per (input channel, tile), so that
     * the JIT compiles them early: the whole transform runs once per process, at load.
     */
    private static void transformStored(FloatBuffer k, int cout, int cin, double[][] g, FloatBuffer u) {
        int t = g.length, tt = t * t, blocks = (cin + C_BLOCK - 1) / C_BLOCK;
        java.util.stream.IntStream.range(0, blocks).parallel().forEach(blk -> {
            int c0 = blk * C_BLOCK, cb = Math.min(C_BLOCK, cin - c0);
            float[] row = new float[O_TILE];
            double[] taps = new double[9 * O_TILE];   // (tap, o - o0), widened once: the loops below are all double
            double[] gg = new double[3 * t * O_TILE];   // (G g) at (a, j), a row of the tile's outputs each
            double[] tile = new double[tt * C_BLOCK * O_TILE];   // (xi, c - c0, o - o0), rounded to float when written
            float[] run = new float[C_BLOCK];
            for (int o0 = 0; o0 < cout; o0 += O_TILE) {
                int ot = Math.min(O_TILE, cout - o0);
                for (int c = c0; c < c0 + cb; c++) {
                    for (int tap = 0; tap < 9; tap++) {
                        k.get((tap * cin + c) * cout + o0, row, 0, ot);
                        for (int o = 0; o < ot; o++) taps[tap * O_TILE + o] = row[o];
                    }
                    leftProducts(taps, g, gg, ot);
                    rightProducts(gg, g, tile, (c - c0) * O_TILE, ot);
                }
                for (int xi = 0; xi < tt; xi++) {
                    for (int o = 0; o < ot; o++) {
                        for (int j = 0; j < cb; j++) run[j] = (float) tile[(xi * C_BLOCK + j) * O_TILE + o];
                        u.put((xi * cout + o0 + o) * cin + c0, run, 0, cb);
                    }
                }
            }
        });
    }

    /** {@code gg(a, j)[o] = sum_i G[a][i] g[o](i, j)} for the tile's outputs, taps {@code (tap, o)} with tap = 3 i + j. */
    private static void leftProducts(double[] taps, double[][] g, double[] gg, int ot) {
        for (int a = 0; a < g.length; a++) {
            double g0 = g[a][0], g1 = g[a][1], g2 = g[a][2];
            for (int j = 0; j < 3; j++) {
                int r = (a * 3 + j) * O_TILE, k0 = j * O_TILE, k1 = (3 + j) * O_TILE, k2 = (6 + j) * O_TILE;
                for (int o = 0; o < ot; o++) gg[r + o] = g0 * taps[k0 + o] + g1 * taps[k1 + o] + g2 * taps[k2 + o];
            }
        }
    }

    /** {@code U(a, b)[o] = sum_j gg(a, j)[o] G[b][j]} into {@code tile} at (a t + b, at + o). */
    private static void rightProducts(double[] gg, double[][] g, double[] tile, int at, int ot) {
        int t = g.length;
        for (int a = 0; a < t; a++) {
            int r0 = a * 3 * O_TILE, r1 = r0 + O_TILE, r2 = r1 + O_TILE;
            for (int b = 0; b < t; b++) {
                double h0 = g[b][0], h1 = g[b][1], h2 = g[b][2];
                int dst = (a * t + b) * C_BLOCK * O_TILE + at;
                for (int o = 0; o < ot; o++) tile[dst + o] = gg[r0 + o] * h0 + gg[r1 + o] * h1 + gg[r2 + o] * h2;
            }
        }
    }

    /** Output channel {@code o}'s transformed kernels as (t t, cin): row a t + b holds U_(a,b)[o, :]. */
    private static float[] transformOutput(Tensor kernel, int o, double[][] g) {
        int cin = kernel.dim(1), t = g.length;
        float[] k = new float[9 * cin];
        kernel.read(o * cin * 9, k, 0, 9 * cin);   // a view of a mapped file is read, not copied whole
        float[] rows = new float[t * t * cin];
        double[] gg = new double[3 * t];   // G g, t x 3
        for (int c = 0; c < cin; c++) {
            int g0 = c * 9;
            for (int a = 0; a < t; a++) {
                for (int j = 0; j < 3; j++) {
                    gg[a * 3 + j] = g[a][0] * k[g0 + j] + g[a][1] * k[g0 + 3 + j] + g[a][2] * k[g0 + 6 + j];
                }
            }
            for (int a = 0; a < t; a++) {
                for (int b = 0; b < t; b++) {
                    double v = gg[a * 3] * g[b][0] + gg[a * 3 + 1] * g[b][1] + gg[a * 3 + 2] * g[b][2];
                    rows[(a * t + b) * cin + c] = (float) v;
                }
            }
        }
        return rows;
    }

    /** Row/column of the transformed kernel that the spatially reversed kernel maps position i to. */
    static int flip(int i) { return i == 0 ? 3 : i == 3 ? 0 : i; }

    /** Offset of U_xi in {@link #u}. */
    int offset(int xi) { return xi * cout * cin; }
}
