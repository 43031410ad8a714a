package org.gradcam4j.image;

import org.gradcam4j.image.ImageException.Problem;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Input geometry, bilinear values and normalisation against values worked out by hand. */
class PreprocessorTest {
    /** Pixel values unchanged: RGB order, x = p. */
    private static final Preprocessing IDENTITY = new Preprocessing(ChannelOrder.RGB, 1f, new float[3], new float[] {1, 1, 1});

    private static BufferedImage image(int w, int h, int[] rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }

    private static float[] plane(Tensor t, int c) {
        return t.slice(c).data();
    }

    private static void assertValues(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol) throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    // ---- crop geometry ----

    @Test
    void oddExtraGivesTheFloorToTheLeft() {
        InputGeometry g = InputGeometry.of(7, 4, 224, ResizeMode.CROP);     // extra 3: left 1, right 2
        assertEquals(1, g.cropX());
        assertEquals(0, g.cropY());
        assertEquals(4, g.cropWidth());
        assertEquals(4, g.cropHeight());
    }

    @Test
    void oddExtraGivesTheFloorToTheTop() {
        InputGeometry g = InputGeometry.of(4, 9, 224, ResizeMode.CROP);     // extra 5: top 2, bottom 3
        assertEquals(0, g.cropX());
        assertEquals(2, g.cropY());
        assertEquals(new Box(0, 2, 4, 6), g.cropBox());
        InputGeometry even = InputGeometry.of(6, 4, 224, ResizeMode.CROP);  // extra 2: 1 and 1
        assertEquals(1, even.cropX());
    }

    @Test
    void cropPicksTheRightColumns() {
        // 7 x 4, red = 10 * (x + 1): the kept columns are 1..4, so at S = 4 (no resampling) red is 20, 30, 40, 50.
        int[] px = new int[28];
        for (int y = 0; y < 4; y++) for (int x = 0; x < 7; x++) px[y * 7 + x] = (10 * (x + 1)) << 16;
        Tensor t = new Preprocessor(IDENTITY, 4, ResizeMode.CROP).prepare(image(7, 4, px), "cols").input();
        float[] red = plane(t, 0);
        for (int y = 0; y < 4; y++) assertArrayEquals(new float[] {20, 30, 40, 50}, java.util.Arrays.copyOfRange(red, y * 4, y * 4 + 4));
    }

    @Test
    void squashAndNoneKeepTheWholeImage() {
        assertEquals(new Box(0, 0, 7, 4), InputGeometry.of(7, 4, 3, ResizeMode.SQUASH).cropBox());
        assertEquals(new Box(0, 0, 5, 5), InputGeometry.of(5, 5, 5, ResizeMode.NONE).cropBox());
    }

    @Test
    void noneRefusesOtherSizes() {
        Preprocessor pre = new Preprocessor(Preprocessing.keras(), 224, ResizeMode.NONE);
        ImageException e = assertThrows(ImageException.class, () -> pre.prepare(new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB), "cat.jpg"));
        assertEquals(Problem.WRONG_SIZE, e.problem());
        assertTrue(e.getMessage().startsWith("cat.jpg: ") && e.getMessage().contains("300 x 200")
                && e.getMessage().contains("224 x 224") && e.getMessage().contains("none"), e.getMessage());
        assertEquals(ResizeMode.SQUASH, ResizeMode.parse(" Squash "));
        assertThrows(IllegalArgumentException.class, () -> ResizeMode.parse("stretch"));
    }

    // ---- bilinear values ----

    @Test
    void upsample2x2To4x4() {
        // 1-D, 2 -> 4: source coordinate s = (d + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (right
        // neighbour clamped), so [a, b] -> [a, .75a + .25b, .25a + .75b, b]. Rows [0, 40] and [80, 120] become
        // [0, 10, 30, 40] and [80, 90, 110, 120]; the same weights down the columns give the middle rows.
        float[] src = {0, 40, 80, 120};
        double[] expected = {
                0, 10, 30, 40,
                20, 30, 50, 60,
                60, 70, 90, 100,
                80, 90, 110, 120};
        assertValues(expected, Bilinear.resize(src, 1, 2, 2, 4, 4), 1e-6, "2x2 -> 4x4");
    }

    @Test
    void shrinkWithoutAntialiasing() {
        // 4 -> 2: s = 2 (d + 0.5) - 0.5 = 0.5, 2.5: means of pixels (0, 1) and (2, 3), nothing else contributes.
        assertValues(new double[] {5, 40}, Bilinear.resize(new float[] {0, 10, 20, 60}, 1, 1, 4, 1, 2), 1e-6, "4 -> 2");
        // 3 -> 2: s = 1.5 (d + 0.5) - 0.5 = 0.25, 1.75: .75*0 + .25*100 = 25, .25*100 + .75*200 = 175.
        assertValues(new double[] {25, 175}, Bilinear.resize(new float[] {0, 100, 200}, 1, 1, 3, 1, 2), 1e-6, "3 -> 2");
    }

    @Test
    void sameSizeIsIdentity() {
        float[] src = {1.5f, -2, 7, 0.25f, 9, 3};
        assertArrayEquals(src, Bilinear.resize(src, 2, 1, 3, 1, 3));
    }

    @Test
    void imagesResizePerChannelWithoutRounding() {
        // Squash 2 x 2 -> 4 x 4: red follows the hand-worked example above, green is its mirror, blue constant.
        int[] px = {rgbOf(0, 40, 7), rgbOf(40, 0, 7), rgbOf(80, 120, 7), rgbOf(120, 80, 7)};
        Tensor t = new Preprocessor(IDENTITY, 4, ResizeMode.SQUASH).prepare(image(2, 2, px), "tiny").input();
        assertArrayEquals(new int[] {3, 4, 4}, t.shape());
        assertValues(new double[] {0, 10, 30, 40, 20, 30, 50, 60, 60, 70, 90, 100, 80, 90, 110, 120}, plane(t, 0), 1e-6, "red");
        assertValues(new double[] {40, 30, 10, 0, 60, 50, 30, 20, 100, 90, 70, 60, 120, 110, 90, 80}, plane(t, 1), 1e-6, "green");
        for (float v : plane(t, 2)) assertEquals(7f, v);
        // 3 -> 2 shrink gives a non-integer: 0.75*1 + 0.25*2 = 1.25 stays 1.25.
        Tensor s = new Preprocessor(IDENTITY, 2, ResizeMode.SQUASH).prepare(image(3, 3, new int[] {1, 2, 2, 1, 2, 2, 1, 2, 2}), "t").input();
        assertEquals(1.25f, plane(s, 2)[0], 1e-6f);
    }

    private static int rgbOf(int r, int g, int b) { return (r << 16) | (g << 8) | b; }

    // ---- normalisation and channel order ----

    @Test
    void kerasIsBgrMinusMeans() {
        int[] px = {rgbOf(200, 100, 50), rgbOf(0, 255, 10), rgbOf(123, 117, 104), rgbOf(1, 2, 3)};
        Tensor t = new Preprocessor(Preprocessing.keras(), 2, ResizeMode.NONE).prepare(image(2, 2, px), "k").input();
        // channel 0 is blue - 103.939, 1 green - 116.779, 2 red - 123.68
        assertValues(new double[] {50 - 103.939, 10 - 103.939, 104 - 103.939, 3 - 103.939}, plane(t, 0), 1e-4, "B");
        assertValues(new double[] {100 - 116.779, 255 - 116.779, 117 - 116.779, 2 - 116.779}, plane(t, 1), 1e-4, "G");
        assertValues(new double[] {200 - 123.68, 0 - 123.68, 123 - 123.68, 1 - 123.68}, plane(t, 2), 1e-4, "R");
    }

    @Test
    void torchvisionIsRgbScaledAndStandardised() {
        int[] px = {rgbOf(200, 100, 50), rgbOf(0, 255, 10), rgbOf(123, 117, 104), rgbOf(1, 2, 3)};
        Tensor t = new Preprocessor(Preprocessing.torchvision(), 2, ResizeMode.NONE).prepare(image(2, 2, px), "t").input();
        int[][] byChannel = {{200, 0, 123, 1}, {100, 255, 117, 2}, {50, 10, 104, 3}};
        double[] mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225};
        for (int c = 0; c < 3; c++) {
            double[] expected = new double[4];
            for (int i = 0; i < 4; i++) expected[i] = (byChannel[c][i] / 255.0 - mean[c]) / std[c];
            assertValues(expected, plane(t, c), 1e-5, "channel " + c);
        }
    }

    @Test
    void networkViewRoundsTheResizedImage() {
        int[] px = {rgbOf(0, 0, 0), rgbOf(3, 3, 3), rgbOf(0, 0, 0), rgbOf(3, 3, 3)};
        BufferedImage view = new Preprocessor(IDENTITY, 4, ResizeMode.SQUASH).networkView(image(2, 2, px), "v");
        // columns 0, .75, 2.25, 3 -> rounded 0, 1, 2, 3
        for (int x = 0; x < 4; x++) assertEquals(x, view.getRGB(x, 1) & 0xff);
    }

    // ---- inverse mapping ----

    @Test
    void pointsAndBoxesMapBothWays() {
        InputGeometry g = InputGeometry.of(300, 200, 20, ResizeMode.CROP); // crop x 50..250, 10 original px per network px
        assertEquals(50, g.cropX());
        assertEquals(100.0, g.toOriginalX(5), 1e-12);
        assertEquals(40.0, g.toOriginalY(4), 1e-12);
        assertEquals(0.0, g.toNetworkX(50), 1e-12);
        assertEquals(20.0, g.toNetworkX(250), 1e-12);
        Box net = new Box(5, 4, 15, 12);
        Box orig = g.boxToOriginal(net);
        assertEquals(new Box(100, 40, 200, 120), orig);
        Box back = g.boxToNetwork(orig);
        assertEquals(net.x0(), back.x0(), 1e-12);
        assertEquals(net.y1(), back.y1(), 1e-12);
        assertArrayEquals(new int[] {100, 40, 199, 119}, orig.pixels());
        assertEquals(Box.ofPixels(100, 40, 199, 119), orig);
        // squash: x scales by 15, y by 10
        InputGeometry s = InputGeometry.of(300, 200, 20, ResizeMode.SQUASH);
        assertEquals(new Box(75, 40, 225, 120), s.boxToOriginal(net));
    }

    @Test
    void boxMapGoesBackToTheOriginalBoxAndZeroMargins() {
        InputGeometry g = InputGeometry.of(300, 200, 20, ResizeMode.CROP);
        float[] m = new float[20 * 20];
        for (int v = 4; v < 12; v++) for (int u = 5; u < 15; u++) m[v * 20 + u] = 1;
        Tensor orig = g.mapToOriginal(new Tensor(m, 20, 20));
        assertArrayEquals(new int[] {200, 300}, orig.shape());
        float[] o = orig.data();
        int minX = 300, maxX = -1, minY = 200, maxY = -1;
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 300; x++) {
                float v = o[y * 300 + x];
                if (x < 50 || x >= 250) assertEquals(0f, v, "cropped-away margin at " + x + "," + y);
                // original pixel x reads network coordinate (x - 50 + 0.5) / 10 - 0.5; it is inside [5, 14] for x in 105..194
                if (x >= 105 && x <= 194 && y >= 45 && y <= 114) assertEquals(1f, v, 1e-6f, "inside at " + x + "," + y);
                if (x < 90 || x > 209 || y < 30 || y > 129) assertEquals(0f, v, "outside at " + x + "," + y);
                if (v >= 0.5f) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
            }
        }
        // the half-level set is exactly the mapped box: x = 100 reads 4.55 (0.55), x = 99 reads 4.45 (0.45)
        assertArrayEquals(new int[] {100, 40, 199, 119}, new int[] {minX, minY, maxX, maxY});
    }

    @Test
    void constantMapFillsTheCropExactly() {
        InputGeometry g = InputGeometry.of(9, 4, 8, ResizeMode.CROP); // crop x 2..6
        float[] ones = new float[64];
        java.util.Arrays.fill(ones, 1f);
        float[] o = g.mapToOriginal(new Tensor(ones, 8, 8)).data();
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 9; x++) assertEquals(x >= 2 && x < 6 ? 1f : 0f, o[y * 9 + x], 1e-7f, x + "," + y);
        }
        float[] s = InputGeometry.of(9, 4, 8, ResizeMode.SQUASH).mapToOriginal(new Tensor(ones, 8, 8)).data();
        for (float v : s) assertEquals(1f, v, 1e-7f);
    }

    @Test
    void layerMapsComposeThroughNetworkSize() {
        InputGeometry g = InputGeometry.of(30, 20, 8, ResizeMode.CROP);
        float[] m = new float[3 * 2 * 2];
        for (int i = 0; i < m.length; i++) m[i] = i * 1.5f;
        Tensor small = new Tensor(m, 3, 2, 2);
        Tensor up = g.upsampleToNetwork(small);
        assertArrayEquals(new int[] {3, 8, 8}, up.shape());
        Tensor direct = g.mapToOriginal(small);
        assertArrayEquals(new int[] {3, 20, 30}, direct.shape());
        assertArrayEquals(g.mapToOriginal(up).data(), direct.data());
        // planes stay independent: plane 1 of the result is plane 1 mapped alone
        assertArrayEquals(g.mapToOriginal(small.slice(1)).data(), direct.slice(1).data());
        Tensor net = Tensor.zeros(8, 8);
        assertSame(net, g.upsampleToNetwork(net));
    }

    @Test
    void noneModeIsTheIdentity() {
        InputGeometry g = InputGeometry.of(5, 5, 5, ResizeMode.NONE);
        float[] m = new float[25];
        for (int i = 0; i < 25; i++) m[i] = i;
        assertArrayEquals(m, g.mapToOriginal(new Tensor(m, 5, 5)).data());
        assertEquals(3.5, g.toOriginalX(3.5), 0);
    }
}
