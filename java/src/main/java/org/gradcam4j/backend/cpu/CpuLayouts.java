package org.gradcam4j.backend.cpu;

import org.gradcam4j.model.PreparedLayout;
import org.gradcam4j.tensor.Tensor;

/**
 * The CPU backend's parameter layouts that a model file may store ready-made ({@code weights/FORMAT.md}, "Prepared
 * layouts"), so that loading skips computing them. The layout name carries a version: a change to the transform
 * gets a new name, and files holding the old one are then simply recomputed at load.
 */
public final class CpuLayouts {
    /** A 3x3 kernel in the Winograd F(2x2, 3x3) domain, (16, cout, cin), as {@link WinogradWeights} holds it. */
    public static final String WINOGRAD = "winograd_f2x2_3x3_v1";
    /** A 3x3 kernel in the Winograd F(4x4, 3x3) domain, (36, cout, cin), as {@link Winograd4Conv#transform} makes it. */
    public static final String WINOGRAD4 = "winograd_f4x4_3x3_v1";
    /** Every layout name this version reads from a model file (others under {@code prepared/} are skipped). */
    public static final java.util.List<String> KNOWN = java.util.List.of(WINOGRAD, WINOGRAD4);

    private CpuLayouts() {}

    /** The key of a conv layer's Winograd layout in {@link org.gradcam4j.model.ModelWeights#prepared}. */
    public static String winogradKey(String layer) { return key(layer, WINOGRAD); }

    /** The key of a conv layer's layout {@code layout} in {@link org.gradcam4j.model.ModelWeights#prepared}. */
    public static String key(String layer, String layout) { return layer + "/" + layout; }

    /** The key of a conv layer's F(4x4) Winograd layout in {@link org.gradcam4j.model.ModelWeights#prepared}. */
    public static String winograd4Key(String layer) { return key(layer, WINOGRAD4); }

    /** The Winograd layout of a canonical (cout, cin, 3, 3) kernel. */
    public static Tensor winograd(Tensor kernel) {
        return new Tensor(WinogradWeights.transform(kernel), 16, kernel.dim(0), kernel.dim(1));
    }

    /** The F(4x4, 3x3) Winograd layout of a canonical (cout, cin, 3, 3) kernel. */
    public static Tensor winograd4(Tensor kernel) {
        return new Tensor(WinogradWeights.transform(kernel, Winograd4Conv.G), 36, kernel.dim(0), kernel.dim(1));
    }

    /**
     * The layouts a model file stores for a conv layer: F(2x2) always (every backward-data convolution runs it, and
     * the forwards F(4x4) does not take); F(4x4) where the default algorithm runs the layer's forward with it at the
     * architecture's input size. Paired with the function that computes each.
     */
    public static java.util.Map<String, java.util.function.Function<Tensor, Tensor>> layoutsToStore(org.gradcam4j.model.LayerSpec l) {
        java.util.Map<String, java.util.function.Function<Tensor, Tensor>> out = new java.util.LinkedHashMap<>();
        out.put(WINOGRAD, CpuLayouts::winograd);
        if (ConvAlgorithm.AUTO.winograd4Forward(l.inChannels(), l.outChannels(), l.inSize())) out.put(WINOGRAD4, CpuLayouts::winograd4);
        return out;
    }

    /**
     * The stored layout's values when it was computed from exactly {@code kernel} (same shape, same fingerprint),
     * else null: a stale or foreign layout is never used.
     */
    static Tensor usableWinograd(PreparedLayout p, Tensor kernel) {
        return usable(p, kernel, 16);
    }

    /** {@link #usableWinograd} for the F(4x4) layout. */
    static Tensor usableWinograd4(PreparedLayout p, Tensor kernel) {
        return usable(p, kernel, 36);
    }

    private static Tensor usable(PreparedLayout p, Tensor kernel, int positions) {
        if (p == null) return null;
        int[] s = p.data().shape();
        if (s.length != 3 || s[0] != positions || s[1] != kernel.dim(0) || s[2] != kernel.dim(1)) return null;
        return p.sourceFingerprint() == PreparedLayout.fingerprint(kernel) ? p.data() : null;
    }
}
