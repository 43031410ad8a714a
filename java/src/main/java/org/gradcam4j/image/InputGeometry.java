package org.gradcam4j.image;

import org.gradcam4j.tensor.Tensor;

import java.util.Locale;

/**
 * How one original image became the network's {@code S x S} input, kept so that results can be given
 * back in the original image's coordinates (docs/ALGORITHMS.md section 1).
 *
 * <p>The forward mapping takes the crop box {@code [cropX, cropX + cropWidth) x [cropY, cropY + cropHeight)}
 * of the original and stretches it onto {@code [0, S) x [0, S)}: in continuous pixel coordinates (see
 * {@link Box}), {@code u = (x - cropX) * S / cropWidth}. {@code crop} takes the centred square (the
 * extra is split floor/ceil, top/left gets the floor), {@code squash} and {@code none} take the whole image.
 *
 * <p>The inverse mapping of maps resamples with the same half-pixel bilinear rule as the forward
 * resize ({@link Bilinear}): original pixel {@code x} inside the crop reads the {@code S x S} map at
 * {@code (x - cropX + 0.5) * S / cropWidth - 0.5}, which is exactly resizing the map to
 * {@code cropHeight x cropWidth} and pasting it at the crop's place; pixels outside the crop get 0.
 */
public final class InputGeometry {
    private final int width, height;
    private final int cropX, cropY, cropWidth, cropHeight;
    private final int size;
    private final ResizeMode mode;

    private InputGeometry(int width, int height, int cropX, int cropY, int cropWidth, int cropHeight, int size, ResizeMode mode) {
        this.width = width;
        this.height = height;
        this.cropX = cropX;
        this.cropY = cropY;
        this.cropWidth = cropWidth;
        this.cropHeight = cropHeight;
        this.size = size;
        this.mode = mode;
    }

    /**
     * The geometry for an original image of {@code width x height} and a network input of {@code size x size}.
     *
     * @throws IllegalArgumentException for non-positive sizes, or mode {@code none} with an image that is not {@code size x size}
     */
    public static InputGeometry of(int width, int height, int size, ResizeMode mode) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size must be positive: " + width + " x " + height);
        if (size < 1) throw new IllegalArgumentException("network input size must be positive: " + size);
        return switch (mode) {
            case CROP -> {
                int side = Math.min(width, height);
                // extra split floor/ceil: top/left margin gets the floor
                yield new InputGeometry(width, height, (width - side) / 2, (height - side) / 2, side, side, size, mode);
            }
            case SQUASH -> new InputGeometry(width, height, 0, 0, width, height, size, mode);
            case NONE -> {
                if (width != size || height != size) {
                    throw new IllegalArgumentException(String.format(Locale.ROOT,
                            "image is %d x %d but resize mode 'none' needs exactly %d x %d (use 'crop' or 'squash' to resize)",
                            width, height, size, size));
                }
                yield new InputGeometry(width, height, 0, 0, width, height, size, mode);
            }
        };
    }

    public int originalWidth() { return width; }
    public int originalHeight() { return height; }
    /** The network input side {@code S}. */
    public int networkSize() { return size; }
    public ResizeMode mode() { return mode; }
    public int cropX() { return cropX; }
    public int cropY() { return cropY; }
    public int cropWidth() { return cropWidth; }
    public int cropHeight() { return cropHeight; }

    /** The crop box in original coordinates. */
    public Box cropBox() { return new Box(cropX, cropY, cropX + cropWidth, cropY + cropHeight); }

    // ---- points and boxes (continuous coordinates, see Box) ----

    /** Original x to network x. */
    public double toNetworkX(double x) { return (x - cropX) * size / cropWidth; }
    /** Original y to network y. */
    public double toNetworkY(double y) { return (y - cropY) * size / cropHeight; }
    /** Network x to original x. */
    public double toOriginalX(double u) { return cropX + u * cropWidth / size; }
    /** Network y to original y. */
    public double toOriginalY(double v) { return cropY + v * cropHeight / size; }

    /** A box in network coordinates mapped to original coordinates. */
    public Box boxToOriginal(Box b) {
        return new Box(toOriginalX(b.x0()), toOriginalY(b.y0()), toOriginalX(b.x1()), toOriginalY(b.y1()));
    }

    /** A box in original coordinates mapped to network coordinates; not clamped (parts outside the crop fall outside {@code [0, S)}). */
    public Box boxToNetwork(Box b) {
        return new Box(toNetworkX(b.x0()), toNetworkY(b.y0()), toNetworkX(b.x1()), toNetworkY(b.y1()));
    }

    // ---- maps ----

    /**
     * Bilinear (half-pixel) upsampling of maps to the network input size.
     *
     * @param maps (... x h x w), e.g. a 14 x 14 layer map
     * @return     (... x S x S); the same tensor when already {@code S x S}
     */
    public Tensor upsampleToNetwork(Tensor maps) {
        int r = maps.rank();
        if (r < 2) throw new IllegalArgumentException("a map needs at least 2 dimensions, got " + maps);
        if (maps.dim(r - 2) == size && maps.dim(r - 1) == size) return maps;
        return Bilinear.resize(maps, size, size);
    }

    /**
     * Maps give back in the original image's pixel grid. A map that is not {@code S x S} (a 14 x 14
     * layer map, say) is first upsampled to {@code S x S} and then mapped back: two bilinear steps, as
     * docs/ALGORITHMS.md prescribes ("upsampled to the network input size, then mapped back"), so a map
     * delivered at network size and one delivered in original coordinates agree exactly.
     *
     * @param maps (... x h x w)
     * @return     (... x H x W) with H, W the original height and width; 0 outside the crop
     */
    public Tensor mapToOriginal(Tensor maps) {
        Tensor net = upsampleToNetwork(maps);
        int r = net.rank();
        int planes = net.size() / (size * size);
        float[] src = net.data();
        float[] out = new float[Math.multiplyExact(planes, Math.multiplyExact(width, height))];
        Bilinear.Axis ay = new Bilinear.Axis(size, cropHeight), ax = new Bilinear.Axis(size, cropWidth);
        for (int p = 0; p < planes; p++) {
            int in0 = p * size * size, o0 = p * width * height;
            for (int y = 0; y < cropHeight; y++) {
                int r0 = in0 + ay.i0[y] * size, r1 = in0 + ay.i1[y] * size;
                double wy = ay.w1[y];
                int orow = o0 + (cropY + y) * width + cropX;
                for (int x = 0; x < cropWidth; x++) {
                    int c0 = ax.i0[x], c1 = ax.i1[x];
                    double wx = ax.w1[x];
                    double top = (1 - wx) * src[r0 + c0] + wx * src[r0 + c1];
                    double bottom = (1 - wx) * src[r1 + c0] + wx * src[r1 + c1];
                    out[orow + x] = (float) ((1 - wy) * top + wy * bottom);
                }
            }
        }
        int[] shape = net.shape();
        shape[r - 2] = height;
        shape[r - 1] = width;
        return new Tensor(out, shape);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d x %d -%s-> crop [%d, %d) x [%d, %d) -> %d x %d",
                width, height, mode, cropX, cropX + cropWidth, cropY, cropY + cropHeight, size, size);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputGeometry g && g.width == width && g.height == height && g.cropX == cropX && g.cropY == cropY
                && g.cropWidth == cropWidth && g.cropHeight == cropHeight && g.size == size && g.mode == mode;
    }

    @Override
    public int hashCode() {
        return ((((width * 31 + height) * 31 + cropX) * 31 + cropY) * 31 + size) * 31 + mode.hashCode();
    }
}
