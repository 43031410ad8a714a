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

    /** @param kernel (cout, cin, 3, 3) canonical */
    WinogradWeights(Tensor kernel) {
        this(kernel.dim(0), kernel.dim(1), transform(kernel));
    }

    /** @param u (16, cout, cin), as {@link #transform} computes it (or a model file stored it) */
    WinogradWeights(int cout, int cin, float[] u) {
        if (u.length != 16L * cout * cin) throw new IllegalArgumentException("Winograd kernel has " + u.length + " values, expected 16 x " + cout + " x " + cin);
        this.cout = cout;
        this.cin = cin;
        this.u = Buffers.copyOf(u, "Winograd conv weights");
    }

    /** {@code U = G g G^T} of every (output, input) channel pair of a (cout, cin, 3, 3) kernel, as (16, cout, cin). */
    static float[] transform(Tensor kernel) { return transform(kernel, G); }

    /**
     * {@code U = G g G^T} for a kernel transform G (t x 3; t = 4 for F(2x2, 3x3), 6 for F(4x4, 3x3)), as (t t, cout, cin)
     * with position a t + b at {@code ((a t + b) cout + o) cin + c}; in double, rounded once. Output channels in parallel.
     */
    static float[] transform(Tensor kernel, double[][] g) {
        int cout = kernel.dim(0), cin = kernel.dim(1), t = g.length;
        float[] k = kernel.data();
        float[] u = new float[t * t * cout * cin];
        java.util.stream.IntStream.range(0, cout).parallel().forEach(o -> {
            double[] gg = new double[3 * t];   // G g, t x 3
            for (int c = 0; c < cin; c++) {
                int g0 = (o * cin + c) * 9;
                for (int a = 0; a < t; a++) {
                    for (int j = 0; j < 3; j++) {
                        gg[a * 3 + j] = g[a][0] * k[g0 + j] + g[a][1] * k[g0 + 3 + j] + g[a][2] * k[g0 + 6 + j];
                    }
                }
                for (int a = 0; a < t; a++) {
                    for (int b = 0; b < t; b++) {
                        double v = gg[a * 3] * g[b][0] + gg[a * 3 + 1] * g[b][1] + gg[a * 3 + 2] * g[b][2];
                        u[((a * t + b) * cout + o) * cin + c] = (float) v;
                    }
                }
            }
        });
        return u;
    }

    /** Row/column of the transformed kernel that the spatially reversed kernel maps position i to. */
    static int flip(int i) { return i == 0 ? 3 : i == 3 ? 0 : i; }

    /** Offset of U_xi in {@link #u}. */
    int offset(int xi) { return xi * cout * cin; }
}
