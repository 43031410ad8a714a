package org.gradcam4j.method;

import static org.gradcam4j.method.CamMathTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Eigen-CAM's projection on cases worked out by hand (docs/ALGORITHMS.md section 8). */
class EigenCamTest {

    /**
     * Rank one after centring: {@code A^k = a_k f + b_k}. The centred matrix is {@code (f - mean f) a^T}, its first
     * right singular vector {@code a / |a|}, so {@code p = |a| (f - mean f)} up to sign; the sign rule keeps the
     * side with the larger magnitude positive.
     */
    static Tensor rankOne(double[] a, double[] b, double[] f, int h, int w) {
        float[] d = new float[a.length * f.length];
        for (int k = 0; k < a.length; k++) for (int i = 0; i < f.length; i++) d[k * f.length + i] = (float) (a[k] * f[i] + b[k]);
        return new Tensor(d, 1, a.length, h, w);
    }

    @Test
    void rankOneMoreChannelsThanPositions() {
        // f = (3, 0, 0, 0): f - mean = (2.25, -0.75, -0.75, -0.75); |a| = |(3, 4, 0, 0, 0)| = 5
        Tensor acts = rankOne(new double[] {3, 4, 0, 0, 0}, new double[] {1, 2, 3, 4, 5}, new double[] {3, 0, 0, 0}, 2, 2);
        assertClose(new double[] {11.25, -3.75, -3.75, -3.75}, EigenCam.projections(acts));
        assertClose(new double[] {11.25, 0, 0, 0}, EigenCam.layerMaps(acts));
        // the same activations negated: the SVD's sign is free, the rule gives the same map
        Tensor neg = rankOne(new double[] {-3, -4, 0, 0, 0}, new double[] {1, 2, 3, 4, 5}, new double[] {3, 0, 0, 0}, 2, 2);
        assertClose(new double[] {11.25, -3.75, -3.75, -3.75}, EigenCam.projections(neg));
    }

    @Test
    void rankOneMorePositionsThanChannels() {
        // C = 2 < 9 positions: the C x C path. f = (0,0,0, 0,-9,0, 0,0,0): f - mean = (1,...,1,-8 at the centre,...)
        double[] f = {0, 0, 0, 0, -9, 0, 0, 0, 0};
        Tensor acts = rankOne(new double[] {0.6, 0.8}, new double[] {0, 7}, f, 3, 3);
        // |a| = 1; p = +-(1, 1, 1, 1, -8, 1, 1, 1, 1); |min| = 8 > max = 1, so the rule flips: (-1, ..., 8, ...)
        assertClose(new double[] {-1, -1, -1, -1, 8, -1, -1, -1, -1}, EigenCam.projections(acts));
        assertClose(new double[] {0, 0, 0, 0, 8, 0, 0, 0, 0}, EigenCam.layerMaps(acts));
    }

    @Test
    void constantActivationsGiveAnEmptyMap() {
        Tensor acts = rankOne(new double[] {0, 0, 0}, new double[] {1, 2, 3}, new double[] {5, 5, 5, 5}, 2, 2);
        assertClose(new double[] {0, 0, 0, 0}, EigenCam.layerMaps(acts));
        NormalisedMaps n = MapOps.normaliseByMax(EigenCam.layerMaps(acts));
        assertEquals(1, n.emptyCount());
    }

    @Test
    void jacobiFindsTheTopEigenpair() {
        double[] m = {2, 1, 0, 1, 2, 0, 0, 0, 1};
        double[] v = new double[3];
        assertEquals(3.0, EigenCam.topEigen(m, 3, v), 1e-12);
        assertEquals(1 / Math.sqrt(2), Math.abs(v[0]), 1e-12);
        assertEquals(v[0], v[1], 1e-12);
        assertEquals(0.0, v[2], 1e-12);
    }

    @Test
    void eigenCamRowsFollowTheirImage() {
        Tensor one = rankOne(new double[] {3, 4, 0, 0, 0}, new double[] {1, 2, 3, 4, 5}, new double[] {3, 0, 0, 0}, 2, 2);
        float[] two = new float[2 * 20];
        System.arraycopy(one.data(), 0, two, 20, 20);   // image 0 all zero, image 1 the rank-one case
        CamLayerMaps r = CamMath.eigenCam(new Tensor(two, 2, 5, 2, 2), new int[] {1, 0, 1});
        assertTrue(!r.hasChannelWeights());
        assertClose(new double[] {11.25, 0, 0, 0, 0, 0, 0, 0, 11.25, 0, 0, 0}, r.layerMaps());
    }
}
