package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.SplittableRandom;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Winograd F(2x2, 3x3) against the direct shifted-GEMM convolution (the reference) on random data, forward
 * (bias and ReLU included) and backward-data, over channel counts, image sizes (14 and 2 among them) and batches
 * (1, 3, ...), with the default chunking (chunks of whole images, or of several) and with chunks of 3 tile rows
 * that start and end inside images; then a whole network, forced Winograd and auto against direct.
 *
 * Tolerance: relative L2 <= 1e-5 against the direct path, the project's float32 parity. Both are float32
 * sums of 9 cin products per output; Winograd's transforms add a few roundings per term (measured 1e-7 to
 * 6e-7 here), and a float64 naive convolution checks that Winograd is not the less accurate of the two by
 * more than a small factor. Border positions must be exactly zero: later layers read them as padding.
 */
class WinogradConvTest {
    static final double PARITY = 1e-5;

    @ParameterizedTest(name = "cin {0} cout {1} size {2} batch {3}")
    @CsvSource({
            "3, 16, 8, 2",
            "16, 8, 10, 3",
            "64, 64, 14, 1",
            "64, 128, 14, 3",
            "128, 64, 28, 2",
            "256, 256, 14, 8",
            "512, 512, 14, 2",
            "32, 48, 56, 1",
            "8, 8, 2, 5",
    })
    void matchesDirect(int cin, int cout, int size, int batch) {
        SplittableRandom rnd = new SplittableRandom(31L * cin + 7L * cout + size + batch);
        Tensor kernel = randomKernel(cout, cin, rnd);
        Tensor bias = Tensor.zeros(cout);
        for (int i = 0; i < cout; i++) bias.data()[i] = (float) (rnd.nextDouble() - 0.5);
        ConvWeights direct = new ConvWeights(kernel, bias);
        WinogradWeights wino = new WinogradWeights(kernel);
        Act x = randomAct(cin, batch, size, rnd);
        Act dy = randomAct(cout, batch, size, rnd);
        try (Workers workers = new Workers(2)) {
            LayerOps ops = new LayerOps(workers, Sgemm.best());
            Act wantF = emptyAct(cout, batch, size), wantReluF = emptyAct(cout, batch, size), wantB = emptyAct(cin, batch, size);
            ops.convForward(x, wantF, direct, false);
            ops.convForward(x, wantReluF, direct, true);
            ops.convBackwardData(dy, wantB, direct);
            // the default chunking, and chunks of 3 tile rows, which start and end inside images
            for (int chunkTiles : new int[] {0, 3 * (size / 2)}) {
                WinogradConv wc = new WinogradConv(workers, Sgemm.best(), chunkTiles);
                String how = chunkTiles == 0 ? "" : " (3-row chunks)";
                Act got = emptyAct(cout, batch, size);
                wc.forward(x, got, wino, direct.bias, false);
                check("forward" + how, got, wantF);
                wc.forward(x, got, wino, direct.bias, true);
                check("forward relu" + how, got, wantReluF);
                Act gotB = emptyAct(cin, batch, size);
                wc.backwardData(dy, gotB, wino);
                check("backward-data" + how, gotB, wantB);
            }
        }
    }

    /**
     * Winograd F(4x4, 3x3) forwards against the direct path likewise, on sides divisible by 4 (4 among them: one tile
     * row per image), bias and ReLU included, with the default chunking and with chunks of 3 tile rows.
     */
    @ParameterizedTest(name = "F(4x4) cin {0} cout {1} size {2} batch {3}")
    @CsvSource({
            "3, 16, 8, 2",
            "16, 8, 12, 3",
            "64, 128, 28, 3",
            "256, 256, 28, 8",
            "512, 512, 4, 2",
            "32, 48, 56, 1",
            "256, 512, 28, 1",
    })
    void f4MatchesDirect(int cin, int cout, int size, int batch) {
        SplittableRandom rnd = new SplittableRandom(17L * cin + 5L * cout + size + batch);
        Tensor kernel = randomKernel(cout, cin, rnd);
        Tensor bias = Tensor.zeros(cout);
        for (int i = 0; i < cout; i++) bias.data()[i] = (float) (rnd.nextDouble() - 0.5);
        ConvWeights direct = new ConvWeights(kernel, bias);
        java.nio.FloatBuffer u = Winograd4Conv.transform(kernel);
        Act x = randomAct(cin, batch, size, rnd);
        try (Workers workers = new Workers(2)) {
            LayerOps ops = new LayerOps(workers, Sgemm.best());
            Act want = emptyAct(cout, batch, size), wantRelu = emptyAct(cout, batch, size);
            ops.convForward(x, want, direct, false);
            ops.convForward(x, wantRelu, direct, true);
            for (int chunkTiles : new int[] {0, 3 * (size / 4)}) {
                Winograd4Conv wc = new Winograd4Conv(workers, Sgemm.best(), chunkTiles);
                String how = chunkTiles == 0 ? "F4" : "F4 (3-row chunks)";
                Act got = emptyAct(cout, batch, size);
                wc.forward(x, got, u, direct.bias, false);
                check("forward " + how, got, want);
                wc.forward(x, got, u, direct.bias, true);
                check("forward relu " + how, got, wantRelu);
            }
        }
    }

    /**
     * F(4x4) with its max pooling fused ({@link Winograd4Conv#forwardPooled}) against the unfused pair (forward, then
     * {@link LayerOps#maxPoolForward}): the same values bit for bit, borders included, and the same argmax, after ReLU
     * (whose zeros make ties, which must resolve to the first maximum), over the default chunking, chunks of
     * 3 tile rows, and the one-chunk phased path (few tiles: batch 1 at 28 and below).
     */
    @ParameterizedTest(name = "F(4x4)+pool cin {0} cout {1} size {2} batch {3}")
    @CsvSource({
            "16, 8, 12, 3",
            "64, 64, 56, 2",
            "256, 512, 28, 1",
            "512, 512, 4, 2",
            "32, 48, 8, 1",
    })
    void f4PooledMatchesUnfused(int cin, int cout, int size, int batch) {
        SplittableRandom rnd = new SplittableRandom(13L * cin + 3L * cout + size + batch);
        Tensor kernel = randomKernel(cout, cin, rnd);
        float[] bias = new float[cout];
        for (int i = 0; i < cout; i++) bias[i] = (float) (rnd.nextDouble() - 0.5);
        java.nio.FloatBuffer u = Winograd4Conv.transform(kernel);
        Act x = randomAct(cin, batch, size, rnd);
        int ps = size / 2, count = cout * batch * ps * ps;
        try (Workers workers = new Workers(2)) {
            LayerOps ops = new LayerOps(workers, Sgemm.best());
            for (boolean relu : new boolean[] {true}) {
                for (int chunkTiles : new int[] {0, 3 * (size / 4)}) {
                    Winograd4Conv wc = new Winograd4Conv(workers, Sgemm.best(), chunkTiles);
                    Act conv = emptyAct(cout, batch, size), want = emptyAct(cout, batch, ps), got = emptyAct(cout, batch, ps);
                    byte[] wantArg = new byte[count], gotArg = new byte[count];
                    wc.forward(x, conv, u, bias, relu);
                    ops.maxPoolForward(conv, want, wantArg);
                    for (int i = 0; i < got.buf.capacity(); i++) got.buf.put(i, Float.NaN);   // every value must be written
                    wc.forwardPooled(x, got, gotArg, u, bias);
                    String how = "relu " + relu + ", chunk tiles " + chunkTiles;
                    for (int i = 0; i < want.buf.capacity(); i++) {
                        assertEquals(Float.floatToRawIntBits(want.buf.get(i)), Float.floatToRawIntBits(got.buf.get(i)), how + ": value " + i);
                    }
                    org.junit.jupiter.api.Assertions.assertArrayEquals(wantArg, gotArg, how + ": argmax");
                }
            }
        }
    }

    /**
     * A whole network (widths 32..128, so auto picks Winograd everywhere but block1_conv1's forward), forced Winograd
     * and auto against direct: logits, an activation, and input gradients through every backward-data convolution.
     */
    @Test
    void networkMatchesDirect() {
        Architecture arch = Architecture.custom("wide", 32, new int[] {2, 2, 2, 2, 1}, new int[] {32, 64, 64, 96, 128},
                new int[] {32}, 10, Head.FC, 0);
        Model model = RandomWeights.model(arch, 3);
        Tensor x = Tensor.zeros(3, 3, 32, 32);
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < x.size(); i++) x.data()[i] = (float) (rnd.nextDouble() * 4 - 2);
        Tensor seeds = BackwardRequest.oneHot(new int[] {1, 4, 7}, 10);
        String target = arch.defaultTargetLayer();
        try (Workers w0 = new Workers(2); Workers w1 = new Workers(2); Workers w2 = new Workers(2); Workers w3 = new Workers(2);
             CpuNetwork direct = new CpuNetwork(model, w0, Sgemm.best(), ConvAlgorithm.DIRECT);
             CpuNetwork wino = new CpuNetwork(model, w1, Sgemm.best(), ConvAlgorithm.WINOGRAD);
             CpuNetwork auto = new CpuNetwork(model, w2, Sgemm.best(), ConvAlgorithm.AUTO);
             CpuNetwork wino4 = new CpuNetwork(model, w3, Sgemm.best(), ConvAlgorithm.WINOGRAD4);
             ForwardPass want = direct.forward(x, Architecture.INPUT)) {
            assertTrue(wino.winogradForward[0] != null && auto.winogradForward[0] == null && auto.winograd4Forward[0] == null && auto.winograd4Forward[1] != null,
                    "forced Winograd runs every layer; auto leaves block1_conv1's forward (cin 3) to the direct path and runs F(4x4) above it");
            BackwardRequest req = new BackwardRequest(seeds, new int[] {0, 1, 2}, Architecture.INPUT, ReluRule.GRADIENT, Set.of(target), Set.of());
            Gradients gw = want.backward(req);
            assertTrue(wino4.winograd4Forward[0] != null && wino4.winograd4Forward[3] != null,
                    "winograd4 runs F(4x4) on the 32x32 and 16x16 layers");
            for (CpuNetwork net : new CpuNetwork[] {wino, auto, wino4}) {
                try (ForwardPass got = net.forward(x, Architecture.INPUT)) {
                    String who = net == wino ? "winograd" : net == auto ? "auto" : "winograd4";
                    close(who + " logits", got.logits(), want.logits());
                    close(who + " " + target, got.activation(target), want.activation(target));
                    Gradients g = got.backward(req);
                    close(who + " grad " + target, g.at(target), gw.at(target));
                    close(who + " grad input", g.at(Architecture.INPUT), gw.at(Architecture.INPUT));
                }
            }
        }
    }

    private static void close(String what, Tensor got, Tensor want) {
        double err = Errors.relativeL2(got, want);
        System.out.printf("  %-28s relative L2 %.2e%n", what, err);
        assertTrue(err <= PARITY, what + ": relative L2 " + err + " > " + PARITY);
    }

    /** Float64 naive convolution: Winograd's float32 error is of the same order as the direct path's. */
    @Test
    void accuracyAgainstFloat64() {
        int cin = 96, cout = 32, size = 12, batch = 2;
        SplittableRandom rnd = new SplittableRandom(5);
        Tensor kernel = randomKernel(cout, cin, rnd);
        Tensor bias = Tensor.zeros(cout);
        ConvWeights direct = new ConvWeights(kernel, bias);
        WinogradWeights wino = new WinogradWeights(kernel);
        Act x = randomAct(cin, batch, size, rnd);
        float[] exact = new float[(int) Act.floats(cout, batch, size, true)];
        float[] k = kernel.data();
        for (int o = 0; o < cout; o++) {
            for (int b = 0; b < batch; b++) {
                for (int y = 0; y < size; y++) {
                    for (int xx = 0; xx < size; xx++) {
                        double sum = 0;
                        for (int c = 0; c < cin; c++) {
                            for (int t = 0; t < 9; t++) {
                                int yy = y + t / 3 - 1, xs = xx + t % 3 - 1;
                                if (yy < 0 || xs < 0 || yy >= size || xs >= size) continue;
                                sum += (double) k[(o * cin + c) * 9 + t] * x.buf.get(x.at(c, b, yy, xs));
                            }
                        }
                        exact[new Act(null, cout, batch, size, true).at(o, b, y, xx)] = (float) sum;
                    }
                }
            }
        }
        try (Workers workers = new Workers(2)) {
            Act d = emptyAct(cout, batch, size), w = emptyAct(cout, batch, size);
            new LayerOps(workers, Sgemm.best()).convForward(x, d, direct, false);
            new WinogradConv(workers, Sgemm.best()).forward(x, w, wino, direct.bias, false);
            double errDirect = Errors.relativeL2(values(d), exact), errWino = Errors.relativeL2(values(w), exact);
            System.out.printf("  float64 reference: direct %.2e, Winograd %.2e%n", errDirect, errWino);
            assertTrue(errWino <= PARITY, "Winograd vs float64 " + errWino);
            assertTrue(errWino <= 10 * Math.max(errDirect, 1e-8), "Winograd " + errWino + " much worse than direct " + errDirect);
        }
    }

    @Test
    void oddSizesAreLeftToTheDirectPath() {
        assertFalse(WinogradConv.supports(7));
        assertTrue(WinogradConv.supports(14));
        assertFalse(ConvAlgorithm.WINOGRAD.winogradForward(64, 64, 7));
        assertFalse(ConvAlgorithm.AUTO.winogradBackwardData(512, 512, 7));
        assertFalse(ConvAlgorithm.DIRECT.winogradForward(256, 256, 56));
        assertTrue(ConvAlgorithm.WINOGRAD.winogradForward(3, 64, 224));
        try (Workers workers = new Workers(1)) {
            Tensor kernel = randomKernel(4, 4, new SplittableRandom(1));
            Act x = randomAct(4, 1, 7, new SplittableRandom(2));
            assertThrows(IllegalArgumentException.class,
                    () -> new WinogradConv(workers, Sgemm.best()).forward(x, emptyAct(4, 1, 7), new WinogradWeights(kernel), new float[4], false));
        }
    }

    private static void check(String what, Act got, Act want) {
        float[] g = values(got), w = values(want);
        double err = Errors.relativeL2(g, w);
        System.out.printf("  %-14s c=%d b=%d s=%d: relative L2 %.2e%n", what, got.channels, got.batch, got.size, err);
        assertTrue(err <= PARITY, what + ": relative L2 " + err + " > " + PARITY);
        boolean[] border = LayerOps.borderMask(got.size);
        int p = got.plane();
        for (int i = 0; i < g.length; i++) {
            if (border[i % p]) assertEquals(0f, g[i], what + ": border value at " + i);
        }
    }

    static Tensor randomKernel(int cout, int cin, SplittableRandom rnd) {
        Tensor k = Tensor.zeros(cout, cin, 3, 3);
        double std = Math.sqrt(2.0 / (9 * cin));
        for (int i = 0; i < k.size(); i++) k.data()[i] = (float) ((rnd.nextDouble() * 2 - 1) * std * Math.sqrt(3));
        return k;
    }

    /** Random values inside the images, zero borders, as every activation and gradient of the backend has. */
    static Act randomAct(int channels, int batch, int size, SplittableRandom rnd) {
        Act a = emptyAct(channels, batch, size);
        for (int i = 0; i < a.buf.capacity(); i++) a.buf.put(i, 0f);
        for (int c = 0; c < channels; c++) {
            for (int b = 0; b < batch; b++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) a.buf.put(a.at(c, b, y, x), (float) (rnd.nextDouble() * 2 - 1));
                }
            }
        }
        return a;
    }

    /** A tensor filled with NaN, so any value a kernel fails to write shows. */
    static Act emptyAct(int channels, int batch, int size) {
        long n = Act.floats(channels, batch, size, true);
        Act a = new Act(Buffers.allocate(n, "test"), channels, batch, size, true);
        for (int i = 0; i < n; i++) a.buf.put(i, Float.NaN);
        return a;
    }

    static float[] values(Act a) {
        float[] v = new float[a.buf.capacity()];
        a.buf.get(0, v, 0, v.length);
        return v;
    }
}
