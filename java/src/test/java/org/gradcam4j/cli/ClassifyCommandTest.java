package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifyCommandTest {
    @TempDir Path root;

    @BeforeEach
    void images() throws IOException {
        CliRun.image(root.resolve("x.PNG"), 40, 30, "png"); // upper-case extension is found
        CliRun.image(root.resolve("y.bmp"), 32, 32, "bmp");
        Files.write(root.resolve("broken.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1, 2, 3});
    }

    @Test
    void jsonParsesAndListsTopKPerImage() throws IOException {
        CliRun r = CliRun.of("classify", root.toString(), "--weights", "random:narrow", "--top-k", "3", "--json", "--batch", "1", "-q");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("broken.jpg"), r.toString());
        assertTrue(r.err().contains("3 images: 2 classified, 1 failed"), r.toString());
        JsonNode doc = Json.MAPPER.readTree(r.out());
        assertEquals("narrow", doc.get("model").get("architecture").asText());
        JsonNode images = doc.get("images");
        assertEquals(3, images.size());
        // sorted by path: broken.jpg, x.PNG, y.bmp
        assertTrue(images.get(0).get("image").asText().endsWith("broken.jpg"));
        assertTrue(images.get(0).has("error"));
        for (int i = 1; i < 3; i++) {
            JsonNode preds = images.get(i).get("predictions");
            assertEquals(3, preds.size());
            double previous = Double.POSITIVE_INFINITY;
            for (JsonNode p : preds) {
                double prob = p.get("probability").asDouble();
                assertTrue(prob >= 0 && prob <= 1 && prob <= previous, r.out());
                previous = prob;
                assertTrue(p.get("index").asInt() >= 0 && p.get("index").asInt() < 10);
            }
        }
        assertEquals(40, images.get(1).get("width").asInt());
    }

    @Test
    void textOutputForGoodImages() {
        CliRun r = CliRun.of("classify", root.resolve("x.PNG").toString(), root.resolve("y.bmp").toString(),
                "--weights", "random:narrow", "--top-k", "2");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("x.PNG") && r.out().contains("y.bmp"), r.toString());
        assertTrue(r.out().contains("  1. ") && r.out().contains("  2. ") && !r.out().contains("  3. "), r.toString());
        assertTrue(r.err().contains("2 images: 2 classified, 0 failed"), r.toString());
    }

    @Test
    void resizeNoneRejectsWrongSizesOneByOne() {
        CliRun r = CliRun.of("classify", root.resolve("x.PNG").toString(), root.resolve("y.bmp").toString(),
                "--weights", "random:narrow", "--resize", "none", "--batch", "2");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("x.PNG"), r.toString());
        assertTrue(r.out().contains("y.bmp"), r.toString());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, CliRun.of("classify", root.toString(), "--weights", "random:narrow", "--top-k", "0").exit());
        assertEquals(2, CliRun.of("classify", root.toString(), "--weights", "random:narrow", "--device", "tpu").exit());
        assertEquals(2, CliRun.of("classify", root.toString(), "--weights", "random:narrow", "--arch", "vgg19").exit());
        assertEquals(2, CliRun.of("classify", root.toString(), "--weights", "random:narrow", "--device", "cuda").exit());
    }
}
