package org.gradcam4j.image;

import org.gradcam4j.image.ImageException.Problem;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.SinglePixelPackedSampleModel;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns images into network inputs: geometry ({@link ResizeMode}, bilinear with half-pixel centres,
 * values not rounded after resizing), then the model's {@link Preprocessing} in its channel order.
 * Immutable and thread-safe.
 */
public final class Preprocessor {
    /** VGG's input side. */
    public static final int DEFAULT_SIZE = 224;

    /** One network input with the geometry that maps results back to the original image. */
    public record Prepared(Tensor input /* 3 x S x S, model channel order */, InputGeometry geometry, String source) {}

    /** A batch of inputs; {@code geometries.get(n)} belongs to {@code input[n]}. */
    public record Batch(Tensor input /* N x 3 x S x S */, List<InputGeometry> geometries, List<String> sources) {}

    /** What {@link #prepareInto} wrote: image {@code n}'s geometry and source. */
    public record Placed(List<InputGeometry> geometries, List<String> sources) {}

    private final Preprocessing preprocessing;
    private final int size;
    private final ResizeMode mode;

    /** {@code 224 x 224}, centre crop. */
    public Preprocessor(Preprocessing preprocessing) { this(preprocessing, DEFAULT_SIZE, ResizeMode.CROP); }

    public Preprocessor(Preprocessing preprocessing, int size, ResizeMode mode) {
        if (size < 1) throw new IllegalArgumentException("network input size must be positive: " + size);
        this.preprocessing = preprocessing;
        this.size = size;
        this.mode = mode;
    }

    public Preprocessing preprocessing() { return preprocessing; }
    public int size() { return size; }
    public ResizeMode mode() { return mode; }

    /**
     * The geometry for an image of this size.
     *
     * @throws ImageException (WRONG_SIZE) in mode {@code none} when the image is not {@code S x S}
     */
    public InputGeometry geometry(int width, int height, String source) {
        try {
            return InputGeometry.of(width, height, size, mode);
        } catch (IllegalArgumentException e) {
            throw new ImageException(source, Problem.WRONG_SIZE, e.getMessage());
        }
    }

    public Prepared prepare(LoadedImage image) { return prepare(image.image(), image.source()); }

    /** @param source names the image in error messages */
    public Prepared prepare(BufferedImage image, String source) {
        InputGeometry g = geometry(image.getWidth(), image.getHeight(), source);
        float[] out = new float[3 * size * size];
        fill(resizedRgb(image, g), FloatBuffer.wrap(out), 0);
        return new Prepared(new Tensor(out, 3, size, size), g, source);
    }

    /** Prepares several images into one {@code N x 3 x S x S} tensor. */
    public Batch prepareBatch(List<LoadedImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("empty batch");
        float[] out = new float[Math.multiplyExact(3 * size * size, images.size())];
        Placed p = prepareInto(images, FloatBuffer.wrap(out));
        return new Batch(new Tensor(out, images.size(), 3, size, size), p.geometries(), p.sources());
    }

    /**
     * {@link #prepareBatch} written into {@code out} instead of a new array (the same values, at absolute indices
     * {@code 0 .. N*3*S*S - 1}, {@code out}'s capacity): for a backend's own input memory
     * ({@code org.gradcam4j.backend.StagedInput}), so that each value is written once, where the device reads it.
     */
    public Placed prepareInto(List<LoadedImage> images, FloatBuffer out) {
        if (images.isEmpty()) throw new IllegalArgumentException("empty batch");
        int per = 3 * size * size;
        long need = (long) per * images.size();
        if (out.capacity() != need) {
            throw new IllegalArgumentException("the input buffer holds " + out.capacity() + " values; " + images.size() + " images of 3 x "
                    + size + " x " + size + " need " + need);
        }
        List<InputGeometry> geometries = new ArrayList<>(images.size());
        List<String> sources = new ArrayList<>(images.size());
        for (int n = 0; n < images.size(); n++) {
            LoadedImage li = images.get(n);
            InputGeometry g = geometry(li.width(), li.height(), li.source());
            fill(resizedRgb(li.image(), g), out, n * per);
            geometries.add(g);
            sources.add(li.source());
        }
        return new Placed(List.copyOf(geometries), List.copyOf(sources));
    }

    /**
     * The crop-and-resized image before normalisation: (3 x S x S) R, G, B planes in 0..255, not rounded.
     * Any {@code BufferedImage} is accepted; it is first converted as {@link RgbImages#toRgb8} describes.
     */
    public float[] resizedRgb(BufferedImage image, InputGeometry g) {
        if (image.getWidth() != g.originalWidth() || image.getHeight() != g.originalHeight()) {
            throw new IllegalArgumentException("image is " + image.getWidth() + " x " + image.getHeight() + " but geometry is for " + g);
        }
        BufferedImage rgb = RgbImages.toRgb8(image);
        int w = rgb.getWidth();
        int[] pixels = packedPixels(rgb);
        return Bilinear.resizeRgb(pixels, w, g.cropX(), g.cropY(), g.cropWidth(), g.cropHeight(), size, size);
    }

    /**
     * The network's view of the image, rounded to 8 bits, for display (overlays at network resolution).
     * Not for feeding the network: {@link #prepare} keeps the unrounded values.
     */
    public BufferedImage networkView(BufferedImage image, String source) {
        InputGeometry g = geometry(image.getWidth(), image.getHeight(), source);
        float[] planes = resizedRgb(image, g);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        int plane = size * size;
        for (int i = 0; i < plane; i++) {
            int r = Math.round(planes[i]), gr = Math.round(planes[plane + i]), b = Math.round(planes[2 * plane + i]);
            dst[i] = (r << 16) | (gr << 8) | b;
        }
        return out;
    }

    /** Writes normalised values, in the model's channel order, at absolute indices {@code offset ..} of {@code out}. */
    private void fill(float[] rgbPlanes, FloatBuffer out, int offset) {
        int plane = size * size;
        ChannelOrder order = preprocessing.channelOrder();
        for (int rgb = 0; rgb < 3; rgb++) {
            int c = order.rgbIndex(rgb);
            int src = rgb * plane, dst = offset + c * plane;
            for (int i = 0; i < plane; i++) out.put(dst + i, preprocessing.apply(rgbPlanes[src + i], c));
        }
    }

    /** The image's packed 0xRRGGBB pixels with row stride = width, shared when the raster allows it. */
    private static int[] packedPixels(BufferedImage rgb) {
        int w = rgb.getWidth(), h = rgb.getHeight();
        if (rgb.getRaster().getDataBuffer() instanceof DataBufferInt db
                && rgb.getRaster().getSampleModel() instanceof SinglePixelPackedSampleModel sm
                && sm.getScanlineStride() == w && db.getOffset() == 0 && db.getNumBanks() == 1
                && rgb.getRaster().getSampleModelTranslateX() == 0 && rgb.getRaster().getSampleModelTranslateY() == 0
                && db.getData().length >= w * h) {
            return db.getData();
        }
        return rgb.getRGB(0, 0, w, h, null, 0, w);
    }
}
