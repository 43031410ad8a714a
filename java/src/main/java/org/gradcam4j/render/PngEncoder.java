package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A PNG encoder for the 8-bit RGB images this project writes (overlays, heat maps, panels, gradient images):
 * colour type 2, no interlace, the Paeth filter on every row, zlib at level {@value #LEVEL} with the filtered
 * strategy, CRCs by {@link CRC32} (an intrinsic). It exists for speed: at photo sizes the JDK's ImageIO writer
 * (adaptive filters, level 4, a table CRC in Java) was the largest cost of an explain run after the network
 * (BENCHMARKS.md, "End to end"). Any PNG decoder reads its files; the pixels are exactly the image's.
 */
public final class PngEncoder {
    /** zlib level: 1 as OpenCV writes PNGs by default; files come out about the size of ImageIO's level 4. */
    static final int LEVEL = 1;
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngEncoder() {}

    /** Writes {@code image} (any type; read as 8-bit sRGB, alpha dropped) as an RGB PNG. */
    public static void write(BufferedImage image, OutputStream out) throws IOException {
        int w = image.getWidth(), h = image.getHeight();
        out.write(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8;   // bit depth
        ihdr[9] = 2;   // colour type: RGB
        chunk(out, "IHDR", ihdr, ihdr.length);

        int[] all = HeatmapImages.plainIntRgb(image);
        int[] row = all != null ? null : new int[w];
        int stride = 3 * w;
        byte[] prev = new byte[stride], cur = new byte[stride], line = new byte[stride + 1];
        Deflater z = new Deflater(LEVEL);
        z.setStrategy(Deflater.FILTERED);
        byte[] buf = new byte[1 << 16];
        java.io.ByteArrayOutputStream idat = new java.io.ByteArrayOutputStream();
        try {
            for (int y = 0; y < h; y++) {
                int[] px = all;
                int from = y * w;
                if (px == null) {
                    image.getRGB(0, y, w, 1, row, 0, w);
                    px = row;
                    from = 0;
                }
                for (int x = 0, i = 0; x < w; x++, i += 3) {
                    int p = px[from + x];
                    cur[i] = (byte) (p >> 16);
                    cur[i + 1] = (byte) (p >> 8);
                    cur[i + 2] = (byte) p;
                }
                line[0] = 4;   // Paeth
                for (int i = 0; i < stride; i++) {
                    int a = i >= 3 ? cur[i - 3] & 0xFF : 0, b = prev[i] & 0xFF, c = i >= 3 ? prev[i - 3] & 0xFF : 0;
                    line[i + 1] = (byte) (cur[i] - paeth(a, b, c));
                }
                z.setInput(line);
                while (!z.needsInput()) idat.write(buf, 0, z.deflate(buf));
                byte[] t = prev;
                prev = cur;
                cur = t;
            }
            z.finish();
            while (!z.finished()) idat.write(buf, 0, z.deflate(buf));
        } finally {
            z.end();
        }
        chunk(out, "IDAT", idat.toByteArray(), idat.size());
        chunk(out, "IEND", new byte[0], 0);
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void chunk(OutputStream out, String type, byte[] data, int length) throws IOException {
        byte[] head = new byte[8];
        putInt(head, 0, length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, head, 4, 4);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, 0, length);
        out.write(head);
        out.write(data, 0, length);
        byte[] tail = new byte[4];
        putInt(tail, 0, (int) crc.getValue());
        out.write(tail);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
