package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.backend.cpu.CpuLayouts;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.PreparedLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk read path gives exactly what jhdf's general dataset reader gives (the reference), for Keras and canonical
 * files; canonical files carry the CPU backend's Winograd layouts, and files without them (format v1 as first
 * written) still load to the same parameters.
 */
class FastLoadTest {
    @TempDir Path dir;

    @Test
    void bulkReadEqualsJhdfsReaderOnEveryDataset() {
        Model src = TestNets.randomModel(TestNets.narrow16(), 5);
        Path keras = dir.resolve("k.h5"), canonical = dir.resolve("c.h5"), testWriter = dir.resolve("t.h5");
        KerasWeights.write(src, keras);
        KerasTestFile.of(src).write(testWriter);
        CanonicalModelFile.write(src, canonical, true);
        for (Path f : List.of(keras, canonical, testWriter)) {
            int n = 0;
            try (HdfFile h = new HdfFile(f)) {
                for (Dataset d : datasets(h, new ArrayList<>())) {
                    if (d.getJavaType() != float.class) continue;
                    float[] reference = (float[]) d.getDataFlat();
                    // a slice of 7 floats makes every dataset span several parallel slices, with a ragged last one
                    assertArrayEquals(reference, Hdf5Files.contiguousFloat32(d, 7), f.getFileName() + " " + d.getPath());
                    assertArrayEquals(reference, Hdf5Files.contiguousFloat32(d), f.getFileName() + " " + d.getPath());
                    n++;
                }
            }
            assertEquals(true, n >= 32, f + ": " + n + " float datasets");
        }
        // and the models loaded through the fast path hold exactly the parameters that went in
        KerasWeightsTest.assertSameParams(src, ModelLoader.load(keras, null));
        KerasWeightsTest.assertSameParams(src, ModelLoader.load(testWriter, null));
        KerasWeightsTest.assertSameParams(src, ModelLoader.load(canonical, null));
    }

    @Test
    void canonicalFileCanCarryWinogradLayoutsAndFilesWithoutStillLoad() {
        Model src = TestNets.randomModel(TestNets.narrow19(), 6);
        Path withLayouts = dir.resolve("new.h5"), old = dir.resolve("old.h5");
        CanonicalModelFile.write(src, withLayouts, true);
        CanonicalModelFile.writeFile(old, src.architecture(), src.preprocessing(), src.labels(), src.weights().all(), "v1 as first written", 1);

        Model m = ModelLoader.load(withLayouts, null);
        Model o = ModelLoader.load(old, null);
        Path plain = dir.resolve("plain.h5");
        CanonicalModelFile.write(src, plain, false);   // asked not to store layouts
        Model d = ModelLoader.load(plain, null);
        KerasWeightsTest.assertSameParams(src, d);
        KerasWeightsTest.assertSameParams(src, m);
        KerasWeightsTest.assertSameParams(src, o);
        for (LayerSpec l : src.architecture().layers()) {
            if (l.kind() != LayerKind.CONV3X3) continue;
            PreparedLayout p = m.weights().prepared(CpuLayouts.winogradKey(l.name()));
            assertNotNull(p, l.name());
            assertEquals(PreparedLayout.fingerprint(src.weights().kernel(l.name())), p.sourceFingerprint(), l.name());
            assertArrayEquals(CpuLayouts.winograd(src.weights().kernel(l.name())).data(), p.data().data(), l.name());
            assertNull(o.weights().prepared(CpuLayouts.winogradKey(l.name())), l.name());
            assertNull(d.weights().prepared(CpuLayouts.winogradKey(l.name())), l.name());
        }
    }

    private static List<Dataset> datasets(Node n, List<Dataset> out) {
        if (n instanceof Dataset d) out.add(d);
        if (n instanceof Group g) for (Node c : g.getChildren().values()) datasets(c, out);
        return out;
    }
}
