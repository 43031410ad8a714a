package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keras to canonical layout conversions, checked with nested Java arrays indexed the Keras way, so
 * that the expected positions come from the layout definitions and not from the converter's index math.
 */
class KerasLayoutTest {

    @Test
    void convKernelElementLandsAtCoutCinKhKw() {
        int cin = 3, cout = 5;
        float[][][][] k = new float[3][3][cin][cout]; // (kh, kw, cin, cout)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                for (int ci = 0; ci < cin; ci++)
                    for (int co = 0; co < cout; co++) k[y][x][ci][co] = 1000 * y + 100 * x + 10 * ci + co;
        Tensor c = KerasWeights.convKernelToCanonical(flatten(k), 3, 3, cin, cout);
        assertArrayEquals(new int[] {cout, cin, 3, 3}, c.shape());
        assertEquals(1000 * 1 + 100 * 2 + 10 * 0 + 4, c.get(4, 0, 1, 2), "keras (1,2,0,4) -> canonical (4,0,1,2)");
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                for (int ci = 0; ci < cin; ci++)
                    for (int co = 0; co < cout; co++) assertEquals(k[y][x][ci][co], c.get(co, ci, y, x));
    }

    @Test
    void fc1RowFromHwcFlatteningLandsAtChwColumn() {
        int channels = 4, size = 3, out = 5; // channels != size, so swapping c and h would show
        float[][] k = new float[channels * size * size][out]; // (in, out), rows in (h, w, c) order
        int row = 0;
        for (int h = 0; h < size; h++)
            for (int w = 0; w < size; w++)
                for (int c = 0; c < channels; c++, row++)
                    for (int o = 0; o < out; o++) k[row][o] = 1000 * h + 100 * w + 10 * c + o;
        Tensor t = KerasWeights.denseKernelToCanonical(flatten(k), channels, size, out);
        assertArrayEquals(new int[] {out, channels * size * size}, t.shape());
        for (int h = 0; h < size; h++)
            for (int w = 0; w < size; w++)
                for (int c = 0; c < channels; c++)
                    for (int o = 0; o < out; o++) {
                        assertEquals(1000 * h + 100 * w + 10 * c + o, t.get(o, c * size * size + h * size + w),
                                "h=" + h + " w=" + w + " c=" + c + " o=" + o);
                    }
    }

    /** The meaning of the reorder: the same map, flattened each side's way, gives the same outputs. */
    @Test
    void fc1GivesTheSameOutputOnTheSameMap() {
        int channels = 4, size = 3, out = 6, in = channels * size * size;
        SplittableRandom r = new SplittableRandom(7);
        float[][][] map = new float[size][size][channels]; // an NHWC feature map, as Keras holds it
        for (float[][] a : map) for (float[] b : a) for (int c = 0; c < channels; c++) b[c] = (float) r.nextGaussian();
        float[] keras = new float[in * out];
        for (int i = 0; i < keras.length; i++) keras[i] = (float) r.nextGaussian();
        Tensor canonical = KerasWeights.denseKernelToCanonical(keras, channels, size, out);
        float[] hwc = new float[in], chw = new float[in];
        int i = 0;
        for (int h = 0; h < size; h++) for (int w = 0; w < size; w++) for (int c = 0; c < channels; c++) hwc[i++] = map[h][w][c];
        i = 0;
        for (int c = 0; c < channels; c++) for (int h = 0; h < size; h++) for (int w = 0; w < size; w++) chw[i++] = map[h][w][c];
        for (int o = 0; o < out; o++) {
            double kerasOut = 0, canonicalOut = 0;
            for (int j = 0; j < in; j++) {
                kerasOut += (double) hwc[j] * keras[j * out + o];
                canonicalOut += (double) chw[j] * canonical.get(o, j);
            }
            assertEquals(kerasOut, canonicalOut, 1e-9 * Math.max(1, Math.abs(kerasOut)));
        }
    }

    @Test
    void plainDenseIsATranspose() {
        float[][] k = {{1, 2, 3}, {4, 5, 6}}; // (in 2, out 3)
        Tensor t = KerasWeights.denseKernelToCanonical(flatten(k), 2, 1, 3);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.data());
    }

    @Test
    void toKerasInvertsToCanonical() {
        SplittableRandom r = new SplittableRandom(3);
        float[] conv = new float[3 * 3 * 6 * 7];
        float[] dense = new float[5 * 2 * 2 * 9];
        for (int i = 0; i < conv.length; i++) conv[i] = (float) r.nextGaussian();
        for (int i = 0; i < dense.length; i++) dense[i] = (float) r.nextGaussian();
        assertArrayEquals(conv, KerasWeights.convKernelToKeras(KerasWeights.convKernelToCanonical(conv, 3, 3, 6, 7)).data());
        assertArrayEquals(dense, KerasWeights.denseKernelToKeras(KerasWeights.denseKernelToCanonical(dense, 5, 2, 9), 5, 2).data());
    }

    /** Row-major flattening of a nested float array (what HDF5 stores). */
    static float[] flatten(Object nested) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        collect(nested, out);
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    private static void collect(Object o, java.util.List<Float> out) {
        if (o instanceof float[] f) {
            for (float v : f) out.add(v);
        } else {
            for (Object e : (Object[]) o) collect(e, out);
        }
    }
}
