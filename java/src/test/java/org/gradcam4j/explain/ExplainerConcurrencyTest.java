package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.RandomWeights;
import org.junit.jupiter.api.Test;

/** The documented thread-safety: one Explainer shared by several threads gives each the sequential answer. */
class ExplainerConcurrencyTest {

    static LoadedImage image(int seed) {
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        java.util.Random r = new java.util.Random(seed);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 48; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        return new LoadedImage(img, "image" + seed, "PNG", 1);
    }

    @Test
    void sharedExplainerGivesSequentialResults() throws Exception {
        Architecture arch = Architecture.custom("narrow", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
                new int[] {64, 48}, 10, Head.FC, 0);
        ExplainRequest req = ExplainRequest.of(List.of("gradcam", "gradcampp", "guided"), Targets.topK(2));
        try (Explainer ex = Explainer.of(RandomWeights.model(arch, 3), Explainer.Options.defaults().withMaxBatch(2))) {
            List<List<LoadedImage>> jobs = new ArrayList<>();
            for (int j = 0; j < 6; j++) jobs.add(List.of(image(j), image(j + 100), image(j + 200)));
            List<List<ImageExplanation>> sequential = new ArrayList<>();
            for (List<LoadedImage> job : jobs) sequential.add(ex.explain(job, req));

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<ImageExplanation>>> fs = new ArrayList<>();
                for (List<LoadedImage> job : jobs) fs.add(pool.submit(() -> ex.explain(job, req)));
                for (int j = 0; j < jobs.size(); j++) {
                    List<ImageExplanation> got = fs.get(j).get();
                    List<ImageExplanation> want = sequential.get(j);
                    assertEquals(want.size(), got.size());
                    for (int i = 0; i < want.size(); i++) {
                        for (int c = 0; c < want.get(i).classes().size(); c++) {
                            ClassExplanation a = want.get(i).classes().get(c), b = got.get(i).classes().get(c);
                            assertEquals(a.classIndex(), b.classIndex());
                            assertArrayEquals(a.maps().get("gradcam").map().data(), b.maps().get("gradcam").map().data());
                            assertArrayEquals(a.maps().get("gradcampp").layerMap().data(), b.maps().get("gradcampp").layerMap().data());
                            assertArrayEquals(a.gradients().get("guided").values().data(), b.gradients().get("guided").values().data());
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closedExplainerRefusesWork() {
        Architecture arch = Architecture.custom("narrow", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
                new int[] {64, 48}, 10, Head.FC, 0);
        Explainer ex = Explainer.of(RandomWeights.model(arch, 3), Explainer.Options.defaults());
        ex.close();
        ex.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.explain(List.of(image(1)), ExplainRequest.gradCam()));
        assertEquals("explainer is closed", e.getMessage());
    }
}
