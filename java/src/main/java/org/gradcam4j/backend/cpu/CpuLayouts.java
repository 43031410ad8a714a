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

    private CpuLayouts() {}

    /** The key of a conv layer's Winograd layout in {@link org.gradcam4j.model.ModelWeights#prepared}. */
    public static String winogradKey(String layer) { return layer + "/" + WINOGRAD; }

    /** The Winograd layout of a canonical (cout, cin, 3, 3) kernel. */
    public static Tensor winograd(Tensor kernel) {
        return new Tensor(WinogradWeights.transform(kernel), 16, kernel.dim(0), kernel.dim(1));
    }

    /**
     * The stored layout's values when it was computed from exactly {@code kernel} (same shape, same fingerprint),
     * else null: a stale or foreign layout is never used.
     */
    static Tensor usableWinograd(PreparedLayout p, Tensor kernel) {
        if (p == null) return null;
        int[] s = p.data().shape();
        if (s.length != 3 || s[0] != 16 || s[1] != kernel.dim(0) || s[2] != kernel.dim(1)) return null;
        return p.sourceFingerprint() == PreparedLayout.fingerprint(kernel) ? p.data() : null;
    }
}
