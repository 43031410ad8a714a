package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.Preprocessing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Loading Keras-convention files written from Java with jhdf, on the narrow test networks. */
class KerasWeightsTest {
    @TempDir Path dir;

    /**
     * Hand-placed values: block2_conv1 (kh, kw, cin, cout) and fc1 (rows of an (h, w, c) flattening
     * of the 2x2x16 final map) must land at canonical (cout, cin, kh, kw) and column c*4 + h*2 + w.
     */
    @ParameterizedTest
    @EnumSource(KerasTestFile.Naming.class)
    void handPlacedValuesLandAtTheirCanonicalPositions(KerasTestFile.Naming naming) {
        Architecture arch = TestNets.narrow16();
        float[][][][] conv = new float[3][3][4][8];
        for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) for (int ci = 0; ci < 4; ci++) for (int co = 0; co < 8; co++) {
            conv[y][x][ci][co] = 1000 * y + 100 * x + 10 * ci + co;
        }
        float[][] fc1 = new float[64][32];
        int row = 0;
        for (int h = 0; h < 2; h++) for (int w = 0; w < 2; w++) for (int c = 0; c < 16; c++, row++) {
            for (int o = 0; o < 32; o++) fc1[row][o] = 10000 * h + 1000 * w + 32 * c + o;
        }
        float[] bias = {9, 8, 7, 6, 5, 4, 3, 2};
        Path file = dir.resolve("hand-" + naming + ".h5");
        KerasTestFile.of(TestNets.randomModel(arch, 1)).naming(naming)
                .kernel("block2_conv1", conv).bias("block2_conv1", bias).kernel("fc1", fc1).write(file);

        Model m = KerasWeights.load(file, arch);
        var k = m.weights().kernel("block2_conv1");
        assertArrayEquals(new int[] {8, 4, 3, 3}, k.shape());
        assertEquals(1000 * 2 + 100 * 0 + 10 * 3 + 5, k.get(5, 3, 2, 0), "keras (2,0,3,5) -> canonical (5,3,2,0)");
        for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) for (int ci = 0; ci < 4; ci++) for (int co = 0; co < 8; co++) {
            assertEquals(conv[y][x][ci][co], k.get(co, ci, y, x));
        }
        assertArrayEquals(bias, m.weights().bias("block2_conv1").data());
        var f = m.weights().kernel("fc1");
        assertArrayEquals(new int[] {32, 64}, f.shape());
        row = 0;
        for (int h = 0; h < 2; h++) for (int w = 0; w < 2; w++) for (int c = 0; c < 16; c++, row++) {
            for (int o = 0; o < 32; o++) assertEquals(fc1[row][o], f.get(o, c * 4 + h * 2 + w), "h" + h + " w" + w + " c" + c + " o" + o);
        }
    }

    @ParameterizedTest
    @EnumSource(KerasTestFile.Naming.class)
    void roundTripsEveryParameterInEitherNamingStyle(KerasTestFile.Naming naming) {
        Model src = TestNets.randomModel(TestNets.narrow16(), 2);
        Path file = dir.resolve("net.h5");
        KerasTestFile.of(src).naming(naming).write(file);
        Model m = KerasWeights.load(file, TestNets.narrow16());
        assertEquals(TestNets.narrow16(), m.architecture());
        assertEquals(Preprocessing.keras(), m.preprocessing());
        assertEquals(ClassLabels.numbered(10).ids(), m.labels().ids());
        assertSameParams(src, m);
        assertTrue(m.source().contains(naming == KerasTestFile.Naming.OLD ? "old-style" : "new-style"), m.source());
    }

    @Test
    void fullModelFileKeepsWeightsUnderModelWeights() {
        Model src = TestNets.randomModel(TestNets.narrow19(), 3);
        Path file = dir.resolve("model.h5");
        KerasTestFile.of(src).fullModel().write(file);
        Model m = KerasWeights.load(file, TestNets.narrow19());
        assertSameParams(src, m);
        assertTrue(m.source().contains("full model"), m.source());
    }

    @Test
    void infersTheArchitectureFromNamesAndShapes() {
        Model src = TestNets.randomModel(TestNets.narrow19(), 4);
        Path file = dir.resolve("net19.h5");
        KerasTestFile.of(src).write(file);
        Architecture a = KerasWeights.load(file, (String) null).architecture();
        Architecture want = TestNets.narrow19();
        assertArrayEquals(want.convsPerBlock(), a.convsPerBlock());
        assertArrayEquals(want.widths(), a.widths());
        assertArrayEquals(want.fcWidths(), a.fcWidths());
        assertEquals(want.numClasses(), a.numClasses());
        assertEquals(want.inputSize(), a.inputSize(), "from fc1's fan-in: 16 channels x 2 x 2 after 5 pools");
        assertEquals(Head.FC, a.head());
        assertEquals("custom", a.name(), "narrow widths are neither vgg16 nor vgg19");
    }

    @Test
    void notopFileGivesAHeadlessNetwork() {
        Model src = TestNets.randomModel(TestNets.narrow16(), 5);
        Path file = dir.resolve("notop.h5");
        KerasTestFile.of(src).naming(KerasTestFile.Naming.OLD).notop().write(file);
        Model m = KerasWeights.load(file, TestNets.narrow16());
        assertEquals(TestNets.narrow16().withHead(Head.NONE, 0, 0), m.architecture());
        assertEquals(0, m.labels().size());
        assertFalse(m.weights().has("fc1/kernel"));
        for (LayerSpec l : m.architecture().layers()) {
            if (l.hasWeights()) assertArrayEquals(src.weights().kernel(l.name()).data(), m.weights().kernel(l.name()).data());
        }
        assertEquals(Head.NONE, KerasWeights.load(file, (String) null).architecture().head());
    }

    @Test
    void camHeadWithoutPredictionsBias() {
        Architecture cam = Architecture.custom("cam", 64, new int[] {2, 2, 4, 4, 4}, new int[] {4, 8, 8, 16, 16},
                new int[0], 7, Head.GAP, 12);
        Model src = TestNets.randomModel(cam, 6);
        Path file = dir.resolve("cam.h5");
        KerasTestFile.of(src).write(file);
        Model m = KerasWeights.load(file, cam);
        assertEquals(cam, m.architecture());
        assertSameParams(src, m);
        Architecture inferred = KerasWeights.load(file, (String) null).architecture();
        assertEquals(Head.GAP, inferred.head());
        assertEquals(12, inferred.camWidth());
        assertEquals(7, inferred.numClasses());
    }

    @Test
    void stringAttributesInEveryShapeJhdfGivesBack() {
        byte[] padded = "block1_conv1\0\0\0".getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("block1_conv1"), Hdf5Files.strings(padded));
        assertEquals(List.of("a", "b"), Hdf5Files.strings(new byte[][] {"a\0".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8)}));
        assertEquals(List.of("x", "y"), Hdf5Files.strings(new String[] {"x", "y\0"}));
        assertEquals(List.of("s"), Hdf5Files.strings("s"));
        assertEquals(List.of("p", "q", "r"), Hdf5Files.strings(new Object[] {"p", new String[] {"q", "r"}}));
    }

    static void assertSameParams(Model want, Model got) {
        for (LayerSpec l : want.architecture().layers()) {
            if (!l.hasWeights()) continue;
            for (String key : List.of(ModelWeights.kernelKey(l.name()), ModelWeights.biasKey(l.name()))) {
                if (!want.weights().has(key)) continue;
                assertArrayEquals(want.weights().all().get(key).shape(), got.weights().all().get(key).shape(), key);
                assertArrayEquals(want.weights().all().get(key).data(), got.weights().all().get(key).data(), key);
            }
        }
    }
}
