package org.gradcam4j.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * Turns whatever a decoder produced into the one pixel format the rest of gradcam4j reads:
 * 8-bit RGB in a {@code TYPE_INT_RGB} image, and applies EXIF orientations.
 *
 * <p>The conversion follows PIL's {@code Image.convert("RGB")}, which is what the published VGG
 * pipelines (Keras {@code load_img}, torchvision loaders) feed their networks:
 * <ul>
 *   <li>gray is replicated to R = G = B, with the stored value taken as is (Java2D would treat
 *       {@code CS_GRAY} as linear and gamma-encode it; PIL does not, and neither do we);</li>
 *   <li>alpha is dropped and the stored colour kept, not composited over a background: a fully
 *       transparent pixel keeps whatever colour the file stores for it (premultiplied rasters are
 *       un-premultiplied first);</li>
 *   <li>palette images take the palette's colour, transparency ignored;</li>
 *   <li>samples of other depths are scaled to 8 bits with rounding: {@code v8 = round(v * 255 / (2^bits - 1))},
 *       so 16-bit 65535 becomes 255 and 32767 becomes 127 (PIL would clip 16-bit values instead);
 *       float samples are taken as 0..1;</li>
 *   <li>RGB and gray rasters are taken as stored, whatever ICC colour space they are tagged with
 *       (as PIL does). Other colour spaces (CMYK, Lab, ...) are converted to sRGB with Java2D's colour
 *       management. Note that the TwelveMonkeys JPEG reader itself converts JPEGs that embed an ICC
 *       profile (RGB, CMYK, YCCK) to sRGB before we see them, which PIL does not: such JPEGs
 *       (Adobe RGB or Display P3 photos, say) come out colour-managed and may differ from a PIL
 *       pipeline by a few levels. PNG and TIFF profiles are not applied.</li>
 * </ul>
 */
public final class RgbImages {
    private RgbImages() {}

    /** The image as 8-bit sRGB; returns {@code image} itself when it already is {@code TYPE_INT_RGB}. */
    public static BufferedImage toRgb8(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
        ColorModel cm = image.getColorModel();
        if (cm.hasAlpha() && cm.isAlphaPremultiplied()) image = unpremultiplied(image);
        cm = image.getColorModel();
        int w = image.getWidth(), h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        Raster raster = image.getRaster();
        int csType = cm.getColorSpace().getType();
        if (cm instanceof IndexColorModel icm) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int i = row[x];
                    dst[y * w + x] = (icm.getRed(i) << 16) | (icm.getGreen(i) << 8) | icm.getBlue(i);
                }
            }
        } else if (csType == ColorSpace.TYPE_RGB || csType == ColorSpace.TYPE_GRAY) {
            copyStored(raster, csType == ColorSpace.TYPE_GRAY, dst, w, h);
        } else {
            // CMYK, Lab, ...: let Java2D's colour management do it (alpha, if any, is dropped).
            new ColorConvertOp(null).filter(image, out);
        }
        return out;
    }

    /** Copies stored RGB (or gray) samples, rescaled to 8 bits, ignoring alpha and any ICC profile. */
    private static void copyStored(Raster raster, boolean gray, int[] dst, int w, int h) {
        int bands = raster.getNumBands();
        int colours = gray ? 1 : 3;
        if (bands < colours) throw new IllegalArgumentException("image has " + bands + " bands, expected at least " + colours);
        int type = raster.getDataBuffer().getDataType();
        if (type == DataBuffer.TYPE_FLOAT || type == DataBuffer.TYPE_DOUBLE) {
            float[] row = new float[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int r = unitTo8(row[x * bands]);
                    int g = gray ? r : unitTo8(row[x * bands + 1]);
                    int b = gray ? r : unitTo8(row[x * bands + 2]);
                    dst[y * w + x] = (r << 16) | (g << 8) | b;
                }
            }
            return;
        }
        if (copyInterleavedBytes(raster, gray, dst, w, h)) return;
        int[] bits = raster.getSampleModel().getSampleSize();
        long[] max = new long[colours];
        for (int c = 0; c < colours; c++) max[c] = (1L << Math.min(bits[c], 32)) - 1;
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int r = to8(row[x * bands], bits[0], max[0]);
                int g = gray ? r : to8(row[x * bands + 1], bits[1], max[1]);
                int b = gray ? r : to8(row[x * bands + 2], bits[2], max[2]);
                dst[y * w + x] = (r << 16) | (g << 8) | b;
            }
        }
    }

    /**
     * Fast path for the layouts decoders produce most (TYPE_3BYTE_BGR, TYPE_BYTE_GRAY, 4-byte ABGR):
     * 8-bit samples interleaved in one byte array, read directly instead of through getPixels.
     */
    private static boolean copyInterleavedBytes(Raster raster, boolean gray, int[] dst, int w, int h) {
        if (!(raster.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel sm)) return false;
        for (int bits : sm.getSampleSize()) if (bits != 8) return false;
        byte[] data = db.getData();
        int ps = sm.getPixelStride(), scan = sm.getScanlineStride();
        int[] off = sm.getBandOffsets();
        int base = db.getOffset() - raster.getSampleModelTranslateY() * scan - raster.getSampleModelTranslateX() * ps;
        int or = off[0], og = gray ? off[0] : off[1], ob = gray ? off[0] : off[2];
        for (int y = 0; y < h; y++) {
            int i = base + y * scan, o = y * w;
            for (int x = 0; x < w; x++, i += ps) {
                dst[o + x] = ((data[i + or] & 0xff) << 16) | ((data[i + og] & 0xff) << 8) | (data[i + ob] & 0xff);
            }
        }
        return true;
    }

    /** round(v * 255 / max) in integers; 8-bit samples pass through. */
    private static int to8(int sample, int bits, long max) {
        if (bits == 8) return sample & 0xff;
        long v = bits >= 32 ? (sample & 0xffffffffL) : Math.max(0, sample);
        return (int) ((v * 510 + max) / (2 * max));
    }

    private static int unitTo8(float v) {
        if (!(v > 0)) return 0; // NaN too
        if (v >= 1) return 255;
        return Math.round(v * 255f);
    }

    private static BufferedImage unpremultiplied(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        WritableRaster copy = image.copyData(null);
        BufferedImage out = new BufferedImage(cm, copy, true, null);
        out.coerceData(false);
        return out;
    }

    /**
     * Applies an EXIF orientation (1..8) so the image is upright, as PIL's {@code ImageOps.exif_transpose}
     * does: 2 mirror left-right, 3 rotate 180, 4 mirror top-bottom, 5 transpose, 6 rotate 90 clockwise,
     * 7 transverse, 8 rotate 90 counter-clockwise. 1 and unknown values return the image unchanged.
     *
     * @param image a {@code TYPE_INT_RGB} image (see {@link #toRgb8})
     */
    public static BufferedImage applyExifOrientation(BufferedImage image, int orientation) {
        if (orientation < 2 || orientation > 8) return image;
        image = toRgb8(image);
        int w = image.getWidth(), h = image.getHeight();
        int[] src = image.getRGB(0, 0, w, h, null, 0, w);
        boolean swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // (sx, sy): the stored pixel shown at display position (x, y)
                int sx, sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                dst[y * ow + x] = src[sy * w + sx] & 0xffffff;
            }
        }
        return out;
    }
}
