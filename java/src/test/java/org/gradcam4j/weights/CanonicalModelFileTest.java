package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.Preprocessing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write / read round trips of the gradcam4j model file (weights/FORMAT.md). */
class CanonicalModelFileTest {
    @TempDir Path dir;

    @Test
    void roundTripKeepsEverything() {
        Model src = TestNets.randomModel(TestNets.narrow16(), 11);
        ClassLabels labels = new ClassLabels(
                List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"),
                List.of("tench, Tinca tinca", "café crème", "ü", "three", "four", "five", "six", "seven", "eight", "nine"));
        src = new Model(src.architecture(), Preprocessing.torchvision(), labels, src.weights(), "unit test, seed 11");
        Path file = dir.resolve("m.h5");
        CanonicalModelFile.write(src, file);

        Model m = CanonicalModelFile.read(file);
        assertEquals(src.architecture(), m.architecture());
        assertEquals(src.preprocessing(), m.preprocessing());
        assertEquals(labels.ids(), m.labels().ids());
        assertEquals(labels.names(), m.labels().names());
        KerasWeightsTest.assertSameParams(src, m);
        assertTrue(m.source().contains("unit test, seed 11"), m.source());
        assertEquals(ModelLoader.Convention.GRADCAM4J, ModelLoader.detect(file));
    }

    @Test
    void standardArchitecturesComeBackEqualToTheirFactories() {
        // only the attributes: full-size parameters would make this test slow
        for (Architecture a : List.of(Architecture.vgg16(), Architecture.vgg19(), Architecture.vgg16().withHead(Head.NONE, 0, 0))) {
            Path file = dir.resolve(a.name() + a.head() + ".h5");
            ClassLabels labels = a.numClasses() == 1000 ? ClassLabels.imagenet() : ClassLabels.numbered(0);
            CanonicalModelFile.writeFile(file, a, Preprocessing.keras(), labels, Map.of(), "attributes only", 1);
            try (HdfFile h = new HdfFile(file)) {
                assertEquals(a, CanonicalModelFile.readArchitecture(file, h));
            }
            WeightsException e = assertThrows(WeightsException.class, () -> CanonicalModelFile.read(file));
            assertTrue(e.getMessage().contains("missing layer 'block1_conv1'"), e.getMessage());
        }
    }

    @Test
    void headlessAndCamHeadsRoundTrip() {
        Architecture notop = TestNets.narrow16().withHead(Head.NONE, 0, 0);
        Architecture cam = Architecture.custom("cam19", 64, new int[] {2, 2, 4, 4, 4}, new int[] {4, 8, 8, 16, 16},
                new int[0], 7, Head.GAP, 12);
        for (Architecture a : List.of(notop, cam)) {
            Model src = TestNets.randomModel(a, 12);
            Path file = dir.resolve(a.name() + a.head() + ".h5");
            CanonicalModelFile.write(src, file);
            Model m = CanonicalModelFile.read(file);
            assertEquals(a, m.architecture());
            assertEquals(src.labels().ids(), m.labels().ids());
            KerasWeightsTest.assertSameParams(src, m);
        }
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("ckpt.h5");
        Files.writeString(file, "old checkpoint");
        Model a = TestNets.randomModel(TestNets.narrow16(), 21);
        CanonicalModelFile.write(a, file);
        Model b = TestNets.randomModel(TestNets.narrow16(), 22);
        CanonicalModelFile.write(b, file);
        KerasWeightsTest.assertSameParams(b, CanonicalModelFile.read(file));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file.getFileName().toString()), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void unwritableDestinationIsAWeightsException() throws IOException {
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        Path file = notADir.resolve("m.h5");
        WeightsException e = assertThrows(WeightsException.class,
                () -> CanonicalModelFile.write(TestNets.randomModel(TestNets.narrow16(), 1), file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void newerFormatVersionIsRefused() {
        Model src = TestNets.randomModel(TestNets.narrow16(), 13);
        Path file = dir.resolve("v2.h5");
        CanonicalModelFile.writeFile(file, src.architecture(), src.preprocessing(), src.labels(), src.weights().all(), "v2", 2);
        WeightsException e = assertThrows(WeightsException.class, () -> ModelLoader.load(file, null));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("format_version 2"), e.getMessage());
    }

    @Test
    void floatsAreStoredInTheirCanonicalShapes() {
        Model src = TestNets.randomModel(TestNets.narrow16(), 14);
        Path file = dir.resolve("shapes.h5");
        CanonicalModelFile.write(src, file);
        try (HdfFile h = new HdfFile(file)) {
            assertArrayEquals(new int[] {8, 4, 3, 3}, h.getDatasetByPath("params/block2_conv1/kernel").getDimensions());
            assertArrayEquals(new int[] {32, 64}, h.getDatasetByPath("params/fc1/kernel").getDimensions());
            assertEquals(float.class, h.getDatasetByPath("params/fc1/kernel").getJavaType());
            assertEquals("gradcam4j-model", h.getAttribute("format").getData());
        }
    }
}
