package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Convention detection, and one test per bad input: the message must name the file and the problem. */
class ModelLoaderTest {
    @TempDir Path dir;

    private Path kerasFile(String name) {
        Path f = dir.resolve(name);
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 31)).write(f);
        return f;
    }

    private Path canonicalFile(String name, Map<String, Tensor> params) {
        Model src = TestNets.randomModel(TestNets.narrow16(), 32);
        Path f = dir.resolve(name);
        CanonicalModelFile.writeFile(f, src.architecture(), src.preprocessing(), src.labels(),
                params == null ? src.weights().all() : params, "test", 1);
        return f;
    }

    private static void assertFails(Path file, String problem, Executable load) {
        WeightsException e = assertThrows(WeightsException.class, load);
        assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "message says '" + problem + "': " + e.getMessage());
        assertEquals(file.toString(), e.file());
    }

    private static void assertLoadFails(Path file, String arch, String problem) {
        assertFails(file, problem, () -> ModelLoader.load(file, arch));
    }

    @Test
    void detectsBothConventionsAndLoadsThem() {
        Path keras = kerasFile("k.h5");
        assertEquals(ModelLoader.Convention.KERAS, ModelLoader.detect(keras));
        assertEquals(10, ModelLoader.load(keras, null).architecture().numClasses());
        Path canonical = canonicalFile("c.h5", null);
        assertEquals(ModelLoader.Convention.GRADCAM4J, ModelLoader.detect(canonical));
        assertEquals(TestNets.narrow16(), ModelLoader.load(canonical, null).architecture());
    }

    @Test
    void missingFile() {
        assertLoadFails(dir.resolve("nope.h5"), null, "file not found");
    }

    @Test
    void directory() {
        assertLoadFails(dir, null, "is a directory");
    }

    @Test
    void emptyFile() throws IOException {
        assertLoadFails(Files.createFile(dir.resolve("empty.h5")), null, "empty, not an HDF5 file");
    }

    @Test
    void notHdf5() throws IOException {
        assertLoadFails(Files.writeString(dir.resolve("text.h5"), "just some text, long enough to be read\n".repeat(40)),
                null, "not an HDF5 file");
    }

    @Test
    void pytorchFileGetsAConversionHint() throws IOException {
        Path pth = Files.write(dir.resolve("vgg16.pth"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
        assertLoadFails(pth, null, "convert_torchvision.py");
    }

    @Test
    void truncatedKerasFile() throws IOException {
        Path f = kerasFile("cut.h5");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        assertLoadFails(f, null, "truncated or corrupt");
    }

    @Test
    void truncatedInsideTheSuperblock() throws IOException {
        Path f = canonicalFile("cut-early.h5", null);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, 20));
        assertLoadFails(f, null, "truncated or corrupt");
    }

    @Test
    void corruptedButFullLength() throws IOException {
        Path f = canonicalFile("garbled.h5", null);
        byte[] all = Files.readAllBytes(f);
        Arrays.fill(all, 100, all.length, (byte) 0x5a); // keep the superblock's first bytes, garble everything after
        Files.write(f, all);
        assertLoadFails(f, null, "truncated or corrupt");
    }

    @Test
    void missingKerasLayer() {
        Path f = dir.resolve("missing.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 33)).dropGroup("block3_conv2").write(f);
        assertLoadFails(f, null, "missing layer 'block3_conv2'");
    }

    @Test
    void missingCanonicalLayer() {
        Map<String, Tensor> p = new LinkedHashMap<>(TestNets.randomModel(TestNets.narrow16(), 34).weights().all());
        p.remove("fc2/kernel");
        p.remove("fc2/bias");
        assertLoadFails(canonicalFile("missing-c.h5", p), null, "missing layer 'fc2'");
    }

    @Test
    void wrongKerasShape() {
        Path f = dir.resolve("shape.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 35))
                .kernel("block4_conv2", new float[3][3][16][15]).write(f);
        assertLoadFails(f, null, "wrong shape for block4_conv2");
        assertFails(f, "wrong shape for block4_conv2", () -> KerasWeights.load(f, TestNets.narrow16()));
    }

    @Test
    void wrongFirstKernelOfABlockIsNamedWithoutArch() {
        // block4 is 8 -> 16 channels; a first kernel with 15 outputs must not redefine the block's width (which made
        // the correct bias look wrong): the kernel is named
        Path f = dir.resolve("shape-first.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 35))
                .kernel("block4_conv1", new float[3][3][8][15]).write(f);
        assertLoadFails(f, null, "wrong shape for block4_conv1 kernel: [3, 3, 8, 15]");
        assertFails(f, "wrong shape for block4_conv1 kernel", () -> KerasWeights.load(f, TestNets.narrow16()));
    }

    @Test
    void aWrittenModelFileHasTheUsualPermissions() throws IOException {
        // Files.createTempFile's owner-only 0600 used to reach the model file; it must get what any new file gets (umask)
        Path plain = Files.createFile(dir.resolve("plain.txt"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getFileStore(plain).supportsFileAttributeView("posix"));
        Path model = dir.resolve("model.h5");
        CanonicalModelFile.write(TestNets.randomModel(TestNets.narrow16(), 33), model);
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(model));
    }

    @Test
    void wrongCanonicalShape() {
        Map<String, Tensor> p = new LinkedHashMap<>(TestNets.randomModel(TestNets.narrow16(), 36).weights().all());
        p.put("fc1/kernel", Tensor.zeros(32, 63));
        assertLoadFails(canonicalFile("shape-c.h5", p), null, "wrong shape for fc1/kernel");
    }

    @Test
    void nanInKerasFile() {
        float[][] fc2 = new float[32][32];
        fc2[3][4] = Float.NaN;
        Path f = dir.resolve("nan.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 37)).kernel("fc2", fc2).write(f);
        assertLoadFails(f, null, "fc2/kernel contains NaN");
    }

    @Test
    void nanInMappedKerasDenseKernelIsReportedAtItsCanonicalIndex() {
        // narrow16's fc1 in Keras's order: (in = (h, w, c) over 2 x 2 x 16, out = 32). Stored first: in 0, out 31, which
        // is canonical (o = 31, c = 0, h = 0, w = 0) = 31 * 64; stored last: in 63 = (h 1, w 1, c 15), out 0, canonical
        // (0, 15, 1, 1) = 15 * 4 + 3 = 63, the least canonical index, which the message names.
        float[][] fc1 = new float[64][32];
        fc1[0][31] = Float.NaN;
        fc1[63][0] = Float.NaN;
        Path f = dir.resolve("nan-fc1.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 37)).kernel("fc1", fc1).write(f);
        assertLoadFails(f, null, "fc1/kernel contains NaN (first at flat index 63)");
    }

    @Test
    void infInCanonicalFile() {
        Map<String, Tensor> p = new LinkedHashMap<>(TestNets.randomModel(TestNets.narrow16(), 38).weights().all());
        Tensor b = p.get("block1_conv1/bias").copy();
        b.data()[2] = Float.NEGATIVE_INFINITY;
        p.put("block1_conv1/bias", b);
        assertLoadFails(canonicalFile("inf.h5", p), null, "block1_conv1/bias contains Inf");
    }

    @Test
    void nanInCanonicalFile() {
        Map<String, Tensor> p = new LinkedHashMap<>(TestNets.randomModel(TestNets.narrow16(), 39).weights().all());
        Tensor k = p.get(ModelWeights.kernelKey("predictions")).copy();
        k.data()[k.size() - 1] = Float.NaN;
        p.put(ModelWeights.kernelKey("predictions"), k);
        assertLoadFails(canonicalFile("nan-c.h5", p), null, "predictions/kernel contains NaN");
    }

    @Test
    void infInKerasFile() {
        float[][][][] k = new float[3][3][3][4];
        k[0][1][2][3] = Float.POSITIVE_INFINITY;
        Path f = dir.resolve("inf.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow16(), 40)).kernel("block1_conv1", k).write(f);
        assertLoadFails(f, null, "block1_conv1/kernel contains Inf");
    }

    @Test
    void unknownConvention() {
        Path f = dir.resolve("other.h5");
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("creator", "someone else");
            h.putGroup("stuff").putDataset("x", new float[] {1, 2, 3});
        }
        assertLoadFails(f, null, "unknown convention");
    }

    @Test
    void foreignFormatAttributeIsAnUnknownConvention() {
        Path f = dir.resolve("foreign.h5");
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putAttribute("format", "some-other-model");
        }
        assertLoadFails(f, null, "unknown convention");
    }

    @Test
    void archMismatchKeras() {
        Path f = dir.resolve("n19.h5");
        KerasTestFile.of(TestNets.randomModel(TestNets.narrow19(), 41)).write(f);
        assertLoadFails(f, "vgg16", "architecture mismatch");
        assertLoadFails(f, "vgg16", "16 conv layers");
    }

    @Test
    void archMismatchCanonical() {
        assertLoadFails(canonicalFile("n16.h5", null), "vgg19", "architecture mismatch");
    }

    @Test
    void matchingArchWithWrongWidthsIsAShapeError() {
        // narrow16 has vgg16's blocks, so --arch vgg16 passes the mismatch check and fails on the widths
        assertLoadFails(kerasFile("narrow-as-vgg16.h5"), "vgg16", "wrong shape for block1_conv1");
    }
}
