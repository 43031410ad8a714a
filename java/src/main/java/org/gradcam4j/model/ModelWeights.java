package org.gradcam4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gradcam4j.tensor.Tensor;

/**
 * Parameters in the canonical layout, keyed {@code <layer>/kernel} and {@code <layer>/bias}:
 * conv kernels (cout, cin, 3, 3), fc kernels (out, in) with inputs in (c, h, w) order. Loaders
 * convert to this layout once; backends rearrange further as they like.
 */
public final class ModelWeights {
    private final Map<String, Tensor> params;
    private final Map<String, PreparedLayout> prepared;

    public ModelWeights(Map<String, Tensor> params) {
        this(params, Map.of());
    }

    /**
     * @param prepared backend-ready layouts read from a model file, keyed {@code <layer>/<layout>} (see
     *                 {@link PreparedLayout}); a backend checks each against its parameter before using it
     */
    public ModelWeights(Map<String, Tensor> params, Map<String, PreparedLayout> prepared) {
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.prepared = Collections.unmodifiableMap(new LinkedHashMap<>(prepared));
    }

    /** The backend-ready layout stored under {@code key} ({@code <layer>/<layout>}), or null. */
    public PreparedLayout prepared(String key) { return prepared.get(key); }

    public static String kernelKey(String layer) { return layer + "/kernel"; }
    public static String biasKey(String layer) { return layer + "/bias"; }

    public Tensor kernel(String layer) { return require(kernelKey(layer)); }
    public Tensor bias(String layer) { return require(biasKey(layer)); }
    public boolean has(String key) { return params.containsKey(key); }
    public Map<String, Tensor> all() { return params; }

    private Tensor require(String key) {
        Tensor t = params.get(key);
        if (t == null) throw new IllegalStateException("weights have no parameter '" + key + "'");
        return t;
    }

    /**
     * Checks that every weighted layer of {@code arch} is present with the right shape and finite values.
     * @param origin the file or source named in errors
     */
    public void validate(Architecture arch, String origin) {
        List<String> keys = new ArrayList<>();
        for (LayerSpec l : arch.layers()) {
            if (!l.hasWeights()) continue;
            checkShape(origin, l.name(), kernelKey(l.name()), l.kernelShape());
            keys.add(kernelKey(l.name()));
            if (l.bias()) {
                checkShape(origin, l.name(), biasKey(l.name()), new int[] {l.outChannels()});
                keys.add(biasKey(l.name()));
            }
        }
        // the finite-value scan reads every parameter (528 MB for VGG16), without copying views to the heap: in slices
        // of all tensors on all cores (fc1 alone is three quarters of VGG16), reported in layer order
        final int slice = 1 << 22;
        List<int[]> slices = new ArrayList<>();   // {key index, from, to}
        for (int k = 0; k < keys.size(); k++) {
            int n = params.get(keys.get(k)).size();
            for (int from = 0; from < n; from += slice) slices.add(new int[] {k, from, Math.min(n, from + slice)});
        }
        int[] firstBad = new int[keys.size()];
        java.util.Arrays.fill(firstBad, -1);
        slices.parallelStream().forEach(sl -> {
            int bad = firstNonFinite(params.get(keys.get(sl[0])), sl[1], sl[2]);
            if (bad >= 0) {
                synchronized (firstBad) {
                    if (firstBad[sl[0]] < 0 || bad < firstBad[sl[0]]) firstBad[sl[0]] = bad;
                }
            }
        });
        for (int i = 0; i < keys.size(); i++) {
            if (firstBad[i] < 0) continue;
            float[] v1 = new float[1];
            params.get(keys.get(i)).read(firstBad[i], v1, 0, 1);
            float v = v1[0];
            throw new org.gradcam4j.weights.WeightsException(origin, keys.get(i) + " contains " + (Float.isNaN(v) ? "NaN" : "Inf")
                    + " (first at flat index " + firstBad[i] + ")");
        }
    }

    /**
     * The least (row-major) index of a NaN or +-Inf among the values stored at {@code [from, to)}, or -1. Scans blocks
     * with an integer max over the bits without the sign (a non-finite float has all exponent bits set: its magnitude
     * bits are >= 0x7f800000), a loop the JIT vectorises, and looks for the index only inside a block that has one. A
     * view is read block by block into a small array in the order its values lie ({@link Tensor#readStored}: a Keras
     * dense kernel is not reordered for this), so its values stay where they are.
     */
    private static int firstNonFinite(Tensor t, int from, int to) {
        final int block = 4096;
        float[] d = t.onHeap() ? t.data() : null;
        float[] buf = d != null ? null : new float[block];
        boolean inOrder = t.storedOrder() == null || d != null;   // then the first one found is the least index
        int least = -1;
        for (int b = from; b < to; b += block) {
            int end = Math.min(to, b + block);
            float[] a = d;
            int off = b;
            if (a == null) {
                t.readStored(b, buf, 0, end - b);
                a = buf;
                off = 0;
            }
            int n = end - b;
            if (maxMagnitudeBits(a, off, n) < 0x7f800000) continue;
            for (int i = 0; i < n; i++) {
                if (Float.isFinite(a[off + i])) continue;
                if (inOrder) return b + i;
                int at = t.canonicalIndex(b + i);
                if (least < 0 || at < least) least = at;
            }
        }
        return least;
    }

    /**
     * The largest of {@code a[off, off + n)}'s bits without the sign. A method of its own, called once a block, so that
     * the JIT compiles it early whatever becomes of the caller (once, with one class-data sharing archive, the caller
     * was never compiled and VGG16's check took 58 s; BENCHMARKS.md, "Model loading").
     */
    private static int maxMagnitudeBits(float[] a, int off, int n) {
        int max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, Float.floatToRawIntBits(a[off + i]) & 0x7fffffff);
        return max;
    }

    private void checkShape(String origin, String layer, String key, int[] expected) {
        Tensor t = params.get(key);
        if (t == null) throw new org.gradcam4j.weights.WeightsException(origin, "missing layer '" + layer + "' (no " + key + ")");
        if (!java.util.Arrays.equals(t.shape(), expected)) {
            throw new org.gradcam4j.weights.WeightsException(origin, "wrong shape for " + key + ": "
                    + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(expected));
        }
    }
}
