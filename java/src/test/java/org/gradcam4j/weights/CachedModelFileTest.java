package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weights fetch} writes a model file beside the cached Keras file, and {@code --weights vgg16} loads it only
 * while it records the MD5 of the Keras file the catalog pins; otherwise (absent, damaged, converted from another
 * file) the Keras file is read as before.
 */
class CachedModelFileTest {
    @TempDir Path dir;

    @Test
    void modelFileIsUsedOnlyWhenConvertedFromThePinnedKerasFile() throws Exception {
        Model src = RandomWeights.model(TestNets.narrow16(), 8);
        WeightsCache cache = new WeightsCache(dir);
        Files.createDirectories(cache.dir());
        PretrainedFile f = new PretrainedFile("vgg16", false, "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                URI.create("http://127.0.0.1/"), "0123456789abcdef0123456789abcdef");
        KerasWeights.write(src, cache.path(f));

        assertTrue(cache.load(f, null).source().contains("Keras HDF5"), "no model file yet: the Keras file");
        Path model = cache.writeModel(f);
        assertEquals(cache.dir().resolve("vgg16_weights_tf_dim_ordering_tf_kernels.gradcam4j.h5"), model);
        Model fast = cache.load(f, null);
        assertTrue(fast.source().contains(CanonicalModelFile.FORMAT) && fast.source().contains(f.md5()), fast.source());
        assertFalse(fast.weights().kernel("fc1").onHeap(), "mapped, not read");
        KerasWeightsTest.assertSameParams(src, fast);
        assertArrayEquals(src.labels().names().toArray(), fast.labels().names().toArray());

        // a catalog that pins another file: the model file is not that file's conversion
        PretrainedFile other = new PretrainedFile(f.arch(), false, f.fileName(), f.url(), "f".repeat(32));
        assertTrue(cache.load(other, null).source().contains("Keras HDF5"));
        // a damaged model file is passed over (a new file: rewriting the mapped one in place would pull the pages from
        // under this JVM's mapping of it)
        Files.delete(model);
        Files.write(model, new byte[] {1, 2, 3});
        assertTrue(cache.load(f, null).source().contains("Keras HDF5"));
        // and written again
        cache.writeModel(f);
        assertTrue(cache.load(f, null).source().contains(f.md5()));
    }
}
