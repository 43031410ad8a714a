package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelined loop (decode ahead, write behind) against the sequential one ({@code --sequential}): the same files
 * with the same bytes, the same summaries, the same messages in the same order, the same exit codes, with bad files
 * among the inputs and with {@code --resume} after outputs were lost; for {@code explain}, {@code classify},
 * {@code eval} (whose bad files fail alone: the scores are those of the data without them) and {@code localize}
 * (whose file stops before a bad image, and resumes there once it is fixed).
 */
class PipelinedExplainTest {
    @TempDir Path dir;
    Path in;

    @BeforeEach
    void images() throws IOException {
        in = dir.resolve("in");
        // 11 readable images of mixed sizes and formats, batches of 3, and two bad files between them in name order
        int[][] sizes = {{40, 30}, {32, 32}, {50, 64}, {33, 47}, {64, 40}, {32, 90}, {71, 35}, {45, 45}, {36, 52}, {80, 60}, {31, 33}};
        for (int i = 0; i < sizes.length; i++) {
            String fmt = i % 3 == 1 ? "jpg" : "png";
            CliRun.image(in.resolve(String.format("img%02d.%s", i, fmt)), sizes[i][0], sizes[i][1], fmt);
        }
        Files.write(in.resolve("img03b.png"), "not an image at all".getBytes(StandardCharsets.US_ASCII));
        Files.write(in.resolve("img07b.jpg"), new byte[0]);
    }

    private CliRun explain(Path out, boolean sequential, String... extra) {
        List<String> args = new ArrayList<>(List.of("explain", in.toString(), "--weights", "random:narrow", "--out", out.toString(), "-q",
                "--batch", "3", "--method", "gradcam,gradcampp,guided", "--top-k", "2", "--save", "png,npz,json", "--panel", "--boxes"));
        if (sequential) args.add("--sequential");
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void pipelinedExplainWritesWhatTheSequentialLoopWrites() throws IOException {
        Path seq = dir.resolve("seq"), pip = dir.resolve("pip");
        CliRun s = explain(seq, true), p = explain(pip, false);
        assertSameRun(s, p);
        assertEquals(Main.EXIT_SOME_FAILED, p.exit(), p.toString());
        assertTrue(p.out().contains("13 images: 11 explained, 0 skipped (complete), 2 failed"), p.toString());
        assertSameTree(seq, pip);

        // lose some outputs the same way in both, then resume both
        for (Path out : List.of(seq, pip)) {
            Files.delete(out.resolve("img02").resolve("summary.json"));
            Files.delete(out.resolve("img09").resolve("gradcam-c" + firstClass(out.resolve("img09")) + ".png"));
            Files.writeString(out.resolve("img05").resolve("summary.json"), "{ damaged");
        }
        CliRun s2 = explain(seq, true, "--resume"), p2 = explain(pip, false, "--resume");
        assertSameRun(s2, p2);
        assertTrue(p2.out().contains("13 images: 3 explained, 8 skipped (complete), 2 failed"), p2.toString());
        assertSameTree(seq, pip);
    }

    @Test
    void pipelinedClassifyPrintsWhatTheSequentialLoopPrints() {
        for (boolean json : List.of(false, true)) {
            List<String> args = new ArrayList<>(List.of("classify", in.toString(), "--weights", "random:narrow", "-q", "--batch", "3", "--top-k", "3"));
            if (json) args.add("--json");
            String was = System.getProperty("gradcam4j.pipeline");
            CliRun p = CliRun.of(args.toArray(String[]::new));
            System.setProperty("gradcam4j.pipeline", "false");
            CliRun s;
            try {
                s = CliRun.of(args.toArray(String[]::new));
            } finally {
                if (was == null) System.clearProperty("gradcam4j.pipeline");
                else System.setProperty("gradcam4j.pipeline", was);
            }
            assertSameRun(s, p);
            assertEquals(Main.EXIT_SOME_FAILED, p.exit(), p.toString());
        }
    }

    /** The files of {@link #images} in name order, with their sizes (0 x 0: the two bad files). */
    private static final String[] NAMES = {"img00.png", "img01.jpg", "img02.png", "img03.png", "img03b.png", "img04.jpg", "img05.png",
        "img06.png", "img07.jpg", "img07b.jpg", "img08.png", "img09.png", "img10.jpg"};

    private CliRun eval(Path data, boolean sequential) {
        List<String> args = new ArrayList<>(List.of("eval", "--data", data.toString(), "--weights", "random:narrow", "-q", "--batch", "3",
                "--methods", "gradcam,gradcampp,guided-gradcam", "--fidelity-images", "5", "--steps", "3"));
        if (sequential) args.add("--sequential");
        return CliRun.of(args.toArray(String[]::new));
    }

    /** boxes.csv in {@code data} for the images of {@link #images} whose name passes, in name order; classes and boxes made up. */
    private void boxes(Path data, String prefix, java.util.function.Predicate<String> keep) throws IOException {
        List<String> lines = new ArrayList<>(List.of("file,class,xmin,ymin,xmax,ymax"));
        for (int i = 0; i < NAMES.length; i++) {
            if (keep.test(NAMES[i])) lines.add(prefix + NAMES[i] + "," + (i % 10) + "," + (i % 4) + ",2," + (20 + i) + "," + (25 - i % 3));
        }
        Files.createDirectories(data);
        Files.write(data.resolve("boxes.csv"), lines);
    }

    @Test
    void pipelinedEvalScoresWhatTheSequentialLoopScoresAndABadFileFailsAlone() throws IOException {
        boxes(in, "", n -> true);
        CliRun s = eval(in, true), p = eval(in, false);
        assertSameRun(s, p);
        assertEquals(Main.EXIT_SOME_FAILED, p.exit(), p.toString());
        assertTrue(p.out().contains(", 11 images (2 more could not be read); "), p.toString());
        assertTrue(p.out().contains("fidelity on 5 images, 3 steps"), p.toString());
        assertTrue(p.err().contains("img03b.png") && p.err().contains("img07b.jpg"), p.toString());

        // failing alone: the scores are those of the same data without the two bad files (the batches are cut alike,
        // and the fidelity images are the first five read)
        Path good = dir.resolve("good");
        boxes(good, "../in/", n -> !n.contains("b."));
        CliRun g = eval(good, false);
        assertEquals(Main.EXIT_OK, g.exit(), g.toString());
        assertTrue(g.out().contains(", 11 images; "), g.toString());
        assertEquals(table(g.out()), table(p.out()));
        assertEquals(g.out().replaceAll("(?s).*(classification accuracy [0-9.]+;).*", "$1"),
                p.out().replaceAll("(?s).*(classification accuracy [0-9.]+;).*", "$1"));
        assertEquals(5, table(p.out()).size(), p.toString());
    }

    private static List<String> table(String out) {
        return out.lines().filter(l -> l.startsWith("|")).toList();
    }

    private CliRun localize(Path sub, boolean sequential) {
        List<String> args = new ArrayList<>(List.of("localize", in.toString(), "--out", sub.toString(), "--ids", "index", "--weights",
                "random:narrow", "-q", "--batch", "3", "--method", "gradcam,gradcampp"));
        if (sequential) args.add("--sequential");
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void pipelinedLocalizeWritesWhatTheSequentialLoopWritesAndResumesAlike() throws IOException {
        Path seq = dir.resolve("seq"), pip = dir.resolve("pip");
        Files.createDirectories(seq);
        Files.createDirectories(pip);
        CliRun s = localize(seq.resolve("sub.txt"), true), p = localize(pip.resolve("sub.txt"), false);
        assertSameRun(named(s, seq), named(p, pip));
        assertEquals(Main.EXIT_SOME_FAILED, p.exit(), p.toString());
        // the file stops before the first bad image (the fifth, in the middle of the second batch of 3)
        assertTrue(p.out().contains("13 images: 4 localized, 0 already in sub.txt"), p.toString());
        assertTrue(p.err().contains("cannot read image 5 (") && p.err().contains("img03b.png"), p.toString());
        assertSameTree(seq, pip, 3);
        List<String> first = Files.readAllLines(pip.resolve("sub.gradcam.txt"));
        assertEquals(4, first.size());

        // fix the first bad image: both resume after their four lines and stop before the other bad one
        CliRun.image(in.resolve("img03b.png"), 44, 38, "png");
        CliRun s2 = localize(seq.resolve("sub.txt"), true), p2 = localize(pip.resolve("sub.txt"), false);
        assertSameRun(named(s2, seq), named(p2, pip));
        assertTrue(p2.out().contains("13 images: 5 localized, 4 already in sub.txt"), p2.toString());
        assertTrue(p2.err().contains("cannot read image 10 (") && p2.err().contains("img07b.jpg"), p2.toString());
        assertSameTree(seq, pip, 3);
        List<String> resumed = Files.readAllLines(pip.resolve("sub.gradcam.txt"));
        assertEquals(9, resumed.size());
        assertEquals(first, resumed.subList(0, 4));
    }

    /** The run with its output folder's name replaced by OUT (localize prints the files it wrote). */
    private static CliRun named(CliRun r, Path out) {
        return new CliRun(r.exit(), r.out().replace(out.toString(), "OUT"), r.err().replace(out.toString(), "OUT"));
    }

    private static void assertSameRun(CliRun sequential, CliRun pipelined) {
        assertEquals(sequential.exit(), pipelined.exit(), "exit\n" + sequential + "\n" + pipelined);
        assertEquals(sequential.out(), pipelined.out());
        assertEquals(sequential.err(), pipelined.err());
    }

    private static String firstClass(Path imageDir) throws IOException {
        try (Stream<Path> s = Files.list(imageDir)) {
            String name = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("gradcam-c") && n.endsWith(".png")).sorted()
                    .findFirst().orElseThrow();
            return name.substring("gradcam-c".length(), name.length() - 4);
        }
    }

    private static void assertSameTree(Path a, Path b) throws IOException {
        assertSameTree(a, b, 11 * 8 + 1);
    }

    private static void assertSameTree(Path a, Path b, int leastFiles) throws IOException {
        Map<String, byte[]> ta = tree(a), tb = tree(b);
        assertEquals(ta.keySet(), tb.keySet());
        assertTrue(ta.size() >= leastFiles, "files: " + ta.size());
        for (String k : ta.keySet()) {
            byte[] x = ta.get(k), y = tb.get(k);
            if (k.endsWith(".npz")) {
                // a zip: its entries carry the time they were written, so compare the entries' names and bytes
                x = zipEntries(x);
                y = zipEntries(y);
            }
            if (k.endsWith("summary.json")) {
                // the only difference allowed: the output folder's own name, where a summary names it (it does not today)
                x = new String(x, StandardCharsets.UTF_8).replace(a.toString(), "OUT").getBytes(StandardCharsets.UTF_8);
                y = new String(y, StandardCharsets.UTF_8).replace(b.toString(), "OUT").getBytes(StandardCharsets.UTF_8);
            }
            assertArrayEquals(x, y, k);
        }
    }

    private static byte[] zipEntries(byte[] zip) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipInputStream z = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (java.util.zip.ZipEntry e; (e = z.getNextEntry()) != null; ) {
                all.write(e.getName().getBytes(StandardCharsets.UTF_8));
                all.write(z.readAllBytes());
            }
        }
        return all.toByteArray();
    }

    private static Map<String, byte[]> tree(Path root) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) m.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
        return m;
    }
}
