package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.gradcam4j.tensor.KerasDenseOrder;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Tolerances;
import org.junit.jupiter.api.Test;

/**
 * The fully-connected kernels on a kernel in Keras's order ({@link FcWeights#inputMajor}): every GEMM/GEMV branch
 * (one image, a batch, a few seed rows streamed, one seed row, more seed rows than {@link LayerOps#FC_STREAM_ROWS})
 * against the definition summed in double from the (out, c, h, w) kernel, with the spatial input flattened and the
 * input gradient unflattened in Keras's (h, w, c) order. OpenBLAS and the pure-Java GEMM.
 */
class InputMajorFcTest {
    // wide enough that every branch splits its work over both workers (column offsets into the kernel)
    private static final int CH = 512, S = 2, OUT = 140, IN = CH * S * S;

    @Test
    void openBlas() { check(SgemmProvider.BEST); }

    @Test
    void pureJava() { check(new JavaSgemm()); }

    private static void check(Sgemm gemm) {
        Random r = new Random(11);
        float[] w = new float[OUT * IN];   // canonical (out, c, h, w)
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        float[] bias = new float[OUT];
        for (int i = 0; i < OUT; i++) bias[i] = (float) r.nextGaussian();
        KerasDenseOrder order = new KerasDenseOrder(CH, S, OUT);
        FloatBuffer stored = ByteBuffer.allocateDirect(w.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int o = 0; o < OUT; o++) {
            for (int c = 0; c < CH; c++) {
                for (int y = 0; y < S; y++) {
                    for (int x = 0; x < S; x++) stored.put(((y * S + x) * CH + c) * OUT + o, w[o * IN + (c * S + y) * S + x]);
                }
            }
        }
        Tensor view = Tensor.view(stored, order);
        FcWeights fc = new FcWeights(view, new Tensor(bias, OUT));
        assertTrue(fc.inputMajor);
        assertEquals(IN, fc.in);
        try (Workers workers = new Workers(2)) {
            LayerOps ops = new LayerOps(workers, gemm);
            for (int batch : new int[] {1, 3, LayerOps.FC_STREAM_ROWS + 5}) {
                Act x = spatial(batch, r);
                FloatBuffer flat = FloatBuffer.allocate(batch * IN);
                ops.flatten(x, flat, true);
                FloatBuffer y = ByteBuffer.allocateDirect(batch * OUT * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                ops.fcForward(direct(flat), batch, fc, true, y);
                for (int b = 0; b < batch; b++) {
                    for (int o = 0; o < OUT; o++) {
                        double want = bias[o], mag = Math.abs(bias[o]);
                        for (int c = 0; c < CH; c++) {
                            for (int yy = 0; yy < S; yy++) {
                                for (int xx = 0; xx < S; xx++) {
                                    double t = (double) w[o * IN + (c * S + yy) * S + xx] * x.buf.get(x.at(c, b, yy, xx));
                                    want += t;
                                    mag += Math.abs(t);
                                }
                            }
                        }
                        assertEquals(Math.max(0, want), y.get(b * OUT + o), Tolerances.DOT_PRODUCT * (1 + mag), "forward b" + b + " o" + o);
                    }
                }
            }
            for (int m : new int[] {1, 3, LayerOps.FC_STREAM_ROWS + 5}) {
                FloatBuffer dy = ByteBuffer.allocateDirect(m * OUT * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (int i = 0; i < m * OUT; i++) dy.put(i, (float) r.nextGaussian());
                FloatBuffer dflat = ByteBuffer.allocateDirect(m * IN * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                ops.fcBackwardData(dy, m, fc, dflat);
                Act dx = new Act(ByteBuffer.allocateDirect((int) Act.floats(CH, m, S, true) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer(),
                        CH, m, S, true);
                ops.unflatten(dflat, dx, true);
                for (int row = 0; row < m; row++) {
                    for (int c = 0; c < CH; c++) {
                        for (int yy = 0; yy < S; yy++) {
                            for (int xx = 0; xx < S; xx++) {
                                double want = 0, mag = 0;
                                for (int o = 0; o < OUT; o++) {
                                    double t = (double) dy.get(row * OUT + o) * w[o * IN + (c * S + yy) * S + xx];
                                    want += t;
                                    mag += Math.abs(t);
                                }
                                assertEquals(want, dx.buf.get(dx.at(c, row, yy, xx)), Tolerances.DOT_PRODUCT * (1 + mag),
                                        "backward m" + m + " row " + row + " (" + c + ", " + yy + ", " + xx + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    private static Act spatial(int batch, Random r) {
        FloatBuffer b = ByteBuffer.allocateDirect((int) Act.floats(CH, batch, S, true) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Act a = new Act(b, CH, batch, S, true);
        for (int c = 0; c < CH; c++) {
            for (int i = 0; i < batch; i++) {
                for (int y = 0; y < S; y++) {
                    for (int x = 0; x < S; x++) b.put(a.at(c, i, y, x), (float) r.nextGaussian());
                }
            }
        }
        return a;
    }

    private static FloatBuffer direct(FloatBuffer heap) {
        FloatBuffer d = ByteBuffer.allocateDirect(heap.capacity() * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        d.put(0, heap, 0, heap.capacity());
        return d;
    }
}
