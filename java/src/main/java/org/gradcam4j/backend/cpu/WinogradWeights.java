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

    /** As {@link #transform(Tensor, double[][])}, into {@code u} (from position 0): output channels in parallel. */
    static void transform(Tensor kernel, double[][] g, FloatBuffer u) {
        int cout = kernel.dim(0), cin = kernel.dim(1), tt = g.length * g.length;
        java.util.stream.IntStream.range(0, cout).parallel().forEach(o -> {
            float[] rows = transformOutput(kernel, o, g);
            for (int xi = 0; xi < tt; xi++) u.put((xi * cout + o) * cin, rows, xi * cin, cin);
        });
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
