package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.gradcam4j.io.Npz;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradcam4j explain} end to end on the 32 x 32 random network: the output contract (names, shapes,
 * summary.json), failure handling, --resume, and the errors that must come before any work.
 */
class ExplainCommandTest {
    @TempDir Path root;
    Path in, out;

    @BeforeEach
    void images() throws IOException {
        in = root.resolve("in");
        out = root.resolve("out");
        CliRun.image(in.resolve("a.png"), 40, 30, "png");          // landscape: crop and map back
        CliRun.image(in.resolve("b.jpg"), 32, 32, "jpg");          // network size
        CliRun.image(in.resolve("sub/a.png"), 32, 32, "png");      // same name as a.png: disambiguated
        Files.write(in.resolve("bad.png"), "not an image at all".getBytes(StandardCharsets.US_ASCII)); // corrupt, image extension
        Files.writeString(in.resolve("notes.txt"), "not an input");  // no image extension: not picked up
    }

    private CliRun explain(String... extra) {
        List<String> args = new ArrayList<>(List.of("explain", in.toString(), "--weights", "random:narrow", "--out", out.toString(), "-q"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static final String[] FULL = {"--method", "gradcam,hirescam,guided,guided-gradcam", "--top-k", "2",
            "--save", "png,npz,json", "--panel", "--batch", "2"};

    @Test
    void writesTheContractReportsTheBadFileAndResumes() throws IOException {
        CliRun r = explain(FULL);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("4 images: 3 explained, 0 skipped (complete), 1 failed"), r.toString());
        assertTrue(r.err().contains("bad.png"), r.toString());
        assertFalse(r.err().contains("notes.txt"), r.toString());
        assertEquals(Set.of("a", "a_sub", "b"), listNames(out));

        checkImage(out.resolve("a"), 40, 30, in.resolve("a.png"));
        checkImage(out.resolve("a_sub"), 32, 32, in.resolve("sub/a.png"));
        checkImage(out.resolve("b"), 32, 32, in.resolve("b.jpg"));

        // everything complete: all skipped
        CliRun again = explain(withResume(FULL));
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.out().contains("4 images: 0 explained, 3 skipped (complete), 1 failed"), again.toString());

        // one output gone: just that image again
        JsonNode summary = Json.MAPPER.readTree(out.resolve("b/summary.json").toFile());
        Path victim = out.resolve("b").resolve(summary.get("files").get(0).asText());
        Files.delete(victim);
        CliRun third = explain(withResume(FULL));
        assertTrue(third.out().contains("4 images: 1 explained, 2 skipped (complete), 1 failed"), third.toString());
        assertTrue(Files.exists(victim));

        // another method list: nothing is complete for it, every image is redone with the new methods
        String[] other = FULL.clone();
        other[1] = "gradcam,guided";
        CliRun fourth = explain(withResume(other));
        assertTrue(fourth.out().contains("4 images: 3 explained, 0 skipped (complete), 1 failed"), fourth.toString());
        JsonNode redone = Json.MAPPER.readTree(out.resolve("a/summary.json").toFile());
        assertEquals("[\"gradcam\",\"guided\"]", redone.get("methods").toString());
        Set<String> listed = new TreeSet<>();
        redone.get("files").forEach(f -> listed.add(f.asText()));
        listed.add("summary.json");
        assertEquals(listed, listNames(out.resolve("a")), "the earlier run's hirescam files are gone");
    }

    private static String[] withResume(String[] args) {
        List<String> l = new ArrayList<>(List.of(args));
        l.add("--resume");
        return l.toArray(String[]::new);
    }

    /** One image's folder against the contract: names, sizes, npz shapes, summary.json. */
    private static void checkImage(Path dir, int width, int height, Path source) throws IOException {
        JsonNode s = Json.MAPPER.readTree(dir.resolve("summary.json").toFile());
        assertEquals(source.toString(), s.get("image").asText());
        assertEquals(width, s.get("width").asInt());
        assertEquals(height, s.get("height").asInt());
        assertEquals("narrow", s.get("model").get("architecture").asText());
        assertTrue(s.get("model").get("source").asText().startsWith("random:narrow"));
        assertEquals("crop", s.get("preprocessing").get("resize").asText());
        assertEquals("BGR", s.get("preprocessing").get("channelOrder").asText());
        assertEquals(3, s.get("preprocessing").get("mean").size());
        assertEquals("block5_conv3", s.get("layer").asText());
        assertEquals(5, s.get("predictions").size());
        JsonNode classes = s.get("classes");
        assertEquals(2, classes.size());
        // top-2 classes are the top-2 predictions, in order
        assertEquals(s.get("predictions").get(0).get("index").asInt(), classes.get(0).get("index").asInt());
        assertEquals(s.get("predictions").get(1).get("index").asInt(), classes.get(1).get("index").asInt());

        Set<String> expected = new TreeSet<>();
        for (JsonNode c : classes) {
            int k = c.get("index").asInt();
            assertTrue(c.get("logit").isNumber() && c.get("probability").isNumber());
            assertTrue(c.get("maps").get("gradcam").has("empty"));
            assertTrue(c.get("maps").get("hirescam").has("empty"));
            for (String m : List.of("gradcam", "hirescam", "guided", "guided-gradcam")) {
                expected.add(m + "-c" + k + ".png");
                expected.add(m + "-c" + k + ".npz");
            }
            expected.add("panel-c" + k + ".png");

            // CAM family: overlay on the original image; layer_map (h x w), weights (C) except hirescam, map (H x W)
            assertSize(dir.resolve("gradcam-c" + k + ".png"), width, height);
            Npz.Contents g = Npz.read(dir.resolve("gradcam-c" + k + ".npz"));
            assertArrayEquals(new int[] {2, 2}, g.get("layer_map").shape());
            assertArrayEquals(new int[] {32}, g.get("weights").shape());
            assertArrayEquals(new int[] {height, width}, g.get("map").shape());
            assertFinite(g.tensor("map"));
            Npz.Contents h = Npz.read(dir.resolve("hirescam-c" + k + ".npz"));
            assertEquals(Set.of("layer_map", "map"), h.names());
            // gradient family at network size, HWC
            assertSize(dir.resolve("guided-c" + k + ".png"), 32, 32);
            assertArrayEquals(new int[] {32, 32, 3}, Npz.read(dir.resolve("guided-c" + k + ".npz")).get("grad").shape());
            Npz.Contents gg = Npz.read(dir.resolve("guided-gradcam-c" + k + ".npz"));
            assertEquals(Set.of("map"), gg.names());
            assertArrayEquals(new int[] {32, 32, 3}, gg.get("map").shape());
            assertTrue(Files.size(dir.resolve("panel-c" + k + ".png")) > 0);
        }
        Set<String> listed = new TreeSet<>();
        s.get("files").forEach(f -> listed.add(f.asText()));
        assertEquals(expected, listed);
        listed.add("summary.json");
        assertEquals(listed, listNames(dir), "the folder holds exactly the listed files and summary.json");
    }

    @Test
    void gradientHwcIsTheTransposeOfTheTensor() {
        Tensor chw = new Tensor(new float[] {1, 2, 3, 4, 10, 20, 30, 40, 100, 200, 300, 400}, 3, 2, 2);
        Tensor hwc = ExplanationWriter.toHwc(chw);
        assertArrayEquals(new int[] {2, 2, 3}, hwc.shape());
        assertArrayEquals(new float[] {1, 10, 100, 2, 20, 200, 3, 30, 300, 4, 40, 400}, hwc.data());
    }

    @Test
    void explicitClassesByIndexAndNameAndJsonOnlySave() throws IOException {
        CliRun r = explain("--class", "3,class7", "--save", "json,png", "--method", "gradcampp");
        assertEquals(1, r.exit(), r.toString());
        try (Stream<Path> s = Files.list(out.resolve("b"))) {
            assertEquals(Set.of("gradcampp-c3.png", "gradcampp-c7.png", "summary.json"),
                    new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
    }

    @Test
    void unknownMethodClassLayerAreUsageErrorsBeforeAnyWork() {
        CliRun m = explain("--method", "gradcam,bogus");
        assertEquals(2, m.exit(), m.toString());
        assertTrue(m.err().contains("bogus"), m.toString());
        CliRun c = explain("--class", "nosuchclass");
        assertEquals(2, c.exit(), c.toString());
        assertTrue(c.err().contains("nosuchclass"), c.toString());
        CliRun ci = explain("--class", "12");
        assertEquals(2, ci.exit(), ci.toString());
        assertTrue(ci.err().contains("12"), ci.toString());
        CliRun l = explain("--layer", "block9_conv1");
        assertEquals(2, l.exit(), l.toString());
        assertTrue(l.err().contains("block9_conv1"), l.toString());
        CliRun cam = explain("--method", "cam");
        assertEquals(2, cam.exit(), cam.toString());
        assertTrue(cam.err().contains("CAM"), cam.toString());
        assertFalse(Files.exists(out), "nothing written before the checks");
    }

    @Test
    void otherUsageErrors() {
        assertEquals(2, CliRun.of("explain").exit(), "no inputs");
        assertEquals(2, explain("--class", "1", "--top-k", "2").exit());
        assertEquals(2, explain("--save", "gif").exit());
        assertEquals(2, explain("--save", "png", "--resume").exit());
        assertEquals(2, explain("--opacity", "1.5").exit());
        assertEquals(2, explain("--colormap", "rainbow").exit());
        assertEquals(2, explain("--batch", "0").exit());
        assertEquals(2, CliRun.of("explain", in.toString(), "--weights", "random:vgg13", "--out", out.toString()).exit());
        assertEquals(2, explain("--resize", "stretch").exit());
        CliRun empty = CliRun.of("explain", root.resolve("nothing-here.png").toString(), "--weights", "random:narrow",
                "--out", out.toString());
        assertEquals(1, empty.exit(), empty.toString()); // a named path that does not exist is a failed input
    }

    @Test
    void emptyFolderIsAUsageError() throws IOException {
        Path dir = Files.createDirectories(root.resolve("empty"));
        CliRun r = CliRun.of("explain", dir.toString(), "--weights", "random:narrow", "--out", out.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("no images found"), r.toString());
    }

    @Test
    void missingWeightsFileIsAModelError() {
        Path missing = root.resolve("missing.h5");
        CliRun r = CliRun.of("explain", in.toString(), "--weights", missing.toString(), "--out", out.toString());
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.err().contains(missing.toString()), r.toString());
    }

    @Test
    void unwritableOutNamesThePath() throws IOException {
        Path blocker = Files.writeString(root.resolve("blocker"), "a file where the output folder should be");
        CliRun r = CliRun.of("explain", in.toString(), "--weights", "random:narrow", "--out", blocker.toString(), "-q");
        assertEquals(5, r.exit(), r.toString());
        assertTrue(r.err().contains(blocker.toString()), r.toString());
        Path below = blocker.resolve("sub");
        CliRun r2 = CliRun.of("explain", in.toString(), "--weights", "random:narrow", "--out", below.toString(), "-q");
        assertEquals(5, r2.exit(), r2.toString());
        assertTrue(r2.err().contains(below.toString()), r2.toString());
    }

    @Test
    void outputFolderInsideTheInputIsNotReadAsInput() throws IOException {
        Path inner = in.resolve("results");
        CliRun first = CliRun.of("explain", in.toString(), "--weights", "random:narrow", "--out", inner.toString(), "-q");
        assertTrue(first.out().contains("4 images"), first.toString());
        CliRun second = CliRun.of("explain", in.toString(), "--weights", "random:narrow", "--out", inner.toString(), "-q");
        assertTrue(second.out().contains("4 images"), second.toString());
    }

    @Test
    void listFileResolvesRelativeToItself() throws IOException {
        Path lists = Files.createDirectories(root.resolve("lists"));
        Path list = Files.writeString(lists.resolve("list.txt"), "# two images\n../in/b.jpg\n\n  ../in/sub/a.png  \n");
        CliRun r = CliRun.of("explain", "@" + list, "--weights", "random:narrow", "--out", out.toString(), "-q");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("2 images: 2 explained, 0 skipped (complete), 0 failed"), r.toString());
        assertEquals(Set.of("a", "b"), listNames(out));
        CliRun missing = CliRun.of("explain", "@" + lists.resolve("nope.txt"), "--weights", "random:narrow");
        assertEquals(2, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("nope.txt"), missing.toString());
    }

    private static Set<String> listNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static void assertSize(Path png, int w, int h) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(w, img.getWidth(), png.toString());
        assertEquals(h, img.getHeight(), png.toString());
    }

    private static void assertFinite(Tensor t) {
        for (float v : t.data()) assertTrue(Float.isFinite(v));
    }
}
