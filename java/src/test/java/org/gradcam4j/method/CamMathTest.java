package org.gradcam4j.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Hand-derived cases for every CAM-family formula. The base case: one image, C = 2 channels of 2 x 2:
 * <pre>
 *   A^0 = [[1, 2], [3, 4]]   sum 10        g^0 = [[ 1, 0], [-1,  2]]
 *   A^1 = [[0, 1], [0, 1]]   sum  2        g^1 = [[-1, 3], [ 0, -1]]
 * </pre>
 * g^1 = -1 with sum A^1 = 2 makes the Grad-CAM++ denominator 2 g^2 + 2 g^3 exactly zero there: the default
 * form is then saved only by eps, the official form replaces it by 1.
 */
class CamMathTest {
    static final float[] A = {1, 2, 3, 4, 0, 1, 0, 1};
    static final float[] G = {1, 0, -1, 2, -1, 3, 0, -1};

    static Tensor a() { return new Tensor(A.clone(), 1, 2, 2, 2); }
    static Tensor g() { return new Tensor(G.clone(), 1, 2, 2, 2); }
    static final int[] ONE = {0};

    static void assertClose(double[] expected, Tensor actual) {
        float[] d = actual.data();
        assertEquals(expected.length, d.length, "length");
        for (int i = 0; i < d.length; i++) {
            assertEquals(expected[i], d[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "index " + i + " of " + actual);
        }
    }

    @Test
    void gradCam() {
        // w_k = mean g^k: w0 = (1 + 0 - 1 + 2)/4 = 0.5, w1 = (-1 + 3 + 0 - 1)/4 = 0.25
        // L = ReLU(0.5 A^0 + 0.25 A^1) = [[0.5, 1 + 0.25], [1.5, 2 + 0.25]]
        CamLayerMaps r = CamMath.compute(Method.GRADCAM, a(), g(), ONE);
        assertClose(new double[] {0.5, 0.25}, r.channelWeights());
        assertClose(new double[] {0.5, 1.25, 1.5, 2.25}, r.layerMaps());
        assertArrayEquals(new int[] {1, 2, 2}, r.layerMaps().shape());
    }

    @Test
    void counterfactualIsGradCamOfNegatedGradients() {
        // w = (-0.5, -0.25); every activation is >= 0 so sum_k w_k A^k <= 0 everywhere: L = 0
        CamLayerMaps r = CamMath.compute(Method.COUNTERFACTUAL, a(), g(), ONE);
        assertClose(new double[] {-0.5, -0.25}, r.channelWeights());
        assertClose(new double[] {0, 0, 0, 0}, r.layerMaps());
        NormalisedMaps n = MapOps.normaliseByMax(r.layerMaps());
        assertTrue(n.isEmpty(0), "all-negative weights give an empty map");
        assertClose(new double[] {0, 0, 0, 0}, n.maps());
    }

    @Test
    void gradCamPlusPlusDefault() {
        // alpha = g^2 / (2 g^2 + S g^3 + 1e-6), alpha = 0 where g = 0.
        // channel 0 (S = 10): g =  1 -> 1 / (2 + 10 + 1e-6)      = 1/12.000001
        //                     g =  0 -> 0
        //                     g = -1 -> 1 / (2 - 10 + 1e-6)      = 1/-7.999999
        //                     g =  2 -> 4 / (8 + 80 + 1e-6)      = 4/88.000001
        // channel 1 (S = 2):  g = -1 -> 1 / (2 - 2 + 1e-6)       = 1e6  (zero denominator but for eps)
        //                     g =  3 -> 9 / (18 + 54 + 1e-6)     = 9/72.000001
        // w_k = sum alpha ReLU(g): w0 = 1/12.000001 + 2 * 4/88.000001, w1 = 3 * 9/72.000001 (~ 23/132, 3/8)
        double a01 = 1 / 12.000001, a04 = 4 / 88.000001, a12 = 9 / 72.000001;
        Tensor alpha = CamMath.gradCamPlusPlusAlpha(a(), g(), ONE, false);
        assertClose(new double[] {a01, 0, 1 / -7.999999, a04, 1e6, a12, 0, 1e6}, alpha);

        double w0 = a01 + 2 * a04, w1 = 3 * a12;
        CamLayerMaps r = CamMath.compute(Method.GRADCAM_PP, a(), g(), ONE);
        assertClose(new double[] {w0, w1}, r.channelWeights());
        assertClose(new double[] {w0, 2 * w0 + w1, 3 * w0, 4 * w0 + w1}, r.layerMaps());
    }

    @Test
    void gradCamPlusPlusOfficial() {
        // denominators 2 g^2 + S g^3, zeros replaced by 1, no eps:
        // channel 0: g = 1 -> 1/12, g = 0 -> 0/1 = 0, g = -1 -> 1/-8, g = 2 -> 4/88 = 1/22
        //   normaliser over g > 0: 1/12 + 1/22 = 17/132 -> alpha = 11/17, 0, -33/34, 6/17
        // channel 1: g = -1 -> denominator 2 - 2 = 0 -> 1 -> alpha 1 (twice), g = 3 -> 9/72 = 1/8, g = 0 -> 0
        //   normaliser 1/8 -> alpha = 8, 1, 0, 8
        // w0 = 11/17 * 1 + 6/17 * 2 = 23/17, w1 = 1 * 3 = 3
        Tensor alpha = CamMath.gradCamPlusPlusAlpha(a(), g(), ONE, true);
        assertClose(new double[] {11.0 / 17, 0, -33.0 / 34, 6.0 / 17, 8, 1, 0, 8}, alpha);

        CamLayerMaps r = CamMath.compute(Method.GRADCAM_PP_OFFICIAL, a(), g(), ONE);
        double w0 = 23.0 / 17, w1 = 3;
        assertClose(new double[] {w0, w1}, r.channelWeights());
        assertClose(new double[] {w0, 2 * w0 + w1, 3 * w0, 4 * w0 + w1}, r.layerMaps());
    }

    @Test
    void xGradCam() {
        // w0 = (1*1 + 0*2 - 1*3 + 2*4) / (10 + 1e-7) = 6/10.0000001
        // w1 = (-1*0 + 3*1 + 0*0 - 1*1) / (2 + 1e-7)  = 2/2.0000001
        double w0 = 6 / 10.0000001, w1 = 2 / 2.0000001;
        CamLayerMaps r = CamMath.compute(Method.XGRADCAM, a(), g(), ONE);
        assertClose(new double[] {w0, w1}, r.channelWeights());
        assertClose(new double[] {w0, 2 * w0 + w1, 3 * w0, 4 * w0 + w1}, r.layerMaps());
    }

    @Test
    void hiResCamAndLayerCamWeighPositions() {
        // HiResCAM, sum_k g A per position:  (0,0) 1*1 + -1*0 = 1   (0,1) 0*2 + 3*1 = 3
        //                                    (1,0) -1*3 + 0*0 = -3  (1,1) 2*4 + -1*1 = 7   -> ReLU [1, 3, 0, 7]
        // LayerCAM drops the negative gradients first: (1,0) 0, (1,1) 8                   ->      [1, 3, 0, 8]
        CamLayerMaps hi = CamMath.compute(Method.HIRESCAM, a(), g(), ONE);
        assertNull(hi.channelWeights());
        assertClose(new double[] {1, 3, 0, 7}, hi.layerMaps());
        CamLayerMaps layer = CamMath.compute(Method.LAYERCAM, a(), g(), ONE);
        assertNull(layer.channelWeights());
        assertClose(new double[] {1, 3, 0, 8}, layer.layerMaps());
    }

    @Test
    void camUsesTheClassRowWithoutRelu() {
        // W = [[1, -1], [0.5, 2], [-1, 0]]
        // class 0: A^0 - A^1 = [1, 1, 3, 3]; class 1: 0.5 A^0 + 2 A^1 = [0.5, 3, 1.5, 4]; class 2: -A^0 (kept negative)
        Tensor w = new Tensor(new float[] {1, -1, 0.5f, 2, -1, 0}, 3, 2);
        CamLayerMaps r = CamMath.cam(a(), w, new int[] {0, 1, 2}, new int[] {0, 0, 0});
        assertClose(new double[] {1, -1, 0.5, 2, -1, 0}, r.channelWeights());
        assertClose(new double[] {1, 1, 3, 3, 0.5, 3, 1.5, 4, -1, -2, -3, -4}, r.layerMaps());
        NormalisedMaps n = MapOps.normaliseByMax(r.layerMaps());
        assertTrue(!n.isEmpty(0) && !n.isEmpty(1) && n.isEmpty(2), "the all-negative CAM map is empty");
        assertThrows(IllegalArgumentException.class, () -> CamMath.compute(Method.CAM, a(), g(), ONE));
        assertThrows(IllegalArgumentException.class, () -> CamMath.cam(a(), w, new int[] {3}, ONE));
    }

    @Test
    void seedsGatherTheirImageThroughImageOf() {
        // N = 2 images: image 0 = A, image 1 = 2A. M = 3 seed rows: imageOf = [1, 0, 1], gradients [g, g, -g].
        float[] a2 = new float[16];
        for (int i = 0; i < 8; i++) {
            a2[i] = A[i];
            a2[8 + i] = 2 * A[i];
        }
        Tensor acts = new Tensor(a2, 2, 2, 2, 2);
        float[] g3 = new float[24];
        for (int i = 0; i < 8; i++) {
            g3[i] = G[i];
            g3[8 + i] = G[i];
            g3[16 + i] = -G[i];
        }
        Tensor grads = new Tensor(g3, 3, 2, 2, 2);
        int[] imageOf = {1, 0, 1};

        // Grad-CAM: row 0 = 2 x base map, row 1 = base map, row 2 = weights (-0.5, -0.25) on 2A -> 0
        CamLayerMaps gc = CamMath.compute(Method.GRADCAM, acts, grads, imageOf);
        assertClose(new double[] {0.5, 0.25, 0.5, 0.25, -0.5, -0.25}, gc.channelWeights());
        assertClose(new double[] {1, 2.5, 3, 4.5, 0.5, 1.25, 1.5, 2.25, 0, 0, 0, 0}, gc.layerMaps());

        // HiResCAM: row 0 = 2 x [1, 3, 0, 7]; row 1 = [1, 3, 0, 7];
        // row 2 = ReLU(-g . 2A): (0,0) -2, (0,1) -6, (1,0) +1*6 + 0 = 6, (1,1) -16 + 2 = -14 -> [0, 0, 6, 0]
        CamLayerMaps hi = CamMath.compute(Method.HIRESCAM, acts, grads, imageOf);
        assertClose(new double[] {2, 6, 0, 14, 1, 3, 0, 7, 0, 0, 6, 0}, hi.layerMaps());

        // Grad-CAM++ takes sum_ab A from the seed's own image: on 2A the sums are 20 and 4, so row 0 has
        // w0 = 1/(2 + 20 + 1e-6) + 2 * 4/(8 + 160 + 1e-6), w1 = 3 * 9/(18 + 108 + 1e-6); row 1 is the base case
        CamLayerMaps pp = CamMath.compute(Method.GRADCAM_PP, acts, grads, imageOf);
        double r0w0 = 1 / 22.000001 + 8 / 168.000001, r0w1 = 27 / 126.000001;
        double r1w0 = 1 / 12.000001 + 8 / 88.000001, r1w1 = 27 / 72.000001;
        // row 2: -g is positive where g < 0: channel 0 (S = 20) at g = 1 (was -1): 1/(2 + 20 + 1e-6);
        // channel 1 (S = 4) at two entries 1: 1/(2 + 4 + 1e-6) each
        double r2w0 = 1 / 22.000001, r2w1 = 2 / 6.000001;
        assertClose(new double[] {r0w0, r0w1, r1w0, r1w1, r2w0, r2w1}, pp.channelWeights());
    }

    @Test
    void zeroGradientsGiveZeroMapsAndNoNaN() {
        Random rnd = new Random(7);
        float[] a = new float[2 * 4 * 3 * 3];
        for (int i = 0; i < a.length; i++) a[i] = Math.max(0, (float) rnd.nextGaussian());
        Tensor acts = new Tensor(a, 2, 4, 3, 3);
        Tensor zero = Tensor.zeros(3, 4, 3, 3);
        int[] imageOf = {0, 1, 1};
        for (Method m : Method.all(true)) {
            if (!m.needsLayerGradients()) continue;
            CamLayerMaps r = CamMath.compute(m, acts, zero, imageOf);
            if (r.hasChannelWeights()) assertAllZero(r.channelWeights(), m + " weights");
            assertAllZero(r.layerMaps(), m + " maps");
            NormalisedMaps n = MapOps.normaliseByMax(MapOps.upsampleBilinear(r.layerMaps(), 12, 12));
            assertEquals(3, n.emptyCount(), m + ": every map is reported empty");
            assertAllZero(n.maps(), m + " normalised maps");
        }
        assertAllZero(CamMath.gradCamPlusPlusAlpha(acts, zero, imageOf, false), "alpha");
        assertAllZero(CamMath.gradCamPlusPlusAlpha(acts, zero, imageOf, true), "official alpha");
        // CAM with an all-zero linear head as well
        assertAllZero(CamMath.cam(acts, Tensor.zeros(5, 4), new int[] {4, 0, 1}, imageOf).layerMaps(), "cam maps");
    }

    @Test
    void deadActivationsGiveNoNaN() {
        // sum_ab A = 0 everywhere: XGrad-CAM divides by eps only, Grad-CAM++ alpha = 1/2 where g != 0
        Tensor acts = Tensor.zeros(1, 2, 2, 2);
        for (Method m : Method.all(true)) {
            if (!m.needsLayerGradients()) continue;
            CamLayerMaps r = CamMath.compute(m, acts, g(), ONE);
            assertAllZero(r.layerMaps(), m + " maps");
            if (r.hasChannelWeights()) for (float v : r.channelWeights().data()) assertTrue(Float.isFinite(v), m + " weight " + v);
        }
        // official alpha: g^2 / 2g^2 = 1/2 where g != 0, normalised by the positive entries' sum
        // channel 0: g > 0 at two entries -> sum 1 -> [0.5, 0, 0.5, 0.5]; channel 1: one positive -> [1, 1, 0, 1]
        assertClose(new double[] {0.5, 0, 0.5, 0.5, 1, 1, 0, 1}, CamMath.gradCamPlusPlusAlpha(acts, g(), ONE, true));
        // and the weights follow: w0 = 0.5*1 + 0.5*2 = 1.5, w1 = 1*3 = 3
        assertClose(new double[] {1.5, 3}, CamMath.gradCamPlusPlusOfficialWeights(acts, g(), ONE));
    }

    @Test
    void shapesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> CamMath.compute(Method.GRADCAM, a(), g(), new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> CamMath.compute(Method.GRADCAM, a(), g(), new int[] {0, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> CamMath.compute(Method.GRADCAM, a(), Tensor.zeros(1, 3, 2, 2), ONE));
        assertThrows(IllegalArgumentException.class,
                () -> CamMath.compute(Method.GRADCAM, a().reshape(2, 2, 2), g(), ONE));
    }

    @Test
    void inputsAreNotModified() {
        Tensor acts = a(), grads = g();
        for (Method m : Method.all(true)) if (m.needsLayerGradients()) CamMath.compute(m, acts, grads, ONE);
        assertArrayEquals(A, acts.data());
        assertArrayEquals(G, grads.data());
    }

    static void assertAllZero(Tensor t, String what) {
        for (float v : t.data()) assertEquals(0f, v, 0f, what + " has " + v);
    }
}
