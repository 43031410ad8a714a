package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;

/**
 * One layer's output (or the gradient at it) for a batch, in the CPU backend's internal layout.
 * Spatial tensors are "padded CNHW": {@code (channels, batch, (size+2) x (size+2))} with a one-pixel zero
 * border around every image, so a 3x3 convolution becomes nine shifted GEMMs over one contiguous
 * column range with no im2col copy. Flat (fc) tensors are {@code (batch, channels)}.
 */
final class Act {
    final FloatBuffer buf;
    final int channels;
    final int batch;
    final int size;      // spatial side; 1 for flat tensors
    final boolean spatial;

    Act(FloatBuffer buf, int channels, int batch, int size, boolean spatial) {
        this.buf = buf;
        this.channels = channels;
        this.batch = batch;
        this.size = size;
        this.spatial = spatial;
    }

    static long floats(int channels, int batch, int size, boolean spatial) {
        return spatial ? (long) channels * batch * (size + 2L) * (size + 2L) : (long) channels * batch;
    }

    int w2() { return size + 2; }
    int plane() { return (size + 2) * (size + 2); }
    /** Distance between consecutive channels (spatial) in floats. */
    int span() { return batch * plane(); }

    /** Offset of value (c, b, y, x) of a spatial tensor, y and x in unpadded coordinates. */
    int at(int c, int b, int y, int x) { return c * span() + b * plane() + (y + 1) * w2() + (x + 1); }
}
