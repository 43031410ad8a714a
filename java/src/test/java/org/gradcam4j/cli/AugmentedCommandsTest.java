package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.gradcam4j.io.Npz;
import org.gradcam4j.localize.CompetitionIds;
import org.gradcam4j.localize.Submission;
import org.gradcam4j.render.BoxOutlines;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Augmented Grad-CAM and weak localisation end to end on a real photo (the Augmented Grad-CAM paper's cat and
 * dog, MIT licence beside it in the test resources), with the 32 x 32 random network: explain with boxes, the
 * ILSVRC file with resume, scoring it, and the errors. Maps come from {@code block3_conv3} (8 x 8 at this input),
 * so the boxes have some structure; 8 copies keep it fast.
 */
class AugmentedCommandsTest {
    @TempDir Path root;
    Path in, photo, wide;

    @BeforeEach
    void images() throws IOException {
        in = root.resolve("in");
        Files.createDirectories(in);
        photo = in.resolve("cat_dog.png");
        try (InputStream s = getClass().getResourceAsStream("/org/gradcam4j/augment/cat_dog.png")) {
            Files.copy(s, photo);
        }
        // the same photo in a 300 x 224 canvas: the crop cuts 38 px left and right, boxes must come back in these pixels
        BufferedImage src = ImageIO.read(photo.toFile()), canvas = new BufferedImage(300, 224, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 224; y++) for (int x = 0; x < 300; x++) canvas.setRGB(x, y, x >= 38 && x < 262 ? src.getRGB(x - 38, y) : 0x808080);
        wide = in.resolve("wide.png");
        ImageIO.write(canvas, "png", wide.toFile());
    }

    static final String[] NET = {"--weights", "random:narrow", "--layer", "block3_conv3", "--augment-copies", "8", "-q"};

    static String[] args(String[] base, String... extra) {
        List<String> a = new ArrayList<>(List.of(base));
        a.addAll(List.of(NET));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void explainDrawsAndListsTheBoxesOfTheTvAndSingleMaps() throws IOException {
        Path out = root.resolve("out");
        CliRun r = CliRun.of(args(new String[] {"explain", photo.toString(), wide.toString(), "--out", out.toString()},
                "--method", "augmented-single,augmented-max,augmented-avg,augmented-tv", "--boxes", "--save", "png,npz,json"));
        assertEquals(0, r.exit(), r.toString());
        for (String img : List.of("cat_dog", "wide")) {
            JsonNode summary = Json.MAPPER.readTree(out.resolve(img).resolve("summary.json").toFile());
            JsonNode cls = summary.path("classes").get(0);
            int c = cls.path("index").asInt();
            int width = summary.path("width").asInt(), height = summary.path("height").asInt();
            for (String m : List.of("augmented-single", "augmented-max", "augmented-avg", "augmented-tv")) {
                JsonNode map = cls.path("maps").path(m);
                assertEquals(8, map.path("augmented").path("copies").asInt(), m);
                JsonNode boxes = map.path("localization").path("boxes");
                assertEquals(1, boxes.size(), img + " " + m + ": " + map);
                JsonNode b = boxes.get(0);
                int x0 = b.path("xmin").asInt(), y0 = b.path("ymin").asInt(), x1 = b.path("xmax").asInt(), y1 = b.path("ymax").asInt();
                assertTrue(0 <= x0 && x0 <= x1 && x1 < width && 0 <= y0 && y0 <= y1 && y1 < height, img + " " + m + ": " + b);
                if (img.equals("wide")) assertTrue(x0 >= 38 && x1 < 262, "the box must lie in the cropped part: " + b);

                // drawn: the box outline's colour on its corner pixels of the overlay
                BufferedImage png = ImageIO.read(out.resolve(img).resolve(m + "-c" + c + ".png").toFile());
                assertEquals(width, png.getWidth());
                assertEquals(BoxOutlines.DEFAULT_COLOUR, png.getRGB(x0, y0) & 0xFFFFFF, img + " " + m + " top-left corner");
                assertEquals(BoxOutlines.DEFAULT_COLOUR, png.getRGB(x1, y1) & 0xFFFFFF, img + " " + m + " bottom-right corner");

                Npz.Contents npz = Npz.read(out.resolve(img).resolve(m + "-c" + c + ".npz"));
                assertArrayEquals(new int[] {8, 8, 8}, npz.tensor("copies").shape());
                assertArrayEquals(new int[] {8}, npz.tensor("angles").shape());
                assertArrayEquals(new int[] {8, 2}, npz.tensor("shifts").shape());
                assertArrayEquals(new int[] {32, 32}, npz.tensor("aggregate").shape());
                assertArrayEquals(new int[] {height, width}, npz.tensor("map").shape());
                assertEquals(0f, npz.tensor("angles").data()[0], "copy 0 is the image itself");
            }
            JsonNode solver = cls.path("maps").path("augmented-tv").path("augmented").path("solver");
            assertEquals("default", solver.path("name").asText());
            assertTrue(solver.path("converged").asBoolean(), solver.toString());
            assertTrue(solver.path("relativeGap").asDouble() <= 1e-5, solver.toString());
        }
    }

    @Test
    void localizeWritesResumesAndScores() throws IOException {
        Path sub = root.resolve("sub.txt");
        String[] base = {"localize", in.toString(), "--out", sub.toString(), "--ids", "index"};
        CliRun r = CliRun.of(args(base, "--method", "augmented-single,augmented-tv"));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("2 images: 2 localized, 0 already"), r.toString());
        Path single = root.resolve("sub.augmented-single.txt"), tv = root.resolve("sub.augmented-tv.txt");
        List<String> tvLines = Files.readAllLines(tv);
        assertEquals(2, tvLines.size());
        assertEquals(2, Files.readAllLines(single).size());
        assertEquals(List.of(photo.toAbsolutePath().normalize().toString(), wide.toAbsolutePath().normalize().toString()),
                Files.readAllLines(root.resolve("sub.txt.inputs")), "input order: sorted by path");
        int[] widths = {224, 300};
        for (int i = 0; i < 2; i++) {
            List<Submission.Guess> g = Submission.parse(tvLines.get(i), "line " + (i + 1));
            assertEquals(5, g.size());
            for (Submission.Guess x : g) {
                assertTrue(x.classId() >= 1 && x.classId() <= 10, x.toString());
                assertTrue(x.xmax() <= widths[i] && x.ymax() <= 224, x.toString());
            }
        }

        // the same box as explain gives for that map (0-based there, 1-based here)
        Path out = root.resolve("explained");
        assertEquals(0, CliRun.of(args(new String[] {"explain", photo.toString(), "--out", out.toString()}, "--method", "augmented-tv",
                "--boxes")).exit());
        JsonNode cls = Json.MAPPER.readTree(out.resolve("cat_dog/summary.json").toFile()).path("classes").get(0);
        JsonNode b = cls.path("maps").path("augmented-tv").path("localization").path("boxes").get(0);
        Submission.Guess first = Submission.parse(tvLines.get(0), "line 1").get(0);
        assertEquals(new Submission.Guess(cls.path("index").asInt() + 1, b.path("xmin").asInt() + 1, b.path("ymin").asInt() + 1,
                b.path("xmax").asInt() + 1, b.path("ymax").asInt() + 1), first);

        // resume: nothing to do; then with the last line lost, only that image again
        r = CliRun.of(args(base, "--method", "augmented-single,augmented-tv"));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("0 localized, 2 already"), r.toString());
        Files.write(tv, List.of(tvLines.get(0)));
        r = CliRun.of(args(base, "--method", "augmented-single,augmented-tv"));
        assertTrue(r.out().contains("1 localized, 1 already"), r.toString());
        assertEquals(tvLines, Files.readAllLines(tv), "the same line again");

        // score against ground truth made from the guesses: the top guess is right (class and box) for image 1;
        // image 2's label is a class none of its guesses has
        CompetitionIds ids = CompetitionIds.bundled();
        Path gt = root.resolve("gt");
        Files.createDirectories(gt);
        List<Submission.Guess> g1 = Submission.parse(tvLines.get(0), "1"), g2 = Submission.parse(tvLines.get(1), "2");
        Files.writeString(gt.resolve("img_1.xml"), voc(ids.wnidOf(g1.get(0).classId()), g1.get(0)));
        Files.writeString(gt.resolve("img_2.xml"), voc(ids.wnidOf(absent(g2)), g2.get(0)));
        Path labels = root.resolve("labels.txt");
        Files.write(labels, List.of(String.valueOf(g1.get(0).classId()), String.valueOf(absent(g2))));
        r = CliRun.of("score", "--submission", tv.toString(), "--ground-truth", gt.toString(), "--labels", labels.toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        JsonNode s = Json.MAPPER.readTree(r.out());
        assertEquals(2, s.path("images").asInt());
        assertEquals(0.5, s.path("top1ClassificationError").asDouble(), 0);
        assertEquals(0.5, s.path("top5LocalizationError").asDouble(), 0);

        // malformed ground truth: a clear error naming the file, exit 2
        Files.writeString(gt.resolve("img_2.xml"), "<annotation><object>");
        r = CliRun.of("score", "--submission", tv.toString(), "--ground-truth", gt.toString(), "--labels", labels.toString());
        assertEquals(Main.EXIT_USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("img_2.xml") && r.err().contains("not well-formed"), r.toString());
    }

    /** A class id (1..10) that is not among the guesses. */
    private static int absent(List<Submission.Guess> guesses) {
        for (int c = 1; ; c++) {
            int cc = c;
            if (guesses.stream().noneMatch(g -> g.classId() == cc)) return c;
        }
    }

    private static String voc(String wnid, Submission.Guess box) {
        return "<annotation><object><name>" + wnid + "</name><bndbox><xmin>" + box.xmin() + "</xmin><ymin>" + box.ymin() + "</ymin><xmax>"
                + box.xmax() + "</xmax><ymax>" + box.ymax() + "</ymax></bndbox></object></annotation>";
    }

    /** VGG16 (random weights, 1000 ImageNet classes): competition ids through map_clsloc.txt, boxes as explain gives them. */
    @Test
    void competitionIdsOfAnImageNetModel() throws IOException {
        Path sub = root.resolve("sub.txt"), out = root.resolve("explained");
        CliRun r = CliRun.of("localize", photo.toString(), "--out", sub.toString(), "--weights", "random:vgg16", "-q");
        assertEquals(0, r.exit(), r.toString());
        r = CliRun.of("explain", photo.toString(), "--out", out.toString(), "--weights", "random:vgg16", "--top-k", "5", "--boxes", "-q");
        assertEquals(0, r.exit(), r.toString());
        JsonNode classes = Json.MAPPER.readTree(out.resolve("cat_dog/summary.json").toFile()).path("classes");
        CompetitionIds ids = CompetitionIds.bundled();
        List<Submission.Guess> expected = new ArrayList<>();
        for (JsonNode c : classes) {
            JsonNode b = c.path("maps").path("gradcam").path("localization").path("boxes").get(0);
            expected.add(new Submission.Guess(ids.idOf(c.path("id").asText()), b.path("xmin").asInt() + 1, b.path("ymin").asInt() + 1,
                    b.path("xmax").asInt() + 1, b.path("ymax").asInt() + 1));
        }
        assertEquals(5, expected.size());
        assertEquals(List.of(Submission.format(expected)), Files.readAllLines(sub));
    }

    @Test
    void competitionIdsNeedImageNetClasses() throws IOException {
        Path sub = root.resolve("sub.txt");
        CliRun r = CliRun.of(args(new String[] {"localize", photo.toString(), "--out", sub.toString()}));
        assertEquals(Main.EXIT_USAGE, r.exit(), r.toString());
        assertTrue(r.err().contains("--ids index"), r.toString());
    }

    @Test
    void seedSolverAndOptionErrors() throws IOException {
        Path out = root.resolve("out");
        CliRun r = CliRun.of(args(new String[] {"explain", photo.toString(), "--out", out.toString()}, "--method", "augmented-tv",
                "--solver", "seed", "--box-threshold", "0.3"));
        assertEquals(0, r.exit(), r.toString());
        JsonNode tv = Json.MAPPER.readTree(out.resolve("cat_dog/summary.json").toFile()).path("classes").get(0).path("maps").path("augmented-tv");
        assertEquals("seed", tv.path("augmented").path("solver").path("name").asText());
        assertEquals(200, tv.path("augmented").path("solver").path("iterations").asInt());
        assertEquals(0.3, tv.path("localization").path("threshold").asDouble(), 0, "a --box-* option turns boxes on");

        for (String[] bad : new String[][] {{"--solver", "fast"}, {"--augment-copies", "0"}, {"--box-threshold", "1.5"}, {"--method", "augmented-best"}}) {
            r = CliRun.of(args(new String[] {"explain", photo.toString(), "--out", out.toString()}, bad));
            assertEquals(Main.EXIT_USAGE, r.exit(), String.join(" ", bad) + "\n" + r);
        }
        for (String cmd : List.of("localize", "score", "bench augmented")) {
            List<String> a = new ArrayList<>(List.of(cmd.split(" ")));
            a.add("--help");
            r = CliRun.of(a.toArray(String[]::new));
            assertEquals(0, r.exit(), r.toString());
        }
    }
}
