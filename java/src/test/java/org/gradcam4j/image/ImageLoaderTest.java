package org.gradcam4j.image;

import org.gradcam4j.image.ImageException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import static org.gradcam4j.image.TestImages.encode;
import static org.gradcam4j.image.TestImages.pattern;
import static org.gradcam4j.image.TestImages.rgb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Decoding every supported format into upright 8-bit RGB, and refusing bad files with clear messages. */
class ImageLoaderTest {
    @TempDir Path dir;
    private final ImageLoader loader = new ImageLoader();

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static void assertPixelsEqual(BufferedImage expected, LoadedImage actual) {
        assertEquals(BufferedImage.TYPE_INT_RGB, actual.image().getType());
        assertEquals(expected.getWidth(), actual.width(), "width");
        assertEquals(expected.getHeight(), actual.height(), "height");
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int e = expected.getRGB(x, y) & 0xffffff, a = actual.image().getRGB(x, y) & 0xffffff;
                if (e != a) throw new AssertionError(String.format("pixel (%d, %d): expected %06x, got %06x", x, y, e, a));
            }
        }
    }

    /** Every channel within {@code tol} of {@code expected} (0xRRGGBB) at (x, y). */
    private static void assertColour(int expected, BufferedImage img, int x, int y, int tol, String what) {
        int[] e = rgb(expected), a = rgb(img.getRGB(x, y));
        for (int c = 0; c < 3; c++) {
            if (Math.abs(e[c] - a[c]) > tol) {
                throw new AssertionError(what + " at (" + x + ", " + y + "): expected ~" + Arrays.toString(e) + ", got " + Arrays.toString(a));
            }
        }
    }

    private ImageException refused(Path p, Problem problem) {
        ImageException e = assertThrows(ImageException.class, () -> loader.load(p));
        assertEquals(problem, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), "message names the file: " + e.getMessage());
        assertEquals(p.toString(), e.source());
        return e;
    }

    // ---- formats ----

    @Test
    void png8BitRgbIsExact() throws IOException {
        BufferedImage img = pattern(23, 17);
        LoadedImage li = loader.load(write("rgb.png", encode(img, "png")));
        assertPixelsEqual(img, li);
        assertEquals("png", li.format().toLowerCase());
        assertEquals(1, li.exifOrientation());
    }

    @Test
    void png16BitRgbIsScaledWithRounding() throws IOException {
        // 16-bit values and their 8-bit results, round(v * 255 / 65535), worked out by hand:
        // 32767 -> 127.498 -> 127, 32768 -> 127.502 -> 128, 128 -> 0.498 -> 0, 129 -> 0.502 -> 1, 25700 = 100 * 257 -> 100
        int[] v16 = {0, 65535, 32767, 32768, 128, 129, 25700, 257};
        int[] v8 = {0, 255, 127, 128, 0, 1, 100, 1};
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16},
                false, false, ColorModel.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(v16.length, 1);
        for (int x = 0; x < v16.length; x++) r.setPixel(x, 0, new int[] {v16[x], v16[v16.length - 1 - x], 65535 - v16[x]});
        byte[] png = encode(new BufferedImage(cm, r, false, null), "png");
        assertEquals(16, png[24], "IHDR bit depth"); // sanity: the file really is 16-bit
        BufferedImage got = loader.load(write("rgb16.png", png)).image();
        for (int x = 0; x < v16.length; x++) {
            int[] expected = {v8[x], v8[v16.length - 1 - x], Math.round((65535 - v16[x]) * 255f / 65535f)};
            assertArrayEquals(expected, rgb(got.getRGB(x, 0)), "pixel " + x);
        }
    }

    @Test
    void png16BitRgbaDropsAlphaKeepsColour() throws IOException {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16, 16},
                true, false, ColorModel.TRANSLUCENT, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
        r.setPixel(0, 0, new int[] {65535, 32768, 0, 0});       // fully transparent: colour still kept
        r.setPixel(1, 0, new int[] {257 * 10, 257 * 20, 257 * 30, 30000});
        BufferedImage got = loader.load(write("rgba16.png", encode(new BufferedImage(cm, r, false, null), "png"))).image();
        assertArrayEquals(new int[] {255, 128, 0}, rgb(got.getRGB(0, 0)));
        assertArrayEquals(new int[] {10, 20, 30}, rgb(got.getRGB(1, 0)));
    }

    @Test
    void gray8IsReplicatedWithoutGammaChange() throws IOException {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 37, 128, 255};
        gray.getRaster().setPixels(0, 0, 4, 1, values);
        BufferedImage got = loader.load(write("gray.png", encode(gray, "png"))).image();
        for (int x = 0; x < 4; x++) assertArrayEquals(new int[] {values[x], values[x], values[x]}, rgb(got.getRGB(x, 0)), "pixel " + x);
    }

    @Test
    void gray16IsScaledWithRounding() throws IOException {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray.getRaster().setPixels(0, 0, 4, 1, new int[] {0, 32767, 32768, 65535});
        BufferedImage got = loader.load(write("gray16.png", encode(gray, "png"))).image();
        int[] expected = {0, 127, 128, 255};
        for (int x = 0; x < 4; x++) assertArrayEquals(new int[] {expected[x], expected[x], expected[x]}, rgb(got.getRGB(x, 0)), "pixel " + x);
    }

    @Test
    void grayWithAlphaKeepsGray() throws IOException {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), new int[] {8, 8},
                true, false, ColorModel.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
        r.setPixel(0, 0, new int[] {200, 0});
        r.setPixel(1, 0, new int[] {60, 255});
        BufferedImage got = loader.load(write("gray-alpha.png", encode(new BufferedImage(cm, r, false, null), "png"))).image();
        assertArrayEquals(new int[] {200, 200, 200}, rgb(got.getRGB(0, 0)));
        assertArrayEquals(new int[] {60, 60, 60}, rgb(got.getRGB(1, 0)));
    }

    @Test
    void rgbaDropsAlphaKeepsStoredColour() throws IOException {
        BufferedImage argb = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x000a141e);   // alpha 0, colour (10, 20, 30)
        argb.setRGB(1, 0, 0x80c86432);   // alpha 128
        argb.setRGB(2, 0, 0xff010203);
        BufferedImage got = loader.load(write("rgba.png", encode(argb, "png"))).image();
        assertArrayEquals(new int[] {10, 20, 30}, rgb(got.getRGB(0, 0)));
        assertArrayEquals(new int[] {200, 100, 50}, rgb(got.getRGB(1, 0)));
        assertArrayEquals(new int[] {1, 2, 3}, rgb(got.getRGB(2, 0)));
    }

    /** 5 x 6, index (x + y) mod 4 over a 4-entry palette whose entry 3 is fully transparent. */
    private static BufferedImage paletteImage(int bits) {
        // (Six rows, not two: the JDK's GIF writer loses row 1 of a two-row interlaced image.)
        byte[] r = {(byte) 255, 0, 0, 9}, g = {0, (byte) 255, 0, 8}, b = {0, 0, (byte) 255, 7}, a = {(byte) 255, (byte) 255, (byte) 255, 0};
        IndexColorModel icm = new IndexColorModel(bits, 4, r, g, b, a);
        BufferedImage img = new BufferedImage(5, 6, bits == 8 ? BufferedImage.TYPE_BYTE_INDEXED : BufferedImage.TYPE_BYTE_BINARY, icm);
        for (int y = 0; y < 6; y++) for (int x = 0; x < 5; x++) img.getRaster().setSample(x, y, 0, (x + y) % 4);
        return img;
    }

    private static void assertPalette(BufferedImage got) {
        int[][] colours = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 8, 7}}; // index 3 is transparent: colour kept
        assertEquals(5, got.getWidth());
        assertEquals(6, got.getHeight());
        for (int y = 0; y < 6; y++) for (int x = 0; x < 5; x++) assertArrayEquals(colours[(x + y) % 4], rgb(got.getRGB(x, y)), "pixel " + x + "," + y);
    }

    @Test
    void paletteWithTransparentEntryKeepsPaletteColours() throws IOException {
        assertPalette(loader.load(write("palette8.png", encode(paletteImage(8), "png"))).image());
    }

    @Test
    void packedPalette() throws IOException {
        byte[] png = encode(paletteImage(4), "png");
        assertTrue(png[24] < 8, "IHDR bit depth " + png[24] + " should be packed (below 8)");
        assertPalette(loader.load(write("palette-packed.png", png)).image());
    }

    @Test
    void gifGivesTheFirstFrame() throws IOException {
        BufferedImage first = paletteImage(8);
        BufferedImage second = new BufferedImage(5, 6, BufferedImage.TYPE_BYTE_INDEXED, (IndexColorModel) first.getColorModel());
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(first, null, null), null);
            writer.writeToSequence(new IIOImage(second, null, null), null); // all index 0: red
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        LoadedImage li = loader.load(write("anim.gif", out.toByteArray()));
        assertEquals("gif", li.format().toLowerCase());
        assertPalette(li.image());
    }

    @Test
    void bmpIsExact() throws IOException {
        BufferedImage img = pattern(13, 7); // odd width: exercises row padding
        assertPixelsEqual(img, loader.load(write("p.bmp", encode(img, "bmp"))));
    }

    @Test
    void tiffIsExact() throws IOException {
        BufferedImage img = pattern(19, 11);
        assertPixelsEqual(img, loader.load(write("p.tif", encode(img, "tiff"))));
    }

    /** 32 x 32, four flat 16 x 16 quadrants, so JPEG blocks never straddle two colours. */
    private static final int[] QUADRANTS = {0xd03020, 0x20c040, 0x3040e0, 0xf0f0f0};

    private static BufferedImage quadrants() {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, QUADRANTS[(y / 16) * 2 + x / 16]);
        return img;
    }

    @Test
    void jpegColours() throws IOException {
        BufferedImage got = loader.load(write("q.jpg", encode(quadrants(), "jpeg"))).image();
        for (int q = 0; q < 4; q++) assertColour(QUADRANTS[q], got, 8 + 16 * (q % 2), 8 + 16 * (q / 2), 8, "quadrant " + q);
    }

    @Test
    void grayJpegIsReplicated() throws IOException {
        BufferedImage gray = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) gray.getRaster().setSample(x, y, 0, 90);
        BufferedImage got = loader.load(write("g.jpg", encode(gray, "jpeg"))).image();
        assertColour(0x5a5a5a, got, 8, 8, 2, "gray");
    }

    @Test
    void jpegIccProfileIsAppliedByTheDecoder() throws IOException {
        // Pins the documented behaviour: the TwelveMonkeys reader converts a JPEG's embedded profile to
        // sRGB. Tagged linear RGB, stored (100, 150, 200) becomes the sRGB encoding of those linear values.
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) flat.setRGB(x, y, 0x6496c8);
        byte[] profile = java.awt.color.ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
        ByteArrayOutputStream app2 = new ByteArrayOutputStream();
        app2.writeBytes("ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1));
        app2.write(1); // chunk 1 ...
        app2.write(1); // ... of 1
        app2.writeBytes(profile);
        byte[] jpeg = TestImages.insertAfterSoi(encode(flat, "jpeg"), 0xe2, app2.toByteArray());
        BufferedImage got = loader.load(write("linear-icc.jpg", jpeg)).image();
        int expected = 0;
        for (int v : new int[] {100, 150, 200}) {
            double lin = v / 255.0;
            expected = (expected << 8) | (int) Math.round(255 * (1.055 * Math.pow(lin, 1 / 2.4) - 0.055));
        }
        assertColour(expected, got, 8, 8, 4, "linear RGB -> sRGB");
    }

    @Test
    void webpFromPillowIfAvailable() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assumeTrue(Files.isExecutable(python), "no python3 to write a WebP file");
        BufferedImage img = pattern(21, 9);
        Path png = write("src.png", encode(img, "png"));
        Path webp = dir.resolve("p.webp");
        Process p = new ProcessBuilder(python.toString(), "-c",
                "import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2], 'WEBP', lossless=True)",
                png.toString(), webp.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() == 0, "Pillow with WebP support not available: " + log);
        LoadedImage li = loader.load(webp);
        assertEquals("webp", li.format().toLowerCase());
        assertPixelsEqual(img, li);
    }

    // ---- CMYK / YCCK JPEG ----

    /** Ink amounts (0..255) of the four quadrants: none (white), cyan, yellow, full black. */
    private static final int[][] INKS = {{0, 0, 0, 0}, {255, 0, 0, 0}, {0, 0, 255, 0}, {0, 0, 0, 255}};
    private static final int[] INK_RGB = {0xffffff, 0x00ffff, 0xffff00, 0x000000};

    private static int[][][] quadrantSamples(java.util.function.Function<int[], int[]> encodeInk) {
        int[][][] s = new int[32][32][];
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) s[y][x] = encodeInk.apply(INKS[(y / 16) * 2 + x / 16]);
        return s;
    }

    /** Adobe CMYK JPEGs store inverted ink (255 = no ink), as Photoshop writes them. */
    private static int[] adobeCmyk(int[] ink) { return new int[] {255 - ink[0], 255 - ink[1], 255 - ink[2], 255 - ink[3]}; }

    /**
     * Adobe YCCK (libjpeg's convention): the stored Adobe CMY are {@code 255 - (R, G, B)} of the YCbCr
     * decode, so the YCbCr-encoded "R, G, B" are the ink amounts themselves (JFIF equations); K is stored
     * inverted as in Adobe CMYK.
     */
    private static int[] adobeYcck(int[] ink) {
        double r = ink[0], g = ink[1], b = ink[2];
        double y = 0.299 * r + 0.587 * g + 0.114 * b;
        double cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
        double cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
        return new int[] {clamp(y), clamp(cb), clamp(cr), 255 - ink[3]};
    }

    private static int clamp(double v) { return (int) Math.max(0, Math.min(255, Math.round(v))); }

    private void assertInkQuadrants(BufferedImage got, String what) {
        assertEquals(32, got.getWidth());
        // Without an ICC profile the conversion is the naive one; JPEG loss and colour management
        // both stay well inside 40 levels for these saturated colours.
        for (int q = 0; q < 4; q++) assertColour(INK_RGB[q], got, 8 + 16 * (q % 2), 8 + 16 * (q / 2), 40, what + " quadrant " + q);
    }

    @Test
    void cmykJpegIsConvertedToRgb() throws IOException {
        byte[] jpeg = TestImages.fourComponentJpeg(quadrantSamples(ImageLoaderTest::adobeCmyk), 0);
        assertInkQuadrants(loader.load(write("cmyk.jpg", jpeg)).image(), "CMYK");
    }

    @Test
    void ycckJpegIsConvertedToRgb() throws IOException {
        byte[] jpeg = TestImages.fourComponentJpeg(quadrantSamples(ImageLoaderTest::adobeYcck), 2);
        assertInkQuadrants(loader.load(write("ycck.jpg", jpeg)).image(), "YCCK");
    }

    // ---- EXIF orientation ----

    /** Upright image: 48 wide, 32 high, quadrants TL red, TR green, BL blue, BR yellow. */
    private static final int TL = 0xff0000, TR = 0x00ff00, BL = 0x0000ff, BR = 0xffff00;

    /**
     * What the camera stored for each orientation, worked out from the EXIF definition ("the stored
     * image needs this transform to be upright"): the colours of the stored image's TL, TR, BL, BR
     * quadrants, and whether it is stored 32 x 48 (sides swapped).
     */
    private static int[] storedCorners(int orientation) {
        return switch (orientation) {
            case 1 -> new int[] {TL, TR, BL, BR};
            case 2 -> new int[] {TR, TL, BR, BL};   // mirrored left-right
            case 3 -> new int[] {BR, BL, TR, TL};   // turned 180
            case 4 -> new int[] {BL, BR, TL, TR};   // mirrored top-bottom
            case 5 -> new int[] {TL, BL, TR, BR};   // transposed (main diagonal)
            case 6 -> new int[] {TR, BR, TL, BL};   // turned 90 counter-clockwise; display turns it clockwise
            case 7 -> new int[] {BR, TR, BL, TL};   // transverse (anti-diagonal)
            case 8 -> new int[] {BL, TL, BR, TR};   // turned 90 clockwise; display turns it counter-clockwise
            default -> throw new IllegalArgumentException();
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void exifOrientationMakesTheImageUpright(int orientation) throws IOException {
        int[] corners = storedCorners(orientation);
        boolean swapped = orientation >= 5;
        int w = swapped ? 32 : 48, h = swapped ? 48 : 32;
        BufferedImage stored = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) stored.setRGB(x, y, corners[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)]);
        byte[] jpeg = TestImages.insertAfterSoi(encode(stored, "jpeg"), 0xe1,
                TestImages.exifOrientationPayload(orientation, orientation % 2 == 0));
        LoadedImage li = loader.load(write("o" + orientation + ".jpg", jpeg));
        assertEquals(orientation, li.exifOrientation());
        BufferedImage up = li.image();
        assertEquals(48, up.getWidth(), "upright width");
        assertEquals(32, up.getHeight(), "upright height");
        assertColour(TL, up, 12, 8, 30, "top-left");
        assertColour(TR, up, 36, 8, 30, "top-right");
        assertColour(BL, up, 12, 24, 30, "bottom-left");
        assertColour(BR, up, 36, 24, 30, "bottom-right");
    }

    @Test
    void invalidOrientationValueIsIgnored() throws IOException {
        BufferedImage img = quadrants();
        byte[] jpeg = TestImages.insertAfterSoi(encode(img, "jpeg"), 0xe1, TestImages.exifOrientationPayload(9, true));
        LoadedImage li = loader.load(write("o9.jpg", jpeg));
        assertEquals(1, li.exifOrientation());
        assertColour(QUADRANTS[1], li.image(), 24, 8, 8, "top-right");
    }

    // ---- limits ----

    @Test
    void decompressionBombIsRefusedFromTheHeader() throws IOException {
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[1000]);
        deflater.finish();
        byte[] buf = new byte[100];
        byte[] idat = Arrays.copyOf(buf, deflater.deflate(buf));
        byte[] png = TestImages.pngWithHeader(100_000, 100_000, idat);
        assertTrue(png.length < 200, "the bomb is tiny: " + png.length + " bytes");
        // Decoding would need 30 GB (over the test heap): getting TOO_LARGE, not an OutOfMemoryError
        // or a corrupt-data error, shows the refusal came from the header alone.
        ImageException e = refused(write("bomb.png", png), Problem.TOO_LARGE);
        assertTrue(e.getMessage().contains("100000 x 100000"), e.getMessage());
        assertTrue(e.getMessage().contains("50000000"), "names the limit: " + e.getMessage());
    }

    @Test
    void jpegBombIsRefusedFromTheHeader() throws IOException {
        byte[] jpeg = encode(quadrants(), "jpeg");
        int sof = -1;
        for (int i = 2; i < jpeg.length - 1; i++) {
            if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == 0xc0) { sof = i; break; }
        }
        assertTrue(sof > 0, "no SOF0");
        // SOF0: marker, length(2), precision(1), height(2), width(2)
        jpeg[sof + 5] = (byte) 0xfd; jpeg[sof + 6] = (byte) 0xe8;  // 65000
        jpeg[sof + 7] = (byte) 0xfd; jpeg[sof + 8] = (byte) 0xe8;
        ImageException e = refused(write("bomb.jpg", jpeg), Problem.TOO_LARGE);
        assertTrue(e.getMessage().contains("65000 x 65000"), e.getMessage());
    }

    @Test
    void limitsAreConfigurable() throws IOException {
        Path p = write("small.png", encode(pattern(20, 20), "png"));
        ImageException byPixels = assertThrows(ImageException.class, () -> new ImageLoader(399, 1000).load(p));
        assertEquals(Problem.TOO_LARGE, byPixels.problem());
        assertTrue(byPixels.getMessage().contains("20 x 20 = 400 pixels") && byPixels.getMessage().contains("399"), byPixels.getMessage());
        ImageException bySide = assertThrows(ImageException.class, () -> new ImageLoader(1_000_000, 19).load(p));
        assertEquals(Problem.TOO_LARGE, bySide.problem());
        assertTrue(bySide.getMessage().contains("19 pixels per side"), bySide.getMessage());
        assertEquals(20, new ImageLoader(400, 20).load(p).width());
    }

    // ---- bad files ----

    @Test
    void missingFile() {
        ImageException e = refused(dir.resolve("nope.jpg"), Problem.NOT_FOUND);
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void directory() throws IOException {
        Path d = Files.createDirectory(dir.resolve("folder.png"));
        assertTrue(refused(d, Problem.UNREADABLE).getMessage().contains("directory"));
    }

    @Test
    void emptyFile() throws IOException {
        assertTrue(refused(write("empty.jpg", new byte[0]), Problem.EMPTY).getMessage().contains("empty"));
    }

    @Test
    void textFileWithImageName() throws IOException {
        ImageException e = refused(write("notes.jpg", "just some notes\n".getBytes(StandardCharsets.UTF_8)), Problem.NOT_AN_IMAGE);
        assertTrue(e.getMessage().contains("not an image") && e.getMessage().contains("looks like text"), e.getMessage());
    }

    @Test
    void unsupportedContainerIsNamed() throws IOException {
        byte[] heic = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
        ImageException e = refused(write("phone.heic", heic), Problem.NOT_AN_IMAGE);
        assertTrue(e.getMessage().contains("HEIC"), e.getMessage());
    }

    @Test
    void corruptPngData() throws IOException {
        byte[] garbage = new byte[64];
        for (int i = 0; i < garbage.length; i++) garbage[i] = (byte) (i * 97 + 13);
        ImageException e = refused(write("garbage.png", TestImages.pngWithHeader(8, 8, garbage)), Problem.CORRUPT);
        assertTrue(e.getMessage().contains("png") || e.getMessage().contains("PNG"), e.getMessage());
    }

    @Test
    void truncatedPng() throws IOException {
        byte[] png = encode(pattern(64, 64), "png");
        refused(write("cut.png", Arrays.copyOf(png, png.length * 2 / 3)), Problem.CORRUPT);
    }

    @ParameterizedTest
    @ValueSource(ints = {30, 50, 80, 95})
    void truncatedJpeg(int percent) throws IOException {
        byte[] jpeg = encode(pattern(64, 64), "jpeg");
        ImageException e = refused(write("cut" + percent + ".jpg", Arrays.copyOf(jpeg, jpeg.length * percent / 100)), Problem.CORRUPT);
        assertTrue(e.getMessage().toLowerCase().contains("jpeg"), e.getMessage());
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] png = encode(pattern(8, 8), "png");
        refused(write("header.png", Arrays.copyOf(png, 20)), Problem.CORRUPT);
    }

    // ---- other sources ----

    @Test
    void bytesAndStreamsUseTheDisplayName() throws IOException {
        BufferedImage img = pattern(9, 5);
        byte[] png = encode(img, "png");
        assertPixelsEqual(img, loader.load(png, "upload #1"));
        LoadedImage fromStream = loader.load(new ByteArrayInputStream(png), "stdin");
        assertEquals("stdin", fromStream.source());
        assertPixelsEqual(img, fromStream);
        ImageException e = assertThrows(ImageException.class, () -> loader.load(Arrays.copyOf(png, 30), "upload #2"));
        assertTrue(e.getMessage().startsWith("upload #2: "), e.getMessage());
        ImageException empty = assertThrows(ImageException.class, () -> loader.load(new ByteArrayInputStream(new byte[0]), "stdin"));
        assertEquals(Problem.EMPTY, empty.problem());
    }

    @Test
    void exifInBytesIsApplied() {
        BufferedImage stored = new BufferedImage(32, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 32; x++) stored.setRGB(x, y, x < 16 ? 0xff0000 : 0x0000ff);
        byte[] jpeg = TestImages.insertAfterSoi(encode(stored, "jpeg"), 0xe1, TestImages.exifOrientationPayload(3, false));
        BufferedImage up = loader.load(jpeg, "mem").image();
        assertColour(0x0000ff, up, 4, 8, 30, "left after 180");
        assertColour(0xff0000, up, 28, 8, 30, "right after 180");
    }

    @Test
    void convertsFloatRasters() {
        // TIFF float data arrives as a float raster; samples are taken as 0..1.
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                ColorModel.OPAQUE, DataBuffer.TYPE_FLOAT);
        WritableRaster r = cm.createCompatibleWritableRaster(2, 1);
        r.setPixel(0, 0, new float[] {0f, 0.5f, 1f});
        r.setPixel(1, 0, new float[] {-1f, 2f, 0.2f});
        BufferedImage got = RgbImages.toRgb8(new BufferedImage(cm, r, false, null));
        assertArrayEquals(new int[] {0, 128, 255}, rgb(got.getRGB(0, 0)));
        assertArrayEquals(new int[] {0, 255, 51}, rgb(got.getRGB(1, 0)));
    }

    @Test
    void convertsPremultipliedAlpha() {
        BufferedImage pre = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB_PRE);
        Raster raster = pre.getRaster();
        ((WritableRaster) raster).setPixel(0, 0, new int[] {50, 25, 0, 128}); // premultiplied by 128/255
        assertArrayEquals(new int[] {100, 50, 0}, rgb(RgbImages.toRgb8(pre).getRGB(0, 0)));
    }
}
