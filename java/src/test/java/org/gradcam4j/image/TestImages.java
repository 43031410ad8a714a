package org.gradcam4j.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds test images and hand-made file bytes (PNG chunks, JPEG segments) for the image tests. */
final class TestImages {
    private TestImages() {}

    /** A deterministic, non-symmetric colour pattern. */
    static BufferedImage pattern(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 37 + y * 11) & 0xff, g = (x * 5 + y * 53 + 7) & 0xff, b = (x * y * 3 + 100) & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** Encodes with the first ImageIO writer for {@code format}. */
    static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format + " and " + img);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One PNG chunk: length, type, data, CRC-32 over type and data. */
    static byte[] pngChunk(String type, byte[] data) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(b);
            byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
            d.writeInt(data.length);
            d.write(t);
            d.write(data);
            CRC32 crc = new CRC32();
            crc.update(t);
            crc.update(data);
            d.writeInt((int) crc.getValue());
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG whose IHDR says {@code w x h}, 8-bit RGB, followed by the given IDAT payload. */
    static byte[] pngWithHeader(int w, int h, byte[] idat) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(w);
            d.writeInt(h);
            d.write(new byte[] {8, 2, 0, 0, 0}); // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace
            png.write(pngChunk("IHDR", ihdr.toByteArray()));
            png.write(pngChunk("IDAT", idat));
            png.write(pngChunk("IEND", new byte[0]));
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Inserts a JPEG marker segment (marker, 2-byte length, payload) right after SOI. */
    static byte[] insertAfterSoi(byte[] jpeg, int marker, byte[] payload) {
        if ((jpeg[0] & 0xff) != 0xff || (jpeg[1] & 0xff) != 0xd8) throw new IllegalArgumentException("not a JPEG");
        int len = payload.length + 2;
        byte[] out = new byte[jpeg.length + 2 + len];
        out[0] = (byte) 0xff;
        out[1] = (byte) 0xd8;
        out[2] = (byte) 0xff;
        out[3] = (byte) marker;
        out[4] = (byte) (len >> 8);
        out[5] = (byte) len;
        System.arraycopy(payload, 0, out, 6, payload.length);
        System.arraycopy(jpeg, 2, out, 6 + payload.length, jpeg.length - 2);
        return out;
    }

    /**
     * An APP1 Exif payload holding a one-entry IFD0 with the Orientation tag (0x0112, SHORT).
     * Layout: "Exif\0\0", TIFF header (byte order, 42, IFD0 offset 8), entry count, the entry
     * (tag, type 3, count 1, value left-justified in the 4-byte field), next-IFD offset 0.
     */
    static byte[] exifOrientationPayload(int orientation, boolean bigEndian) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        b.writeBytes(bigEndian ? new byte[] {'M', 'M'} : new byte[] {'I', 'I'});
        writeShort(b, 42, bigEndian);
        writeInt(b, 8, bigEndian);
        writeShort(b, 1, bigEndian);            // one entry
        writeShort(b, 0x0112, bigEndian);       // Orientation
        writeShort(b, 3, bigEndian);            // SHORT
        writeInt(b, 1, bigEndian);              // count
        writeShort(b, orientation, bigEndian);  // value ...
        writeShort(b, 0, bigEndian);            // ... padded to 4 bytes
        writeInt(b, 0, bigEndian);              // no IFD1
        return b.toByteArray();
    }

    private static void writeShort(ByteArrayOutputStream b, int v, boolean be) {
        if (be) { b.write(v >> 8); b.write(v); } else { b.write(v); b.write(v >> 8); }
    }

    private static void writeInt(ByteArrayOutputStream b, int v, boolean be) {
        if (be) { writeShort(b, v >>> 16, true); writeShort(b, v & 0xffff, true); } else { writeShort(b, v & 0xffff, false); writeShort(b, v >>> 16, false); }
    }

    /**
     * A 4-component JPEG with an Adobe APP14 segment: {@code transform} 0 means the components are
     * CMYK, 2 means YCCK. The components are written as given ({@code samples[y][x][0..3]}); the JDK
     * encoder applies no colour transform to rasters.
     */
    static byte[] fourComponentJpeg(int[][][] samples, int transform) {
        int h = samples.length, w = samples[0].length;
        WritableRaster ras = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) ras.setPixel(x, y, samples[y][x]);
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
                writer.setOutput(ios);
                writer.write(null, new IIOImage(ras, null, null), null);
            } finally {
                writer.dispose();
            }
            // "Adobe", DCTEncodeVersion 100, flags0, flags1, transform
            byte[] app14 = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
            return insertAfterSoi(out.toByteArray(), 0xee, app14);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] rgb(int packed) { return new int[] {(packed >> 16) & 0xff, (packed >> 8) & 0xff, packed & 0xff}; }
}
