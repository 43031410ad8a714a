package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.gradcam4j.SystemProperty;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.backend.cpu.CpuLayouts;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.PreparedLayout;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files written by this version place every float dataset's values on a 64-byte boundary, so that a reader maps
 * them instead of copying; the mapped parameters are what jhdf's general reader reads (the independent reference for a
 * file's contents), and the CPU backend gives the same logits, bit for bit, from a mapped file, an old file (read and
 * copied), a Keras file and the model in memory (whose logits {@code CpuParityTest} checks against PyTorch).
 */
class MappedModelFileTest {
    @TempDir Path dir;

    /** A thousand classes (label datasets before and between the parameters) and a 2x2 map before fc1. */
    private static final Architecture WIDE = Architecture.custom("wide", 64, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
            new int[] {64, 48}, 1000, Head.FC, 0);

    @Test
    void everyFloatDatasetIsAlignedAndLoadsAsAViewOfTheFile() {
        for (Architecture arch : List.of(TestNets.narrow16(), TestNets.narrow19(), WIDE)) {
            Model src = RandomWeights.model(arch, 11);
            Path f = dir.resolve(arch.name() + ".h5");
            CanonicalModelFile.write(src, f);
            List<String> paths = new java.util.ArrayList<>();
            for (LayerSpec l : arch.layers()) {
                if (!l.hasWeights()) continue;
                paths.add("params/" + l.name() + "/kernel");
                if (l.bias()) paths.add("params/" + l.name() + "/bias");
                if (l.kind() == LayerKind.CONV3X3) CpuLayouts.layoutsToStore(l).keySet().forEach(n -> paths.add("prepared/" + l.name() + "/" + n));
            }
            CanonicalModelFile.dataAddresses(f, paths).forEach((p, at) ->
                    assertEquals(0, at % CanonicalModelFile.ALIGNMENT, arch.name() + " " + p + " at " + at));

            Model m = ModelLoader.load(f, null);
            try (HdfFile h = new HdfFile(f)) {
                for (String p : paths) {
                    Tensor t = p.startsWith("prepared/")
                            ? m.weights().prepared(p.substring("prepared/".length())).data()
                            : m.weights().all().get(p.substring("params/".length()));
                    assertFalse(t.onHeap(), p + " was copied to the heap");
                    assertNotNull(t.direct(), p);
                    float[] reference = (float[]) ((Dataset) h.getByPath(p)).getDataFlat();
                    assertArrayEquals(reference, t.toArray(), arch.name() + " " + p);
                }
            }
            // asking for the heap array copies once; from then on the array is the tensor's values
            Tensor k = m.weights().kernel("fc1");
            float[] heap = k.data();
            assertTrue(k.onHeap());
            assertNull(k.direct());
            assertArrayEquals(src.weights().kernel("fc1").data(), heap);
            assertEquals(heap, k.data());
        }
    }

    @Test
    void mappedOldKerasAndInMemoryModelsGiveTheSameLogits() throws Exception {
        Model src = RandomWeights.model(WIDE, 5);
        Path fresh = dir.resolve("new.h5"), plain = dir.resolve("plain.h5"), old = dir.resolve("old.h5"), keras = dir.resolve("k.h5");
        CanonicalModelFile.write(src, fresh);
        CanonicalModelFile.write(src, plain, false);
        CanonicalModelFile.writeFile(old, src.architecture(), src.preprocessing(), src.labels(), src.weights().all(), "as 0.1 wrote it", 1);
        KerasWeights.write(src, keras);
        Tensor x = input(3, WIDE.inputSize());
        float[] want = logits(src, x);

        Map<String, Model> loaded = new LinkedHashMap<>();
        for (Path f : List.of(fresh, plain, old, keras)) loaded.put(f.getFileName().toString(), ModelLoader.load(f, null));
        String before = System.getProperty(SystemProperty.MAP_WEIGHTS.key());
        System.setProperty(SystemProperty.MAP_WEIGHTS.key(), "false");
        try {
            loaded.put("new.h5, read instead of mapped", ModelLoader.load(fresh, null));
        } finally {
            if (before == null) System.clearProperty(SystemProperty.MAP_WEIGHTS.key());
            else System.setProperty(SystemProperty.MAP_WEIGHTS.key(), before);
        }
        assertTrue(loaded.get("new.h5, read instead of mapped").weights().kernel("fc1").onHeap());
        // the Keras file's mapped fc kernels are read in Keras's order (the GEMMs' other transpose), which sums each logit
        // in another order: the same to float32 rounding, not bit for bit (its PyTorch parity: KerasZeroCopyParityTest)
        Model kerasModel = loaded.remove("k.h5");
        assertNotNull(kerasModel.weights().kernel("fc1").stored(), "the Keras file's fc1 is used in Keras's order");
        double err = org.gradcam4j.tensor.Errors.relativeL2(new Tensor(logits(kerasModel, x), want.length), new Tensor(want, want.length));
        System.out.printf("  k.h5 logits against the in-memory model's: relative L2 %.2e%n", err);
        assertTrue(err <= org.gradcam4j.testing.Tolerances.FORMULA, "k.h5: relative L2 " + err);
        for (Map.Entry<String, Model> e : loaded.entrySet()) {
            assertArrayEquals(want, logits(e.getValue(), x), e.getKey());
        }
        // preparing the CPU backend made no heap copy of the mapped parameters
        for (LayerSpec l : WIDE.layers()) {
            if (l.hasWeights()) assertFalse(loaded.get("new.h5").weights().kernel(l.name()).onHeap(), l.name());
        }
        // the stored layouts were current, so they were the ones used
        for (LayerSpec l : WIDE.layers()) {
            if (l.kind() != LayerKind.CONV3X3) continue;
            PreparedLayout p = loaded.get("new.h5").weights().prepared(CpuLayouts.winogradKey(l.name()));
            assertEquals(PreparedLayout.fingerprint(src.weights().kernel(l.name())), p.sourceFingerprint(), l.name());
        }
    }

    private static float[] logits(Model m, Tensor x) {
        try (CpuBackend b = new CpuBackend(2); Network n = b.load(m); ForwardPass p = n.forward(x, null)) {
            return p.logits().data().clone();
        }
    }

    private static Tensor input(int n, int size) {
        SplittableRandom r = new SplittableRandom(9);
        Tensor t = Tensor.zeros(n, 3, size, size);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) (r.nextDouble() * 255 - 120);
        return t;
    }
}
