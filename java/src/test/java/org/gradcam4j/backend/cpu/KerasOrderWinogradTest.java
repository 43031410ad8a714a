package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.gradcam4j.tensor.KerasDenseOrder;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Tolerances;
import org.junit.jupiter.api.Test;

/**
 * The Winograd kernel transforms of a conv kernel held in Keras's order ({@code (kh, kw, cin, cout)}, a mapped Keras
 * file's view) against {@code U = G g G^T} summed in double from the definition, for F(2x2) and F(4x4), with channel
 * counts that leave partial blocks and tiles (70 outputs, 37 inputs).
 */
class KerasOrderWinogradTest {
    private static final int COUT = 70, CIN = 37;

    @Test
    void f2x2() { check(new double[][] {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}); }

    @Test
    void f4x4() { check(Winograd4Conv.G); }

    private static void check(double[][] g) {
        Random r = new Random(3);
        float[] w = new float[COUT * CIN * 9];   // canonical (cout, cin, 3, 3)
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        FloatBuffer stored = ByteBuffer.allocateDirect(w.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int o = 0; o < COUT; o++) {
            for (int c = 0; c < CIN; c++) {
                for (int tap = 0; tap < 9; tap++) stored.put((tap * CIN + c) * COUT + o, w[(o * CIN + c) * 9 + tap]);
            }
        }
        Tensor view = Tensor.view(stored, new KerasDenseOrder(CIN, 3, COUT)).reshape(COUT, CIN, 3, 3);
        assertNotNull(view.stored());
        int t = g.length;
        float[] u = WinogradWeights.transform(view, g);
        for (int o = 0; o < COUT; o++) {
            for (int c = 0; c < CIN; c++) {
                for (int a = 0; a < t; a++) {
                    for (int b = 0; b < t; b++) {
                        double want = 0, mag = 0;
                        for (int y = 0; y < 3; y++) {
                            for (int x = 0; x < 3; x++) {
                                double term = g[a][y] * w[(o * CIN + c) * 9 + y * 3 + x] * g[b][x];
                                want += term;
                                mag += Math.abs(term);
                            }
                        }
                        assertEquals(want, u[((a * t + b) * COUT + o) * CIN + c], Tolerances.DOT_PRODUCT * (1 + mag),
                                "U(" + a + ", " + b + ") of (" + o + ", " + c + ")");
                    }
                }
            }
        }
    }
}
