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
 * among the inputs and with {@code --resume} after outputs were lost.
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
        Map<String, byte[]> ta = tree(a), tb = tree(b);
        assertEquals(ta.keySet(), tb.keySet());
        assertTrue(ta.size() > 11 * 8, "files: " + ta.size());
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
