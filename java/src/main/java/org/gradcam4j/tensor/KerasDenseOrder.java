package org.gradcam4j.tensor;

import java.nio.FloatBuffer;

/**
 * The order a Keras file stores a dense kernel in, for a tensor that shows it in the canonical order: stored
 * {@code (in, out)} with the inputs of a {@code size x size x channels} map flattened in {@code (h, w, c)} order;
 * shown {@code (out, in)} with the inputs in {@code (c, h, w)} order. With {@code size == 1} it is a plain
 * transpose. A {@linkplain Tensor#view(FloatBuffer, KerasDenseOrder) view} in this order lets a Keras file's kernel
 * stay where it lies (mapped): a backend that can read the stored order asks {@link Tensor#stored()} (the CPU
 * backend: OpenBLAS takes either transpose, docs/SPEED.md "Model loading"); anything else reads canonical values.
 */
public record KerasDenseOrder(int channels, int size, int out) {
    public KerasDenseOrder {
        if (channels <= 0 || size <= 0 || out <= 0) {
            throw new IllegalArgumentException("dense kernel order needs positive sizes, got channels " + channels
                    + ", size " + size + ", out " + out);
        }
        Math.multiplyExact(Math.multiplyExact(channels, size * size), out);
    }

    /** The kernel's fan-in, {@code channels * size * size}. */
    public int in() { return channels * size * size; }

    /** The canonical {@code (out, in)} shape the values are shown in. */
    public int[] shape() { return new int[] {out, in()}; }

    /** Where canonical value {@code (o, c, h, w)} (flat index {@code canonical}) lies in the stored order. */
    public int storedIndex(int canonical) {
        int in = in(), area = size * size;
        int o = canonical / in, i = canonical % in;
        return ((i % area) * channels + i / area) * out + o;
    }

    /** The canonical flat index of the value stored at {@code stored}. */
    public int canonicalIndex(int stored) {
        int area = size * size;
        int o = stored % out, r = stored / out;
        return o * in() + (r % channels) * area + r / channels;
    }

    /**
     * Writes the values of {@code stored} (this order, from its position) into {@code canonical} (from its position) in
     * the canonical order. Bands of 64 outputs run in parallel; each gathers a block of about 256 canonical columns
     * (whole channels) from the source rows 64 values at a time into a tile that stays in cache, transposes it there,
     * and writes 64 runs of contiguous columns (scattering straight into a 400 MB result missed the cache on nearly
     * every write).
     */
    public void toCanonical(FloatBuffer stored, FloatBuffer canonical) {
        int in = in();
        if (stored.remaining() != (long) in * out || canonical.remaining() != (long) in * out) {
            throw new IllegalArgumentException("dense kernel of " + (long) in * out + " values, got " + stored.remaining()
                    + " stored and room for " + canonical.remaining());
        }
        FloatBuffer src = stored.slice(), res = canonical.slice();
        final int tile = 64;
        int area = size * size, bands = (out + tile - 1) / tile, perBlock = Math.max(1, 256 / area);
        int workers = Math.max(1, Math.min(bands, Runtime.getRuntime().availableProcessors()));
        java.util.stream.IntStream.range(0, workers).parallel().forEach(worker -> {
            float[] gathered = new float[perBlock * area * tile], transposed = new float[perBlock * area * tile];
            for (int band = worker; band < bands; band += workers) {
                int o0 = band * tile;
                int width = Math.min(out, o0 + tile) - o0;
                for (int c0 = 0; c0 < channels; c0 += perBlock) {
                    int cols = Math.min(perBlock, channels - c0) * area;
                    for (int k = 0; k < cols; k++) {   // canonical column c0 * area + k: channel c, position hw
                        int c = c0 + k / area, hw = k % area;
                        src.get((hw * channels + c) * out + o0, gathered, k * width, width);
                    }
                    for (int j = 0; j < width; j++) {
                        for (int k = 0; k < cols; k++) transposed[j * cols + k] = gathered[k * width + j];
                    }
                    for (int j = 0; j < width; j++) res.put((o0 + j) * in + c0 * area, transposed, j * cols, cols);
                }
            }
        });
    }
}
