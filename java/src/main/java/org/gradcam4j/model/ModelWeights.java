package org.gradcam4j.model;

import java.util.Collections;
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

    public ModelWeights(Map<String, Tensor> params) {
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

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
        for (LayerSpec l : arch.layers()) {
            if (!l.hasWeights()) continue;
            checkShape(origin, l.name(), kernelKey(l.name()), l.kernelShape());
            if (l.bias()) checkShape(origin, l.name(), biasKey(l.name()), new int[] {l.outChannels()});
        }
    }

    private void checkShape(String origin, String layer, String key, int[] expected) {
        Tensor t = params.get(key);
        if (t == null) throw new org.gradcam4j.weights.WeightsException(origin, "missing layer '" + layer + "' (no " + key + ")");
        if (!java.util.Arrays.equals(t.shape(), expected)) {
            throw new org.gradcam4j.weights.WeightsException(origin, "wrong shape for " + key + ": "
                    + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(expected));
        }
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            if (!Float.isFinite(d[i])) {
                throw new org.gradcam4j.weights.WeightsException(origin, key + " contains " + (Float.isNaN(d[i]) ? "NaN" : "Inf")
                        + " (first at flat index " + i + ")");
            }
        }
    }
}
