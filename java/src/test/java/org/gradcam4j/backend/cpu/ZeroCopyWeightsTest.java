package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.weights.CanonicalModelFile;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU backend uses a mapped model file's fully-connected kernels and stored Winograd layouts where they lie (the
 * GEMMs read the page cache), and copies a model held on the heap once, as before.
 */
class ZeroCopyWeightsTest {
    private static final Architecture NET = Architecture.custom("small", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
            new int[] {24}, 10, Head.FC, 0);

    @TempDir Path dir;

    @Test
    void mappedParametersAreUsedWhereTheyLie() {
        Model src = RandomWeights.model(NET, 4);
        Path f = dir.resolve("m.h5");
        CanonicalModelFile.write(src, f);
        Model m = ModelLoader.load(f, null);
        try (CpuNetwork net = new CpuNetwork(m, new Workers(2), SgemmProvider.BEST, ConvAlgorithm.AUTO);
             CpuNetwork heap = new CpuNetwork(src, new Workers(2), SgemmProvider.BEST, ConvAlgorithm.AUTO)) {
            for (int i = 0; i < NET.layers().size(); i++) {
                LayerSpec l = NET.layers().get(i);
                if (l.kind() == LayerKind.FC) {
                    FloatBuffer k = ((FcWeights) net.weights[i]).kernel;
                    assertTrue(k.isReadOnly(), l.name() + ": a copy, not the mapping");
                    assertEquals(address(m.weights().kernel(l.name()).direct()), address(k), l.name());
                    assertTrue(!((FcWeights) heap.weights[i]).kernel.isReadOnly(), l.name());
                } else if (l.kind() == LayerKind.CONV3X3) {
                    WinogradWeights u = net.winogradBackward(i);
                    assertNotNull(u, l.name());
                    assertTrue(u.u.isReadOnly(), l.name() + ": the stored layout was not used in place");
                    assertNotEquals(true, heap.winogradBackward(i).u.isReadOnly(), l.name());
                }
            }
        }
    }

    private static long address(FloatBuffer b) {
        return new Pointer(b).address();
    }
}
