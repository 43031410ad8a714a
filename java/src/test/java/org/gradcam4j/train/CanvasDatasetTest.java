package org.gradcam4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The canvas generator: repeatable per (seed, split, index), boxes inside the canvas and around the item. Needs Debian's dataset-fashion-mnist. */
class CanvasDatasetTest {
    @Test
    void repeatableWithTightBoxes() throws Exception {
        assumeTrue(Files.isRegularFile(FashionMnist.DEBIAN_DIR.resolve("t10k-images-idx3-ubyte.gz")), "dataset-fashion-mnist not installed");
        FashionMnist t10k = FashionMnist.read(FashionMnist.DEBIAN_DIR, "t10k");
        assertEquals(10000, t10k.size());
        CanvasDataset.Recipe r = CanvasDataset.Recipe.demo(1);
        CanvasDataset a = new CanvasDataset(t10k, r, "test"), b = new CanvasDataset(t10k, r, "test");
        for (int i : new int[] {0, 7, 123}) {
            CanvasDataset.Sample x = a.sample(i), y = b.sample(i);
            assertArrayEquals(x.box(), y.box());
            assertEquals(x.image().getRGB(10, 20), y.image().getRGB(10, 20));
            assertEquals(t10k.labels()[i], x.label());
            int[] box = x.box();
            int w = box[2] - box[0] + 1, h = box[3] - box[1] + 1;
            assertTrue(box[0] >= 0 && box[1] >= 0 && box[2] < 64 && box[3] < 64, "box inside the canvas");
            assertTrue(Math.max(w, h) >= 10 && Math.max(w, h) <= r.maxItem(), "box size " + w + "x" + h);
        }
        // the same index in another split or with another seed is a different canvas
        CanvasDataset other = new CanvasDataset(t10k, CanvasDataset.Recipe.demo(2), "test");
        assertTrue(!java.util.Arrays.equals(a.sample(0).box(), other.sample(0).box())
                || a.sample(0).image().getRGB(0, 0) != other.sample(0).image().getRGB(0, 0));
    }
}
