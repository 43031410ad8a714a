package org.gradcam4j.method;

import static org.gradcam4j.method.CamMathTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MapOpsTest {

    @Test
    void bilinear2x2To4x4() {
        // Half-pixel centres, scale 2/4: output d samples source (d + 0.5)/2 - 0.5 = -0.25, 0.25, 0.75, 1.25,
        // clamped to 0 below and to the last pixel above, so the 1-D weights on [p, q] are
        // [p, 0.75p + 0.25q, 0.25p + 0.75q, q]. For [[0, 1], [2, 3]] the output is 2 ty + tx with
        // ty, tx in {0, 0.25, 0.75, 1}.
        Tensor in = new Tensor(new float[] {0, 1, 2, 3}, 1, 2, 2);
        Tensor out = MapOps.upsampleBilinear(in, 4, 4);
        assertArrayEquals(new int[] {1, 4, 4}, out.shape());
        assertClose(new double[] {
                0.0, 0.25, 0.75, 1.0,
                0.5, 0.75, 1.25, 1.5,
                1.5, 1.75, 2.25, 2.5,
                2.0, 2.25, 2.75, 3.0}, out);
    }

    @Test
    void bilinear14To224Spots() {
        // Scale 1/16: output d samples s(d) = (d + 0.5)/16 - 0.5, clamped to [0, 13].
        //   s(0) = -0.46875 -> 0;  s(8) = 0.03125;  s(87) = 4.96875;  s(88) = 5.03125;  s(95) = 5.46875
        //   s(100) = 5.78125;  s(223) = 13.46875 -> 13 (edge)
        // A linear ramp f(i, j) = 14 i + j is reproduced exactly: out(y, x) = 14 s(y) + s(x).
        float[] ramp = new float[14 * 14];
        for (int i = 0; i < ramp.length; i++) ramp[i] = i;
        Tensor up = MapOps.upsampleBilinear(new Tensor(ramp, 1, 14, 14), 224, 224);
        assertEquals(0f, up.get(0, 0, 0), 1e-5);
        assertEquals(14 * 0.03125 + 5.78125, up.get(0, 8, 100), 1e-5);    // 6.21875
        assertEquals(14 * 13 + 0, up.get(0, 223, 0), 1e-5);                // 182
        assertEquals(14 * 5.78125 + 13, up.get(0, 100, 223), 1e-5);       // 93.9375
        assertEquals(195f, up.get(0, 223, 223), 1e-5);
        // An impulse at (5, 5): out = wy * wx with the hat weight on source 5:
        //   d = 87 -> 0.96875 (s = 4.96875), d = 88 -> 1 - 0.03125 = 0.96875, d = 95 -> 1 - 0.46875 = 0.53125
        float[] spike = new float[14 * 14];
        spike[5 * 14 + 5] = 1;
        Tensor s = MapOps.upsampleBilinear(new Tensor(spike, 1, 14, 14), 224, 224);
        assertEquals(0.96875 * 0.53125, s.get(0, 87, 95), 1e-7);           // 0.5146484375
        assertEquals(0.96875 * 0.96875, s.get(0, 88, 87), 1e-7);
        assertEquals(0.03125 * 0.96875, s.get(0, 72, 88), 1e-7);           // s(72) = 4.03125: 0.03125 on row 5
        assertEquals(0f, s.get(0, 71, 88), 0f);                            // s(71) = 3.96875: rows 3 and 4 only
    }

    @Test
    void bilinearDownsamplesWithoutAntialias() {
        // 8 -> 2 along x: s(d) = (d + 0.5) * 4 - 0.5 = 1.5, 5.5: the mean of columns (1, 2) and (5, 6);
        // columns 0, 3, 4, 7 are ignored (no antialias, as torch's default)
        Tensor in = new Tensor(new float[] {10, 1, 2, 10, 10, 5, 6, 10}, 1, 1, 8);
        assertClose(new double[] {1.5, 5.5}, MapOps.upsampleBilinear(in, 1, 2));
        // same size is a copy
        Tensor m = new Tensor(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
        assertArrayEquals(m.data(), MapOps.upsampleBilinear(m, 2, 3).data());
    }

    @Test
    void bilinearMatchesTheFormulaOnRandomMaps() {
        java.util.Random rnd = new java.util.Random(3);
        int h = 5, w = 7, oh = 13, ow = 9;
        float[] v = new float[2 * h * w];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        Tensor up = MapOps.upsampleBilinear(new Tensor(v, 2, h, w), oh, ow);
        for (int m = 0; m < 2; m++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    double sy = Math.max(0, (y + 0.5) * h / oh - 0.5), sx = Math.max(0, (x + 0.5) * w / ow - 0.5);
                    int y0 = (int) sy, x0 = (int) sx, y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
                    double fy = sy - y0, fx = sx - x0;
                    int o = m * h * w;
                    double e = (1 - fy) * ((1 - fx) * v[o + y0 * w + x0] + fx * v[o + y0 * w + x1])
                            + fy * ((1 - fx) * v[o + y1 * w + x0] + fx * v[o + y1 * w + x1]);
                    assertEquals(e, up.get(m, y, x), 1e-5, "at " + m + "," + y + "," + x);
                }
            }
        }
    }

    @Test
    void normaliseByMax() {
        // [[0, 2], [4, 1]] / 4; [[-2, 4], [1, 0]] / 4 with the negative to 0; all zero and all negative: empty
        Tensor maps = new Tensor(new float[] {0, 2, 4, 1, -2, 4, 1, 0, 0, 0, 0, 0, -1, -2, -3, -0.5f}, 4, 2, 2);
        float[] before = maps.data().clone();
        NormalisedMaps n = MapOps.normaliseByMax(maps);
        assertClose(new double[] {0, 0.5, 1, 0.25, 0, 1, 0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, n.maps());
        assertArrayEquals(new boolean[] {false, false, true, true}, n.empty());
        assertEquals(2, n.emptyCount());
        assertArrayEquals(before, maps.data(), "the raw maps are not modified");
        for (float v : n.maps().data()) assertFalse(Float.isNaN(v));
        assertThrows(IllegalArgumentException.class,
                () -> MapOps.normaliseByMax(new Tensor(new float[] {1, Float.NaN}, 1, 1, 2)));
    }

    @Test
    void normaliseMinMax() {
        // [[1, 3], [5, 2]] -> (x - 1)/4; a constant map is empty
        Tensor maps = new Tensor(new float[] {1, 3, 5, 2, 2, 2, 2, 2}, 2, 2, 2);
        NormalisedMaps n = MapOps.normaliseMinMax(maps);
        assertClose(new double[] {0, 0.5, 1, 0.25, 0, 0, 0, 0}, n.maps());
        assertArrayEquals(new boolean[] {false, true}, n.empty());
        assertArrayEquals(new float[] {1, 3, 5, 2, 2, 2, 2, 2}, maps.data());
    }

    @Test
    void guidedProduct() {
        // G (1 x 3 x 1 x 2): R [1, 2], G [-3, 4], B [0.5, -1]; map [0.5, 0] -> each channel times the map
        Tensor grad = new Tensor(new float[] {1, 2, -3, 4, 0.5f, -1}, 1, 3, 1, 2);
        Tensor map = new Tensor(new float[] {0.5f, 0}, 1, 1, 2);
        Tensor out = MapOps.guidedProduct(grad, map);
        assertArrayEquals(new int[] {1, 3, 1, 2}, out.shape());
        assertClose(new double[] {0.5, 0, -1.5, 0, 0.25, 0}, out);
        assertThrows(IllegalArgumentException.class, () -> MapOps.guidedProduct(grad, new Tensor(new float[] {1, 1}, 1, 2, 1)));
    }

    @Test
    void methodTokens() {
        assertEquals(Method.GRADCAM_PP_OFFICIAL, Method.parse("gradcampp-official"));
        assertEquals(Method.GRADCAM_PP_OFFICIAL, Method.parse(" GradCAMpp-Official "));
        for (Method m : Method.values()) assertEquals(m, Method.parse(m.token()));
        assertEquals(org.gradcam4j.backend.ReluRule.GRADIENT, Method.VANILLA.reluRule());
        assertEquals(org.gradcam4j.backend.ReluRule.GUIDED, Method.GUIDED.reluRule());
        assertEquals(org.gradcam4j.backend.ReluRule.DECONVNET, Method.DECONVNET.reluRule());
        assertEquals(Method.GRADCAM_PP, Method.GUIDED_GRADCAMPP.guidingCam().orElseThrow());
        assertTrue(Method.DECONVNET.guidingCam().isEmpty());
        assertNull(Method.CAM.reluRule(), "CAM needs no backward pass");
        assertFalse(Method.CAM.appliesRelu());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Method.parse("gradcam++"));
        assertTrue(e.getMessage().contains("gradcam++") && e.getMessage().contains("gradcampp-official"), e.getMessage());
    }

    @Test
    void methodLists() {
        assertEquals(List.of(Method.GUIDED, Method.GRADCAM), Method.parseList(List.of("guided", " gradcam", "GUIDED", ""), false));
        assertEquals(Method.all(true), Method.parseList(List.of("all"), true));
        assertFalse(Method.all(false).contains(Method.CAM), "all leaves CAM out without a GAP head");
        assertTrue(Method.all(true).contains(Method.CAM));
        assertEquals(Method.values().length, Method.all(true).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Method.parseList(List.of("foo", "gradcam", "bar"), true));
        assertTrue(e.getMessage().contains("foo, bar"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Method.parseList(List.of("all", "gradcam"), true));
        assertThrows(IllegalArgumentException.class, () -> Method.parseList(List.of(" "), true));
        List<String> help = new ArrayList<>();
        new Method.Tokens().forEach(help::add);
        assertEquals(Method.values().length + 1, help.size());
        assertEquals(Method.ALL, help.get(help.size() - 1));
    }
}
