package org.gradcam4j.image;

import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Crop/squash + bilinear resize and the inverse map mapping against torch's
 * {@code F.interpolate(mode="bilinear", align_corners=False, antialias=False)}, with inputs and
 * expected values written by {@code tools/ref_resize.py}. Skipped where {@code /usr/bin/python3}
 * has no torch.
 *
 * <p>Tolerance 1e-4 absolute: the reference is computed in float64 and stored as float32, our values
 * are computed in double and stored as float32, so the two differ by float32 rounding of values up to
 * 255 (half an ulp is 7.6e-6) plus double-rounding noise; 1e-4 leaves a margin while still catching
 * any off-by-half-pixel error (which moves values by tens on random data).
 */
class TorchResizeParityTest {
    private static final double TOL = 1e-4;
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir static Path dir;
    private static final Map<String, int[]> shapes = new HashMap<>();

    /** Pixel values unchanged: RGB order, x = p. */
    private static final Preprocessing IDENTITY = new Preprocessing(ChannelOrder.RGB, 1f, new float[3], new float[] {1, 1, 1});

    @BeforeAll
    static void runReferenceScript() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
        Path script = Path.of("tools", "ref_resize.py").toAbsolutePath();
        assertTrue(Files.exists(script), "missing " + script + " (tests run from the repository root)");
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), dir.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ref_resize.py did not finish");
        assumeTrue(p.exitValue() != 3, "python3 has no torch/numpy: " + log.strip());
        assertEquals(0, p.exitValue(), "ref_resize.py failed:\n" + log);
        for (String line : Files.readAllLines(dir.resolve("manifest.txt"))) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            int[] shape = new int[f.length - 2];
            for (int i = 2; i < f.length; i++) shape[i - 2] = Integer.parseInt(f[i]);
            shapes.put(f[0], shape);
        }
    }

    private static BufferedImage image(String name) throws IOException {
        int[] s = shapes.get(name);
        byte[] b = Files.readAllBytes(dir.resolve(name));
        int h = s[0], w = s[1];
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                img.setRGB(x, y, ((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff));
            }
        }
        return img;
    }

    private static Tensor floats(String name) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(v);
        return new Tensor(v, shapes.get(name));
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = expected.data(), a = actual.data();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (d > worst) { worst = d; at = i; }
        }
        final double w = worst;
        final int i = at;
        assertTrue(worst <= TOL, () -> what + ": max |error| " + w + " at flat index " + i + " (expected " + e[i] + ", got " + a[i] + ")");
    }

    private static void checkForward(String image, ResizeMode mode, int size, String expected) throws IOException {
        Preprocessor pre = new Preprocessor(IDENTITY, size, mode);
        Preprocessor.Prepared prepared = pre.prepare(image(image), image);
        assertClose(floats(expected), prepared.input(), expected);
    }

    @Test
    void centreCropThenShrinkMatchesTorch() throws IOException { checkForward("wide.u8", ResizeMode.CROP, 24, "wide_crop24.f32"); }

    @Test
    void centreCropThenGrowMatchesTorch() throws IOException { checkForward("wide.u8", ResizeMode.CROP, 64, "wide_crop64.f32"); }

    @Test
    void tallCentreCropMatchesTorch() throws IOException { checkForward("tall.u8", ResizeMode.CROP, 24, "tall_crop24.f32"); }

    @Test
    void squashMatchesTorch() throws IOException { checkForward("wide.u8", ResizeMode.SQUASH, 24, "wide_squash24.f32"); }

    @Test
    void mapsBackToOriginalMatchTorch() throws IOException {
        Tensor map24 = floats("map24.f32");
        assertClose(floats("map24_back_wide_crop.f32"), InputGeometry.of(50, 37, 24, ResizeMode.CROP).mapToOriginal(map24), "wide crop");
        assertClose(floats("map24_back_tall_crop.f32"), InputGeometry.of(37, 50, 24, ResizeMode.CROP).mapToOriginal(map24), "tall crop");
        assertClose(floats("map24_back_wide_squash.f32"), InputGeometry.of(50, 37, 24, ResizeMode.SQUASH).mapToOriginal(map24), "wide squash");
    }

    @Test
    void layerSizedMapGoesThroughNetworkSizeThenBack() throws IOException {
        Tensor map7 = floats("map7.f32");
        assertClose(floats("map7_back_wide_crop.f32"), InputGeometry.of(50, 37, 24, ResizeMode.CROP).mapToOriginal(map7), "7x7 -> 24 -> original");
    }

    @Test
    void batchRowsEqualSingleInputs() throws IOException {
        Preprocessor pre = new Preprocessor(Preprocessing.keras(), 24, ResizeMode.CROP);
        LoadedImage a = new LoadedImage(image("wide.u8"), "wide", "raw", 1);
        LoadedImage b = new LoadedImage(image("tall.u8"), "tall", "raw", 1);
        Preprocessor.Batch batch = pre.prepareBatch(List.of(a, b));
        assertArrayEquals(new int[] {2, 3, 24, 24}, batch.input().shape());
        assertArrayEquals(pre.prepare(a).input().data(), batch.input().slice(0).data());
        assertArrayEquals(pre.prepare(b).input().data(), batch.input().slice(1).data());
        assertEquals(List.of(a.source(), b.source()), batch.sources());
        assertEquals(InputGeometry.of(37, 50, 24, ResizeMode.CROP), batch.geometries().get(1));
    }
}
