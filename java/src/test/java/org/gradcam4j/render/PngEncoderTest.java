package org.gradcam4j.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.gradcam4j.testing.SystemPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PngEncoder}'s files decode to exactly the image's pixels, by the JDK's PNG reader and by libpng (OpenCV). */
class PngEncoderTest {
    @TempDir Path dir;

    /** Smooth areas, noise, a sub-image (rows not the buffer's) and odd sizes, 1 x 1 included. */
    private static BufferedImage[] images() {
        SplittableRandom r = new SplittableRandom(9);
        BufferedImage big = new BufferedImage(301, 203, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < big.getHeight(); y++) {
            for (int x = 0; x < big.getWidth(); x++) {
                big.setRGB(x, y, x < 150 ? ((x * 3) & 0xFF) << 16 | ((y * 5) & 0xFF) << 8 | ((x + y) & 0xFF) : r.nextInt(1 << 24));
            }
        }
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        one.setRGB(0, 0, 0xFF8001);
        return new BufferedImage[] {big, big.getSubimage(7, 5, 130, 97), one};
    }

    @Test
    void jdkReaderGetsThePixelsBack() throws IOException {
        for (BufferedImage img : images()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            PngEncoder.write(img, b);
            BufferedImage back = ImageIO.read(new ByteArrayInputStream(b.toByteArray()));
            assertNotNull(back);
            assertSamePixels(img, back);
        }
    }

    @Test
    void libpngGetsThePixelsBack() throws IOException {
        SystemPython.assumeModules("cv2", "numpy");
        BufferedImage[] imgs = images();
        for (int i = 0; i < imgs.length; i++) {
            Path png = dir.resolve("i" + i + ".png"), raw = dir.resolve("i" + i + ".rgb");
            PngFiles.write(imgs[i], png);
            SystemPython.Result r = SystemPython.run(60, "-c", "import cv2, sys; a = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED); "
                    + "assert a is not None and a.ndim == 3 and a.shape[2] == 3, a; open(sys.argv[2], 'wb').write(a[:, :, ::-1].tobytes()); "
                    + "print(a.shape[1], a.shape[0])", png.toString(), raw.toString());
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(imgs[i].getWidth() + " " + imgs[i].getHeight(), r.output().strip());
            byte[] rgb = Files.readAllBytes(raw);
            for (int y = 0, k = 0; y < imgs[i].getHeight(); y++) {
                for (int x = 0; x < imgs[i].getWidth(); x++, k += 3) {
                    int want = imgs[i].getRGB(x, y) & 0xFFFFFF;
                    int got = (rgb[k] & 0xFF) << 16 | (rgb[k + 1] & 0xFF) << 8 | (rgb[k + 2] & 0xFF);
                    assertEquals(want, got, "image " + i + " at " + x + "," + y);
                }
            }
        }
    }

    private static void assertSamePixels(BufferedImage want, BufferedImage got) {
        assertEquals(want.getWidth(), got.getWidth());
        assertEquals(want.getHeight(), got.getHeight());
        for (int y = 0; y < want.getHeight(); y++) {
            for (int x = 0; x < want.getWidth(); x++) assertEquals(want.getRGB(x, y) & 0xFFFFFF, got.getRGB(x, y) & 0xFFFFFF, x + "," + y);
        }
    }
}
