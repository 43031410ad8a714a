package org.gradcam4j.model;

import java.util.stream.IntStream;
import org.gradcam4j.tensor.Tensor;

/**
 * A parameter already rearranged for a backend (a convolution kernel in the Winograd domain, say), as a model file
 * may store it so that loading skips the transform. It records the {@link #fingerprint} of the canonical parameter
 * it was computed from: a backend uses it only while that parameter still has that fingerprint, so a stale layout
 * (a file whose parameters were rewritten by a tool that left the layout behind, or weights changed after loading)
 * is recomputed rather than used.
 *
 * @param data              the backend's layout
 * @param sourceFingerprint {@link #fingerprint} of the canonical parameter it was computed from
 */
public record PreparedLayout(Tensor data, long sourceFingerprint) {
    /**
     * A 64-bit hash of a tensor's shape and exact float bits (FNV-1a over 32-bit words, in parallel slices that are
     * then combined in order): equal tensors agree; a changed value changes it with overwhelming probability.
     */
    public static long fingerprint(Tensor t) {
        final int slice = 1 << 20, n = t.size();
        int slices = (n + slice - 1) / slice;
        long[] part = new long[slices];
        IntStream.range(0, slices).parallel().forEach(s -> {
            // read through a small array, so that a view's values are not copied to the heap
            float[] d = new float[Math.min(slice, 1 << 14)];
            long h = 0xcbf29ce484222325L;
            for (int i = s * slice, end = Math.min(n, i + slice); i < end; i += d.length) {
                int len = Math.min(d.length, end - i);
                t.read(i, d, 0, len);
                for (int j = 0; j < len; j++) h = (h ^ Float.floatToRawIntBits(d[j])) * 0x100000001b3L;
            }
            part[s] = h;
        });
        long h = 0xcbf29ce484222325L;
        for (int dim : t.shape()) h = (h ^ dim) * 0x100000001b3L;
        for (long p : part) h = (h ^ p) * 0x100000001b3L;
        return h;
    }
}
