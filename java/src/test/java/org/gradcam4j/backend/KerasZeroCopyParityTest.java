package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.function.Supplier;
import org.gradcam4j.SystemProperty;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Test;

/**
 * A Keras file's dense kernels taken as they lie (mapped, Keras's (in, out) order, fc1's inputs in (h, w, c) order:
 * the GEMMs' other transpose) give the same logits, activations, input gradients and weight gradients as the copying
 * path (read, reordered to the canonical layout): both are checked against PyTorch ({@code tools/ref_vgg.py}, float64
 * error of PyTorch's own float32 beside it) with {@link CpuParityTest}'s bounds. Batch 1 runs the one-image GEMVs;
 * batch 40 (41 seed rows) the GEMM branches; batch 2 (3 seed rows) the streamed backward-data. A file whose datasets
 * are chunked and gzip-compressed (as h5py writes them with {@code compression=}) cannot be mapped and still loads,
 * through the copying path.
 */
class KerasZeroCopyParityTest {
    @Test
    void oneImage() { mappedAndCopiedDenseKernelsBothMatchPyTorch(1); }

    @Test
    void twoImages() { mappedAndCopiedDenseKernelsBothMatchPyTorch(2); }

    @Test
    void fortyImages() { mappedAndCopiedDenseKernelsBothMatchPyTorch(40); }

    private static void mappedAndCopiedDenseKernelsBothMatchPyTorch(int batch) {
        Path dir = batch == 2 ? CpuParityTest.narrowReference()
                : Reference.generate("narrow16-b" + batch, "ref_vgg.py", "--arch", "narrow16", "--batch", Integer.toString(batch),
                        "--conv-wgrad", "block2_conv1");
        Path keras = dir.resolve("keras.h5");

        Model mapped = ModelLoader.load(keras, null);
        assertDenseKernels(mapped, true);
        Model copied = withoutMapping(() -> ModelLoader.load(keras, null));
        assertDenseKernels(copied, false);
        for (Model m : new Model[] {mapped, copied}) {
            try (Backend b = new CpuBackend(2)) {
                CpuParityTest.check(b, dir, m);
            }
        }
    }

    @Test
    void chunkedCompressedKerasFileLoadsThroughTheCopyingPath() {
        Path dir = CpuParityTest.narrowReference();
        Path gz = Reference.generate("narrow16-gzip", "rechunk_h5.py", "--src", dir.resolve("keras.h5").toString());
        Model m = ModelLoader.load(gz.resolve("keras.h5"), null);
        assertDenseKernels(m, false);
        try (Backend b = new CpuBackend(2)) {
            CpuParityTest.check(b, dir, m);
        }
    }

    /** Mapped: views in Keras's order over direct memory. Copied: canonical values in a direct buffer the GEMMs read. */
    private static void assertDenseKernels(Model m, boolean mapped) {
        for (LayerSpec l : m.architecture().layers()) {
            if (l.kind() != LayerKind.FC) continue;
            Tensor k = m.weights().kernel(l.name());
            if (mapped) {
                assertNotNull(k.storedOrder(), l.name() + ": not a view in Keras's order");
                assertNotNull(k.stored(), l.name() + ": not mapped");
                assertEquals(l.inSize(), k.storedOrder().size(), l.name());
            } else {
                assertNull(k.storedOrder(), l.name() + ": expected the canonical layout");
                assertNotNull(k.direct(), l.name() + ": expected a direct buffer");
            }
        }
    }

    private static <T> T withoutMapping(Supplier<T> body) {
        String key = SystemProperty.MAP_WEIGHTS.key(), before = System.getProperty(key);
        System.setProperty(key, "false");
        try {
            return body.get();
        } finally {
            if (before == null) System.clearProperty(key);
            else System.setProperty(key, before);
        }
    }
}
