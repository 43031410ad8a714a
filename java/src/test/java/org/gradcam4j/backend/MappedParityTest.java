package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Model;
import org.gradcam4j.weights.CanonicalModelFile;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CpuParityTest}'s PyTorch comparison (every activation, gradient and weight gradient against
 * {@code tools/ref_vgg.py}, same bounds), on models whose parameters the CPU backend takes without copying: the
 * reference network's Keras file converted straight into the GEMMs' buffers, and the same network written as a model
 * file and mapped from it. ({@code CpuParityTest} itself compares the two files' parameters first, which copies them
 * to the heap, so it runs the copying path.)
 */
class MappedParityTest {
    @TempDir Path tmp;

    @Test
    void kerasFileConvertedIntoTheBackendsBuffers() {
        Path dir = CpuParityTest.narrowReference();
        Model keras = ModelLoader.load(dir.resolve("keras.h5"), null);
        assertNotNull(keras.weights().kernel("fc1").stored(), "mapped in Keras's order, not copied");
        try (Backend b = new CpuBackend(2)) {
            CpuParityTest.check(b, dir, keras);
        }
    }

    @Test
    void modelFileMappedFromThePageCache() {
        Path dir = CpuParityTest.narrowReference();
        Path file = tmp.resolve("narrow16.gradcam4j.h5");
        CanonicalModelFile.write(CpuParityTest.loadRefModel(dir), file);
        Model mapped = ModelLoader.load(file, null);
        assertFalse(mapped.weights().kernel("fc1").onHeap(), "mapped, not read");
        try (Backend b = new CpuBackend(2)) {
            CpuParityTest.check(b, dir, mapped);
        }
    }
}
