package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.gradcam4j.io.Npz;
import org.gradcam4j.method.Method;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The methods of docs/ALGORITHMS.md section 8 through {@code explain} on the 32 x 32 random network: a folder of
 * images with top-k classes, given classes, and the npz contract (map-type: {@code layer_map}, {@code map}, and
 * {@code weights} where the method has channel weights; gradient-type: {@code grad}).
 */
class NewMethodsCommandTest {
    @TempDir Path root;

    private Path images() throws IOException {
        Path in = root.resolve("in");
        CliRun.image(in.resolve("a.png"), 40, 30, "png");
        CliRun.image(in.resolve("b.png"), 32, 32, "png");
        return in;
    }

    private CliRun explain(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("explain", in.toString(), "--weights", "random:narrow", "--out", out.toString(), "-q",
                "--save", "png,npz,json", "--batch", "2"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"eigencam", "eigengradcam", "scorecam", "ablationcam", "occlusion", "smoothgrad", "smoothgrad-guided", "integrated-gradients"})
    void folderTopK(String token) throws IOException {
        Path in = images(), out = root.resolve("out");
        CliRun r = explain(in, out, "--method", token, "--top-k", "2", "--smooth-samples", "3", "--ig-steps", "4",
                "--occlusion-patch", "8", "--occlusion-stride", "8");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("2 images: 2 explained"), r.toString());
        checkImage(out.resolve("a"), Method.parse(token), 40, 30, 2);
        checkImage(out.resolve("b"), Method.parse(token), 32, 32, 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eigencam", "eigengradcam", "scorecam", "ablationcam", "occlusion", "smoothgrad", "smoothgrad-guided", "integrated-gradients"})
    void givenClassesTogetherWithGradCam(String token) throws IOException {
        Path in = images(), out = root.resolve("out");
        CliRun r = explain(in, out, "--method", token + ",gradcam", "--class", "3,7", "--smooth-samples", "2", "--ig-steps", "3",
                "--occlusion-patch", "8", "--occlusion-stride", "8");
        assertEquals(0, r.exit(), r.toString());
        for (String img : List.of("a", "b")) {
            for (int k : new int[] {3, 7}) {
                assertTrue(Files.isRegularFile(out.resolve(img).resolve(token + "-c" + k + ".npz")), img + " class " + k);
                assertTrue(Files.isRegularFile(out.resolve(img).resolve("gradcam-c" + k + ".npz")), img + " class " + k);
            }
        }
        checkImage(out.resolve("a"), Method.parse(token), 40, 30, 2);
        checkImage(out.resolve("b"), Method.parse(token), 32, 32, 2);
        JsonNode s = Json.MAPPER.readTree(out.resolve("a").resolve("summary.json").toFile());
        assertEquals(3, s.get("classes").get(0).get("index").asInt());
        assertEquals(7, s.get("classes").get(1).get("index").asInt());
    }

    /** The files of one method for each class of summary.json, and their arrays. */
    static void checkImage(Path dir, Method m, int width, int height, int classes) throws IOException {
        JsonNode s = Json.MAPPER.readTree(dir.resolve("summary.json").toFile());
        assertEquals(classes, s.get("classes").size());
        Set<String> listed = new TreeSet<>();
        s.get("files").forEach(f -> listed.add(f.asText()));
        for (JsonNode c : s.get("classes")) {
            int k = c.get("index").asInt();
            String base = m.token() + "-c" + k;
            assertTrue(listed.contains(base + ".png") && listed.contains(base + ".npz"), listed.toString());
            Npz.Contents z = Npz.read(dir.resolve(base + ".npz"));
            if (m.isGradient()) {
                Set<String> want = new TreeSet<>(Set.of("grad"));
                if (m == Method.INTEGRATED_GRADIENTS) {
                    want.add("completeness_gap");
                    JsonNode gap = c.get("gradients").get(m.token()).get("completenessGap");
                    assertTrue(gap.isNumber() && Double.isFinite(gap.asDouble()), c.toString());
                    // the npz holds the same gap as summary.json (float32 there)
                    assertEquals(gap.asDouble(), z.tensor("completeness_gap").data()[0], 1e-6 * Math.max(1, Math.abs(gap.asDouble())), base);
                }
                assertEquals(want, new TreeSet<>(z.names()));
                assertArrayEquals(new int[] {32, 32, 3}, z.get("grad").shape());
                assertFinite(z.tensor("grad"));
            } else {
                Set<String> want = new TreeSet<>(Set.of("layer_map", "map"));
                if (m.hasChannelWeights()) want.add("weights");
                assertEquals(want, new TreeSet<>(z.names()));
                assertArrayEquals(new int[] {height, width}, z.get("map").shape());
                // layer_map at the layer: block5_conv3 of random:narrow (32 pixels, 32 channels there) is 2 x 2; Occlusion's
                // is its grid of patch positions, 4 x 4 for the 8-pixel patch every 8 pixels these tests use
                int side = m == Method.OCCLUSION ? 4 : 2;
                assertArrayEquals(new int[] {side, side}, z.get("layer_map").shape(), base);
                assertFinite(z.tensor("layer_map"));
                if (m.hasChannelWeights()) {
                    assertArrayEquals(new int[] {32}, z.get("weights").shape(), base + " weights: one per channel");
                    assertFinite(z.tensor("weights"));
                }
                assertFinite(z.tensor("map"));
                assertTrue(c.get("maps").get(m.token()).has("empty"));
            }
        }
    }

    static void assertFinite(Tensor t) {
        for (float v : t.data()) assertTrue(Float.isFinite(v), "non-finite value " + v);
    }

    @org.junit.jupiter.api.Test
    void scoreCamPaperFormAndABadForm() throws IOException {
        Path in = images(), out = root.resolve("out");
        CliRun r = explain(in, out, "--method", "scorecam", "--scorecam-form", "paper");
        assertEquals(0, r.exit(), r.toString());
        checkImage(out.resolve("b"), Method.SCORECAM, 32, 32, 1);
        CliRun bad = explain(in, root.resolve("out2"), "--method", "scorecam", "--scorecam-form", "papr");
        assertEquals(2, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("papr") && bad.err().contains("pytorch-grad-cam or paper"), bad.toString());
        assertTrue(!Files.exists(root.resolve("out2")), "nothing written before the options are checked");
    }

    @org.junit.jupiter.api.Test
    void badSamplingOptionsAreUsageErrors() throws IOException {
        Path in = images();
        for (String[] bad : new String[][] {{"--smooth-variant", "median"}, {"--smooth-samples", "0"}, {"--ig-steps", "1"},
                {"--ig-method", "simpson"}, {"--ig-baseline", "grey"}, {"--occlusion-stride", "0"}}) {
            CliRun r = explain(in, root.resolve("bad"), "--method", "smoothgrad", bad[0], bad[1]);
            assertEquals(2, r.exit(), String.join(" ", bad) + ": " + r);
            assertTrue(r.err().contains("method options"), r.toString());
        }
    }

    @org.junit.jupiter.api.Test
    void occlusionPatchLargerThanTheInputIsAUsageError() throws IOException {
        CliRun r = explain(images(), root.resolve("big"), "--method", "occlusion", "--occlusion-patch", "40");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("patch 40 is larger than the network input (32)"), r.toString());
        assertTrue(!Files.exists(root.resolve("big").resolve("a")), "no image explained");
    }

    /** A single image file as the input, every new method in one run. */
    @org.junit.jupiter.api.Test
    void singleImageEveryNewMethod() throws IOException {
        Path in = images(), out = root.resolve("single");
        List<Method> added = List.of(Method.EIGENCAM, Method.EIGENGRADCAM, Method.SCORECAM, Method.ABLATIONCAM, Method.OCCLUSION,
                Method.SMOOTHGRAD, Method.SMOOTHGRAD_GUIDED, Method.INTEGRATED_GRADIENTS);
        CliRun r = explain(in.resolve("a.png"), out, "--method", String.join(",", added.stream().map(Method::token).toList()),
                "--smooth-samples", "2", "--ig-steps", "3", "--occlusion-patch", "8", "--occlusion-stride", "8");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("1 image: 1 explained"), r.toString());
        for (Method m : added) checkImage(out.resolve("a"), m, 40, 30, 1);
    }
}
