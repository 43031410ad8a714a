package org.gradcam4j.localize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.gradcam4j.localize.HeatmapBoxes.PixelBox;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Boxes from hand-made maps with known answers. */
class HeatmapBoxesTest {
    static final HeatmapBoxes.Settings LARGEST = HeatmapBoxes.Settings.defaults();

    /** A map from rows of digits (0..9). */
    static Tensor map(String... rows) {
        int h = rows.length, w = rows[0].length();
        float[] v = new float[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) v[y * w + x] = rows[y].charAt(x) - '0';
        return new Tensor(v, h, w);
    }

    @Test
    void allZeroMapHasNoBox() {
        assertTrue(HeatmapBoxes.find(Tensor.zeros(5, 7), LARGEST).isEmpty());
        assertTrue(HeatmapBoxes.find(Tensor.zeros(5, 7), new HeatmapBoxes.Settings(0.15, true, 1)).isEmpty());
    }

    @Test
    void largestEightConnectedComponent() {
        Tensor m = map(
                "9000000",
                "0900000",   // diagonal: 8-connected with the pixel above
                "0090044",
                "0000044",
                "0000000");
        // 0.15 x 9 = 1.35: every non-zero pixel is in; the diagonal (3 px) beats the square (4 px)? no: 4 > 3
        List<PixelBox> b = HeatmapBoxes.find(m, LARGEST);
        assertEquals(List.of(new PixelBox(5, 2, 6, 3, 4)), b);
        // raise the threshold above 4/9: only the diagonal is left
        assertEquals(List.of(new PixelBox(0, 0, 2, 2, 3)), HeatmapBoxes.find(m, new HeatmapBoxes.Settings(0.5, false, 1)));
    }

    @Test
    void thresholdIsStrictAndRelativeToTheMaximum() {
        Tensor m = map("2222", "2882", "2222");
        // 0.25 x 8 = 2: pixels equal to the threshold are out (the seed's cam > thresh)
        assertEquals(List.of(new PixelBox(1, 1, 2, 1, 2)), HeatmapBoxes.find(m, new HeatmapBoxes.Settings(0.25, false, 1)));
        assertEquals(List.of(new PixelBox(0, 0, 3, 2, 12)), HeatmapBoxes.find(m, new HeatmapBoxes.Settings(0.2, false, 1)));
    }

    @Test
    void boxesTouchingTheBorder() {
        Tensor m = map(
                "55000",
                "50000",
                "00000",
                "00009");
        List<PixelBox> all = HeatmapBoxes.find(m, new HeatmapBoxes.Settings(0.15, true, 1));
        assertEquals(List.of(new PixelBox(0, 0, 1, 1, 3), new PixelBox(4, 3, 4, 3, 1)), all);
        assertEquals(List.of(new PixelBox(0, 0, 1, 1, 3)), HeatmapBoxes.find(m, LARGEST));
        // a map entirely above the threshold is one box, the whole image
        assertEquals(List.of(new PixelBox(0, 0, 4, 3, 20)), HeatmapBoxes.find(map("11111", "11111", "11111", "11111"), LARGEST));
    }

    @Test
    void allComponentsAboveAMinimumArea() {
        Tensor m = map(
                "90090",
                "90000",
                "00099",
                "00099");
        List<PixelBox> all = HeatmapBoxes.find(m, new HeatmapBoxes.Settings(0.15, true, 2));
        assertEquals(List.of(new PixelBox(3, 2, 4, 3, 4), new PixelBox(0, 0, 0, 1, 2)), all); // largest first; the single pixel dropped
    }

    @Test
    void tiesGoToTheFirstComponentInRowMajorOrder() {
        Tensor m = map("90009", "90009");
        assertEquals(List.of(new PixelBox(0, 0, 0, 1, 2)), HeatmapBoxes.find(m, LARGEST));
    }

    @Test
    void rejectsNaNAndBadSettings() {
        Tensor m = new Tensor(new float[] {1, Float.NaN}, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> HeatmapBoxes.find(m, LARGEST));
        assertThrows(IllegalArgumentException.class, () -> new HeatmapBoxes.Settings(1, false, 1));
        assertThrows(IllegalArgumentException.class, () -> new HeatmapBoxes.Settings(0.1, true, 0));
    }
}
