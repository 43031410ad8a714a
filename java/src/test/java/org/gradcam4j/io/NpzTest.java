package org.gradcam4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.SystemPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {

    /** Values that numpy can recompute exactly: float32(i * 0.5 - 3) and i * 7 - 5. */
    static float f(int i) { return i * 0.5f - 3f; }
    static int n(int i) { return i * 7 - 5; }

    static Npz.Builder sample() {
        float[] maps = new float[2 * 3 * 4];
        for (int i = 0; i < maps.length; i++) maps[i] = f(i);
        float[] big = new float[70_000]; // spans several write chunks
        for (int i = 0; i < big.length; i++) big[i] = f(i);
        int[] idx = new int[5];
        for (int i = 0; i < idx.length; i++) idx[i] = n(i);
        return Npz.builder()
                .put("maps", new Tensor(maps, 2, 3, 4))
                .put("big", new Tensor(big, 70_000))
                .put("scalar", new Tensor(new float[] {2.5f}))
                .put("empty", new Tensor(new float[0], 0, 3))
                .putInts("image_of", idx, 5)
                .put("method.gradcampp-official", new Tensor(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}, 3));
    }

    @Test
    void headerIsNumpyVersion1Aligned() {
        byte[] h = Npy.header(NpyArray.of(new Tensor(new float[6], 2, 3)));
        assertEquals(0, h.length % 64);
        assertEquals(1, h[6]);
        String dict = new String(h, 10, h.length - 10, java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(dict.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), dict);
        assertTrue(dict.endsWith("\n"));
        String one = new String(Npy.header(NpyArray.ofInts(new int[4], 4)), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(one.contains("'descr': '<i4'") && one.contains("'shape': (4,)"), one);
        String zero = new String(Npy.header(NpyArray.of(new Tensor(new float[] {1}))), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(zero.contains("'shape': ()"), zero);
    }

    @Test
    void roundTrip(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("a.npz");
        sample().write(p);
        Npz.Contents c = Npz.read(p);
        assertEquals(List.of("maps", "big", "scalar", "empty", "image_of", "method.gradcampp-official"), List.copyOf(c.names()));
        Tensor maps = c.tensor("maps");
        assertArrayEquals(new int[] {2, 3, 4}, maps.shape());
        assertEquals(f(23), maps.data()[23]);
        assertArrayEquals(sample().arrays().get("big") instanceof NpyArray.Float32 b ? b.data() : null, c.tensor("big").data());
        assertArrayEquals(new int[0], c.tensor("scalar").shape());
        assertArrayEquals(new int[] {0, 3}, c.tensor("empty").shape());
        assertArrayEquals(new int[] {-5, 2, 9, 16, 23}, c.ints("image_of"));
        assertArrayEquals(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}, c.tensor("method.gradcampp-official").data());
        assertThrows(IllegalArgumentException.class, () -> c.tensor("image_of"));
        assertThrows(IllegalArgumentException.class, () -> c.tensor("missing"));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary files left");
        }
    }

    @Test
    void singleNpyRoundTripAndErrors() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Npy.writeTo(bos, NpyArray.ofInts(new int[] {1, -2, 3, 4, 5, 6}, 3, 2));
        byte[] bytes = bos.toByteArray();
        NpyArray back = Npy.readFrom(new ByteArrayInputStream(bytes), "mem");
        assertArrayEquals(new int[] {3, 2}, back.shape());
        assertArrayEquals(new int[] {1, -2, 3, 4, 5, 6}, ((NpyArray.Int32) back).data());
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertThrows(IOException.class, () -> Npy.readFrom(new ByteArrayInputStream(truncated), "mem"));
        byte[] f8 = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<i4", "<f8")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        IOException e = assertThrows(IOException.class, () -> Npy.readFrom(new ByteArrayInputStream(f8), "mem"));
        assertTrue(e.getMessage().contains("<f8"), e.getMessage());
    }

    @Test
    void numpyReadsWhatWeWrite(@TempDir Path dir) throws IOException {
        SystemPython.assumeModules("numpy");
        Path p = dir.resolve("java.npz");
        sample().write(p);
        String check = String.join("\n",
                "import sys, numpy as np",
                "d = np.load(sys.argv[1])",
                "assert list(d.files) == ['maps', 'big', 'scalar', 'empty', 'image_of', 'method.gradcampp-official'], d.files",
                "f = lambda n: (np.arange(n, dtype=np.float32) * np.float32(0.5) - np.float32(3))",
                "m = d['maps']; assert m.dtype == np.float32 and m.shape == (2, 3, 4) and m.flags.c_contiguous",
                "assert np.array_equal(m, f(24).reshape(2, 3, 4))",
                "b = d['big']; assert b.dtype == np.float32 and b.shape == (70000,) and np.array_equal(b, f(70000))",
                "s = d['scalar']; assert s.shape == () and s == np.float32(2.5)",
                "assert d['empty'].shape == (0, 3) and d['empty'].dtype == np.float32",
                "i = d['image_of']; assert i.dtype == np.int32 and i.shape == (5,) and list(i) == [-5, 2, 9, 16, 23]",
                "x = d['method.gradcampp-official']",
                "assert x[0] == np.finfo(np.float32).smallest_subnormal and np.signbit(x[1]) and x[2] == np.finfo(np.float32).max",
                "print('numpy ok')");
        SystemPython.Result r = SystemPython.run(120, "-c", check, p.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("numpy ok"), r.output());
    }

    @Test
    void weReadWhatNumpyWrites(@TempDir Path dir) throws IOException {
        SystemPython.assumeModules("numpy");
        Path plain = dir.resolve("plain.npz"), packed = dir.resolve("packed.npz");
        String make = String.join("\n",
                "import sys, numpy as np",
                "a = (np.arange(60, dtype=np.float32) * np.float32(0.25) - np.float32(1)).reshape(3, 4, 5)",
                "i = np.array([[1, -2], [3, 2147483647]], dtype=np.int32)",
                "np.savez(sys.argv[1], a=a, i=i, v=np.float32([7.5]))",
                "np.savez_compressed(sys.argv[2], a=a, i=i, v=np.float32([7.5]))");
        SystemPython.Result r = SystemPython.run(120, "-c", make, plain.toString(), packed.toString());
        assertEquals(0, r.exitCode(), r.output());
        for (Path p : new Path[] {plain, packed}) {
            Npz.Contents c = Npz.read(p);
            Tensor a = c.tensor("a");
            assertArrayEquals(new int[] {3, 4, 5}, a.shape());
            for (int k = 0; k < 60; k++) assertEquals(k * 0.25f - 1f, a.data()[k], 0f);
            assertArrayEquals(new int[] {1, -2, 3, Integer.MAX_VALUE}, c.ints("i"));
            assertArrayEquals(new int[] {2, 2}, c.get("i").shape());
            assertArrayEquals(new float[] {7.5f}, c.tensor("v").data());
        }
    }
}
