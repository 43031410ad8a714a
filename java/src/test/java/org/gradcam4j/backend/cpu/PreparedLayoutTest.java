package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.PreparedLayout;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Stored Winograd layouts are used only when they were computed from the kernel at hand; a stale one is recomputed. */
class PreparedLayoutTest {
    private static final Architecture NET = Architecture.custom("small", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
            new int[] {24}, 10, Head.FC, 0);

    @Test
    void currentLayoutsAreUsedAndStaleOnesIgnored() {
        Model a = RandomWeights.model(NET, 1), b = RandomWeights.model(NET, 2);
        Map<String, PreparedLayout> fromA = new LinkedHashMap<>();
        for (LayerSpec l : NET.layers()) {
            if (l.kind() != LayerKind.CONV3X3) continue;
            Tensor k = a.weights().kernel(l.name());
            fromA.put(CpuLayouts.winogradKey(l.name()), new PreparedLayout(CpuLayouts.winograd(k), PreparedLayout.fingerprint(k)));
            assertNotNull(CpuLayouts.usableWinograd(fromA.get(CpuLayouts.winogradKey(l.name())), k), l.name());
            assertNull(CpuLayouts.usableWinograd(fromA.get(CpuLayouts.winogradKey(l.name())), b.weights().kernel(l.name())), l.name());
            fromA.put(CpuLayouts.winograd4Key(l.name()), new PreparedLayout(CpuLayouts.winograd4(k), PreparedLayout.fingerprint(k)));
            assertNotNull(CpuLayouts.usableWinograd4(fromA.get(CpuLayouts.winograd4Key(l.name())), k), l.name());
            assertNull(CpuLayouts.usableWinograd4(fromA.get(CpuLayouts.winograd4Key(l.name())), b.weights().kernel(l.name())), l.name());
            // one transform's layout is never taken for the other's
            assertNull(CpuLayouts.usableWinograd4(fromA.get(CpuLayouts.winogradKey(l.name())), k), l.name());
            assertNull(CpuLayouts.usableWinograd(fromA.get(CpuLayouts.winograd4Key(l.name())), k), l.name());
        }
        Tensor x = input(3);
        for (ConvAlgorithm algorithm : new ConvAlgorithm[] {ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD4}) {
            // a's own layouts: the same logits, bit for bit, as computing them at load
            assertArrayEquals(logits(a.weights(), x, algorithm), logits(new ModelWeights(a.weights().all(), fromA), x, algorithm));
            // a's layouts attached to b's kernels are stale: b's logits come out as if none were stored
            assertArrayEquals(logits(b.weights(), x, algorithm), logits(new ModelWeights(b.weights().all(), fromA), x, algorithm));
        }
    }

    private static float[] logits(ModelWeights w, Tensor x, ConvAlgorithm algorithm) {
        Model m = RandomWeights.model(NET, 1);
        Model withW = new Model(NET, m.preprocessing(), m.labels(), w, "test");
        // every conv on Winograd (F(2x2), or F(4x4) forwards where the side allows), so the stored layouts are what the passes read
        try (CpuNetwork net = new CpuNetwork(withW, new Workers(2), SgemmProvider.BEST, algorithm);
             ForwardPass p = net.forward(x, null)) {
            return p.logits().data().clone();
        }
    }

    private static Tensor input(int n) {
        SplittableRandom r = new SplittableRandom(7);
        Tensor t = Tensor.zeros(n, 3, 32, 32);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) (r.nextDouble() * 2 - 1);
        return t;
    }
}
