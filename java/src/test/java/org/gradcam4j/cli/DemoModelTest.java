package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped demo model (weights/demo-fashion-cam.h5, weights/DEMO.md) and the bundled sample canvases:
 * {@code --weights demo} resolves, the model classifies the samples, eval and explain run on them.
 */
class DemoModelTest {
    static final Path SAMPLES = Path.of("java/src/main/resources/org/gradcam4j/samples");

    @Test
    void demoResolvesToTheCamHeadModel() {
        Model m = ModelSource.resolve("demo", null);
        assertEquals(Head.GAP, m.architecture().head());
        assertEquals(10, m.labels().size());
        assertEquals("Sneaker", m.labels().name(m.labels().resolve("sneaker")));
        assertTrue(ModelSource.class.getResource(ModelSource.DEMO_RESOURCE) != null, "the demo model is bundled as a resource");
    }

    @Test
    void outsideACheckoutTheBundledModelIsExtractedOnceIntoTheCache(@TempDir Path dir) throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path cache = dir.resolve("cache");
        Path first = ModelSource.demoFile(elsewhere, cache);
        assertTrue(first.startsWith(cache.resolve("demo")), first.toString());
        byte[] bundled;
        try (var in = ModelSource.class.getResourceAsStream(ModelSource.DEMO_RESOURCE)) {
            bundled = in.readAllBytes();
        }
        assertArrayEquals(bundled, Files.readAllBytes(first));
        // a second run reuses the file; nothing else (no temporary) is left in the cache
        assertEquals(first, ModelSource.demoFile(elsewhere, cache));
        try (var files = Files.walk(cache)) {
            assertEquals(1, files.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void evalAndExplainRunOnTheBundledSamples(@TempDir Path dir) throws Exception {
        CliRun eval = CliRun.of("eval", "--weights", "demo", "--data", SAMPLES.toString(), "--fidelity-images", "2", "--steps", "4",
                "--threads", "2");
        assertEquals(0, eval.exit(), eval.toString());
        assertTrue(eval.out().contains("| cam |") && eval.out().contains("| guided-gradcampp |"), eval.toString());
        // the demo model classifies at least half of the six bundled samples correctly (it scores ~80% held out)
        String acc = eval.out().replaceAll("(?s).*classification accuracy ([0-9.]+);.*", "$1");
        assertTrue(Double.parseDouble(acc) >= 0.5, eval.toString());

        Path out = dir.resolve("out");
        CliRun ex = CliRun.of("explain", "--weights", "demo", "--method", "cam,gradcam,gradcampp,guided-gradcam", "--threads", "2",
                "-q", "--report", "-o", out.toString(), SAMPLES.toString());
        assertEquals(0, ex.exit(), ex.toString());
        assertTrue(Files.isRegularFile(out.resolve("report.html")), ex.toString());
    }

    /** The README's quick start: every method on the bundled samples; "all" keeps CAM only for GAP heads. */
    @Test
    void allMethodsOnTheSamplesAndCamDroppedForFcHeads(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo-out");
        CliRun ex = CliRun.of("explain", SAMPLES.resolve("canvas-sneaker.png").toString(), "--weights", "demo", "--method", "all",
                "--augment-copies", "8", "-q", "--report", "--out", out.toString());
        assertEquals(0, ex.exit(), ex.toString());
        Path img = out.resolve("canvas-sneaker");
        int cls = 7;
        for (String m : org.gradcam4j.method.Method.all(true).stream().map(org.gradcam4j.method.Method::token).toList()) {
            assertTrue(Files.isRegularFile(img.resolve(m + "-c" + cls + ".png")) || anyClassFile(img, m), m + " written: " + ex);
        }
        Path out2 = dir.resolve("fc-out");
        CliRun fc = CliRun.of("explain", SAMPLES.resolve("canvas-sneaker.png").toString(), "--weights", "random:narrow", "--method", "all",
                "--augment-copies", "4", "-q", "--out", out2.toString());
        assertEquals(0, fc.exit(), fc.toString());
        Path img2 = out2.resolve("canvas-sneaker");
        assertTrue(!anyClassFile(img2, "cam") && anyClassFile(img2, "gradcam") && anyClassFile(img2, "augmented-tv"), fc.toString());
    }

    private static boolean anyClassFile(Path dir, String method) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().matches(java.util.regex.Pattern.quote(method) + "-c\\d+\\.png"));
        }
    }
}
