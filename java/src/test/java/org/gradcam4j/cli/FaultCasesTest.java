package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.io.AtomicFiles;
import org.gradcam4j.io.Npz;
import org.gradcam4j.io.NpyArray;
import org.gradcam4j.render.PngFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 4: bad inputs and faults that used to pass silently or be misreported. */
class FaultCasesTest {
    @TempDir Path root;
    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        // lazy: a writer that failed may still hold a descriptor there (jhdf does not close its file when a write fails)
        if (mounted != null) new ProcessBuilder("umount", "-l", mounted.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    }

    @Test
    void symlinkLoopAndDanglingLinkInAFolderAreFailedInputs() throws IOException {
        Path dir = root.resolve("in");
        CliRun.image(dir.resolve("good.png"), 64, 64, "png");
        try {
            Files.createSymbolicLink(dir.resolve("a.jpg"), Path.of("b.jpg"));
            Files.createSymbolicLink(dir.resolve("b.jpg"), Path.of("a.jpg"));
            Files.createSymbolicLink(dir.resolve("gone.png"), Path.of("missing.png"));
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "no symbolic links here: " + e);
        }
        InputFiles.Expanded in = InputFiles.expand(java.util.List.of(dir.toString()), null);
        assertEquals(1, in.files().size(), in.toString());
        assertEquals(3, in.problems().size(), in.toString());
        String problems = String.join("\n", in.problems());
        assertTrue(problems.contains("a.jpg: cannot read: symbolic link loop"), problems);
        assertTrue(problems.contains("b.jpg: cannot read: symbolic link loop"), problems);
        assertTrue(problems.contains("gone.png: cannot read: dangling symbolic link (its target missing.png does not exist)"), problems);

        CliRun classify = CliRun.of("classify", dir.toString(), "--weights", "demo", "-q");
        assertEquals(Main.EXIT_SOME_FAILED, classify.exit(), classify.toString());
        assertTrue(classify.err().contains("3 images: 1 classified, 3 failed") || classify.err().contains("1 classified, 3 failed"), classify.toString());
        CliRun explain = CliRun.of("explain", dir.toString(), "--weights", "demo", "-q", "--out", root.resolve("out").toString());
        assertEquals(Main.EXIT_SOME_FAILED, explain.exit(), explain.toString());
        assertTrue(explain.out().contains("4 images: 1 explained, 0 skipped (complete), 3 failed"), explain.toString());
        assertTrue(explain.err().contains("gone.png") && explain.err().contains("a.jpg"), explain.toString());
    }

    @Test
    void truncatedPngIsCalledTruncated() throws IOException {
        Path full = CliRun.image(root.resolve("full.png"), 200, 150, "png");
        byte[] bytes = Files.readAllBytes(full);
        // cut inside the image data, inside the header chunk, and just before IEND's end: each is "truncated"
        for (int cut : new int[] {bytes.length / 2, 40, bytes.length - 20}) {
            Path t = Files.write(root.resolve("cut" + cut + ".png"), Arrays.copyOf(bytes, cut));
            ImageException e = org.junit.jupiter.api.Assertions.assertThrows(ImageException.class, () -> new ImageLoader().load(t));
            assertTrue(e.getMessage().contains("truncated PNG file: the data ends early"), cut + ": " + e.getMessage());
        }
        // a complete file with a damaged chunk length is corrupt, not truncated
        byte[] damaged = bytes.clone();
        damaged[33 + 3] ^= 0x40; // the first chunk after IHDR: its length's low byte
        Path d = Files.write(root.resolve("damaged.png"), damaged);
        ImageException e = org.junit.jupiter.api.Assertions.assertThrows(ImageException.class, () -> new ImageLoader().load(d));
        assertFalse(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void staleTemporariesOfOurNamingAreRemovedByResumeAndNormalRuns() throws IOException {
        Path img = CliRun.image(root.resolve("in").resolve("cat.png"), 64, 64, "png");
        Path out = root.resolve("out");
        CliRun first = CliRun.of("explain", img.toString(), "--weights", "demo", "-q", "--out", out.toString(), "--save", "png,npz,json");
        assertEquals(0, first.exit(), first.toString());
        // what `kill -9` during a write leaves: AtomicFiles' hidden temporaries, in the image folder and in OUT
        Path stale = Files.write(out.resolve("cat").resolve(".gradcam-c0.npz.3fa2b9c01d.tmp"), new byte[100]);
        Path staleTop = Files.write(out.resolve(".report.html.7e1.tmp"), new byte[10]);
        Path notOurs = Files.write(out.resolve("cat").resolve(".notes.tmp"), new byte[10]);
        CliRun resumed = CliRun.of("explain", img.toString(), "--weights", "demo", "-q", "--out", out.toString(), "--save", "png,npz,json", "--resume");
        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.out().contains("1 skipped (complete)"), resumed.toString());
        assertFalse(Files.exists(stale), "resume removes the killed run's temporary");
        assertFalse(Files.exists(staleTop));
        assertTrue(Files.exists(notOurs), "only temporaries of our own naming are removed");

        Files.write(stale, new byte[100]);
        CliRun again = CliRun.of("explain", img.toString(), "--weights", "demo", "-q", "--out", out.toString());
        assertEquals(0, again.exit(), again.toString());
        assertFalse(Files.exists(stale), "a normal run removes it too");
        assertFalse(Files.exists(out.resolve(ExplainCommand.LOCK_FILE)), "the lock file goes with the run");
    }

    @Test
    void aSecondRunOnTheSameOutIsRefusedNamingTheHoldersPid() throws Exception {
        Path img = CliRun.image(root.resolve("in").resolve("cat.png"), 64, 64, "png");
        Path out = root.resolve("out");
        Files.createDirectories(out);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process holder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                OutLockHolder.class.getName(), out.resolve(ExplainCommand.LOCK_FILE).toString()).redirectErrorStream(true).start();
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", said.readLine());
            CliRun second = CliRun.of("explain", img.toString(), "--weights", "demo", "-q", "--out", out.toString(), "--method", "gradcampp");
            assertEquals(Main.EXIT_OUTPUT, second.exit(), second.toString());
            assertTrue(second.err().contains("another gradcam4j run (pid " + holder.pid() + ") is writing to this folder"), second.toString());
            assertFalse(Files.exists(out.resolve("cat")), "the refused run wrote nothing");
        } finally {
            try (OutputStream stdin = holder.getOutputStream()) {
                stdin.flush();
            }
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(0, holder.exitValue());
        assertFalse(Files.exists(out.resolve(ExplainCommand.LOCK_FILE)), "the holder removed its lock file");
        CliRun after = CliRun.of("explain", img.toString(), "--weights", "demo", "-q", "--out", out.toString(), "--method", "gradcampp");
        assertEquals(0, after.exit(), after.toString());
    }

    @Test
    void runningOutOfMemoryIsExit7WithHowToGiveJavaMore() throws Exception {
        Path img = CliRun.image(root.resolve("in").resolve("cat.png"), 64, 64, "png");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // VGG16's 138 M random parameters (553 MB) cannot fit a 64 MiB heap
        Process p = new ProcessBuilder(java.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "classify", img.toString(), "--weights", "random:vgg16", "--threads", "1")
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), said);
        assertEquals(Main.EXIT_MEMORY, p.exitValue(), said);
        assertTrue(said.contains("error: out of memory (Java heap space") && said.contains("GRADCAM4J_JAVA_OPTS=-Xmx"), said);
        assertFalse(said.contains("\tat "), "no stack trace: " + said);
    }

    /** A tiny tmpfs (needs root and mount permission; skipped otherwise) filled to the last {@code free} bytes. */
    private Path fullFileSystem(long free) throws Exception {
        Path fs = Files.createDirectories(root.resolve("fs"));
        boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(root, "making a small file system needs root");
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", fs.toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "cannot mount a tmpfs here: " + said);
        mounted = fs;
        Path filler = fs.resolve("filler");
        try (OutputStream o = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            while (true) o.write(block);
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        }
        try (var ch = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Math.max(0, ch.size() - free));
        }
        return fs;
    }

    @Test
    void aFullDiskIsNamedForEveryOutputKind() throws Exception {
        Path fs = fullFileSystem(0);
        String full = "No space left on device";
        BufferedImage img = new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(3);
        for (int y = 0; y < 300; y++) for (int x = 0; x < 300; x++) img.setRGB(x, y, r.nextInt());
        IOException png = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> PngFiles.write(img, fs.resolve("a.png")));
        assertTrue(png.getMessage().contains(full), "png: " + png);
        IOException npz = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Npz.write(fs.resolve("a.npz"), Map.of("x", new NpyArray.Float32(new float[100_000], new int[] {100_000}))));
        assertTrue(npz.getMessage().contains(full), "npz: " + npz);
        IOException json = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> AtomicFiles.write(fs.resolve("summary.json"), Json.MAPPER.writeValueAsBytes(Json.object().put("x", "y".repeat(10_000)))));
        assertTrue(json.getMessage().contains(full), "json: " + json);
        org.gradcam4j.model.Model demo = ModelSource.resolve("demo", null);
        org.gradcam4j.weights.WeightsException model = org.junit.jupiter.api.Assertions.assertThrows(
                org.gradcam4j.weights.WeightsException.class, () -> org.gradcam4j.weights.CanonicalModelFile.write(demo, fs.resolve("m.h5")));
        assertTrue(model.getMessage().contains(full), "model file: " + model);
        try (var left = Files.list(fs)) {
            assertEquals(1, left.count(), "no temporaries left behind, only the filler");
        }
    }

    @Test
    void explainOnAFullDiskNamesTheCauseForThePng() throws Exception {
        // room for the probe and the lock file (a page each), not for the overlay
        Path fs = fullFileSystem(8192);
        Path in = root.resolve("in").resolve("noise.png");
        Files.createDirectories(in.getParent());
        BufferedImage img = new BufferedImage(300, 300, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(4);
        for (int y = 0; y < 300; y++) for (int x = 0; x < 300; x++) img.setRGB(x, y, r.nextInt());
        ImageIO.write(img, "png", in.toFile());
        CliRun run = CliRun.of("explain", in.toString(), "--weights", "demo", "-q", "--out", fs.resolve("out").toString(), "--save", "png");
        assertEquals(Main.EXIT_OUTPUT, run.exit(), run.toString());
        assertTrue(run.err().contains(".png: No space left on device"), run.toString());
        assertFalse(run.err().contains("I/O error writing PNG file"), run.toString());
    }
}
