package org.gradcam4j.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    static int rgb(int r, int g, int b) { return (r << 16) | (g << 8) | b; }

    static BufferedImage image(int w, int h, int... pixels) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, pixels, 0, w);
        return img;
    }

    static int px(BufferedImage img, int x, int y) { return img.getRGB(x, y) & 0xFFFFFF; }

    @Test
    void overlayArithmetic() {
        // pixels (100, 50, 200) and (10, 20, 30); map [1, 0]; jet(1) = (128, 0, 0), jet(0) = (0, 0, 128)
        BufferedImage img = image(2, 1, rgb(100, 50, 200), rgb(10, 20, 30));
        Tensor map = new Tensor(new float[] {1, 0}, 1, 2);
        // opacity 0.5: (50 + 64, 25, 100) and (5, 10, 15 + 64)
        BufferedImage half = HeatmapImages.overlay(img, map, Colormap.JET);
        assertEquals(rgb(114, 25, 100), px(half, 0, 0));
        assertEquals(rgb(5, 10, 79), px(half, 1, 0));
        // opacity 0.25: (75 + 32, 37.5 -> 38, 150) and (7.5 -> 8, 15, 22.5 + 32 = 54.5 -> 55)
        BufferedImage quarter = HeatmapImages.overlay(img, map, Colormap.JET, 0.25);
        assertEquals(rgb(107, 38, 150), px(quarter, 0, 0));
        assertEquals(rgb(8, 15, 55), px(quarter, 1, 0));
        // opacity 0 is the image, 1 the heat map
        assertEquals(rgb(100, 50, 200), px(HeatmapImages.overlay(img, map, Colormap.JET, 0), 0, 0));
        BufferedImage heat = HeatmapImages.colorize(map, Colormap.JET);
        assertEquals(px(heat, 1, 0), px(HeatmapImages.overlay(img, map, Colormap.JET, 1), 1, 0));
        assertEquals(0x000080, px(heat, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> HeatmapImages.overlay(img, new Tensor(new float[3], 1, 3), Colormap.JET));
    }

    @Test
    void gradientDisplay() {
        // RGB gradient, 1 x 2 pixels: R [1, -2], G [0, 0.5], B [2, -1]; largest magnitude m = 2
        // level = round(128 + 127 x / 2): R 191.5 -> 192, 1;  G 128, 159.75 -> 160;  B 255, 64.5 -> 65
        Tensor grad = new Tensor(new float[] {1, -2, 0, 0.5f, 2, -1}, 3, 1, 2);
        BufferedImage img = GradientImages.render(grad, ChannelOrder.RGB);
        assertEquals(rgb(192, 128, 255), px(img, 0, 0));
        assertEquals(rgb(1, 160, 65), px(img, 1, 0));
        // the same tensor from a BGR network: channel 0 is blue
        BufferedImage bgr = GradientImages.render(grad, ChannelOrder.BGR);
        assertEquals(rgb(255, 128, 192), px(bgr, 0, 0));
        assertEquals(rgb(65, 160, 1), px(bgr, 1, 0));
        // no gradient at all: flat mid grey, no division by zero
        BufferedImage flat = GradientImages.render(Tensor.zeros(3, 2, 2), ChannelOrder.RGB);
        assertEquals(rgb(128, 128, 128), px(flat, 1, 1));
    }

    @Test
    void panelLayout() {
        int red = 0xFF0000, blue = 0x0000FF;
        BufferedImage a = new BufferedImage(12, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 12; x++) a.setRGB(x, y, red);
        BufferedImage b = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) b.setRGB(x, y, blue);
        BufferedImage p = Panel.compose(List.of(new Panel.Tile("ab", a), new Panel.Tile("cd", b)), 1);
        // width: gap 4 + 12 + 4 + 5 + 4 = 29; height: gap 4, label strip 7 + 4, tallest tile 4, gap 4
        assertEquals(29, p.getWidth());
        assertEquals(4 + 11 + 4 + 4, p.getHeight());
        assertEquals(0xFFFFFF, px(p, 0, 0));
        assertEquals(red, px(p, 4, 15));
        assertEquals(red, px(p, 15, 16));
        assertEquals(0xFFFFFF, px(p, 4, 17), "below the shorter tile is background");
        assertEquals(blue, px(p, 20, 15));
        assertEquals(blue, px(p, 24, 18));
        // 'A' at (4, 4): its top row is .###. ; 'B' starts 6 pixels later with ####.
        assertEquals(0xFFFFFF, px(p, 4, 4));
        assertEquals(0x202020, px(p, 5, 4));
        assertEquals(0x202020, px(p, 10, 4));
        // the 5-pixel tile fits one glyph of "cd": 'C' drawn, 'D' left out rather than cut
        int ink = 0;
        for (int y = 4; y < 11; y++) for (int x = 20; x < 29; x++) if (px(p, x, y) == 0x202020) ink++;
        assertEquals(13, ink, "the glyph C has 13 ink pixels: 3 + 2 + 1 + 1 + 1 + 2 + 3");

        BufferedImage three = Panel.explanation(a, a, a, null, "Grad-CAM", "guided");
        assertEquals(4 + 3 * (12 + 4), three.getWidth());
        BufferedImage four = Panel.explanation(a, a, a, b, "Grad-CAM", "guided Grad-CAM");
        assertEquals(4 + 3 * (12 + 4) + 5 + 4, four.getWidth());
    }

    @Test
    void pngWriteIsAtomicAndLossless(@TempDir Path dir) throws IOException {
        BufferedImage img = image(2, 2, rgb(1, 2, 3), rgb(250, 128, 0), rgb(0, 0, 0), rgb(255, 255, 255));
        Path target = dir.resolve("out/panel.png");
        PngFiles.write(img, target);
        PngFiles.write(img, target); // replacing works too
        BufferedImage back = ImageIO.read(target.toFile());
        int[] want = img.getRGB(0, 0, 2, 2, null, 0, 2), got = back.getRGB(0, 0, 2, 2, null, 0, 2);
        assertArrayEquals(want, got);
        try (var s = Files.list(target.getParent())) {
            assertEquals(List.of(target), s.toList());
        }
    }
}
