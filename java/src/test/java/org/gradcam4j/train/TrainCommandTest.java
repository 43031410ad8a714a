package org.gradcam4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.cli.Main;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Model;
import org.gradcam4j.render.PngFiles;
import org.gradcam4j.weights.CanonicalModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradcam4j train} end to end on a small synthetic task (a 5 x 5 blob of one of four colours at a random
 * place on a 16 x 16 noisy background; the colour is the class): a few seconds of training must reach 90% on
 * held-out images (chance: 25%), and stopping after one epoch then resuming must give bit-identical parameters to
 * an uninterrupted run.
 */
class TrainCommandTest {
    static final String[] CLASSES = {"red", "green", "blue", "yellow"};
    static final int[][] COLOURS = {{230, 40, 40}, {40, 220, 40}, {50, 60, 230}, {220, 220, 40}};

    static void writeSet(Path dir, int count, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        for (String c : CLASSES) Files.createDirectories(dir.resolve(c));
        for (int i = 0; i < count; i++) {
            int k = i % CLASSES.length;
            BufferedImage im = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            int bx = r.nextInt(12), by = r.nextInt(12);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    boolean in = x >= bx && x < bx + 5 && y >= by && y < by + 5;
                    int[] rgb = new int[3];
                    for (int c = 0; c < 3; c++) rgb[c] = Math.min(255, (in ? COLOURS[k][c] : 60) + r.nextInt(40));
                    im.setRGB(x, y, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
                }
            }
            PngFiles.write(im, dir.resolve(CLASSES[k]).resolve(String.format("%04d.png", i)));
        }
    }

    static int run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, code, out + "\n" + err);
        return code;
    }

    static String[] args(Path data, Path out, int epochs, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(),
                "--input-size", "16", "--blocks", "1,1", "--widths", "8,16", "--cam-width", "16", "--optimizer", "adam",
                "--lr", "0.01", "--batch", "16", "--epochs", Integer.toString(epochs), "--seed", "3", "--threads", "2"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void learnsTheSyntheticTaskAndResumesExactly(@TempDir Path dir) throws Exception {
        Path train = dir.resolve("train"), test = dir.resolve("test");
        writeSet(train, 320, 1);
        writeSet(test, 200, 2);

        Path full = dir.resolve("full.h5");
        run(args(train, full, 6));
        Model m = CanonicalModelFile.read(full);
        try (CpuBackend cpu = new CpuBackend(2);
             Trainer t = new Trainer(cpu, m, Trainer.allLayers(m.architecture()), new Optimizer.Sgd(1, 0, 0))) {
            FolderDataset held = FolderDataset.load(test, FolderDataset.classesOf(test),
                    new Preprocessor(m.preprocessing(), 16, ResizeMode.CROP), 0);
            int[] order = new int[held.count()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            int[] y = new int[held.count()];
            int[] p = t.predict(held.batch(order, 0, held.count(), y));
            int correct = 0;
            for (int i = 0; i < y.length; i++) if (p[i] == y[i]) correct++;
            double acc = correct / (double) y.length;
            assertTrue(acc >= 0.9, "held-out accuracy " + acc + " < 0.9");
        }

        // interrupted after 3 epochs, then resumed to 6: the same parameters as the uninterrupted run
        Path part = dir.resolve("part.h5");
        run(args(train, part, 3));
        run(args(train, part, 6, "--resume"));
        Model resumed = CanonicalModelFile.read(part);
        for (var e : m.weights().all().entrySet()) {
            assertArrayEquals(e.getValue().data(), resumed.weights().all().get(e.getKey()).data(), e.getKey());
        }
    }

    @Test
    void fineTunesANewCamHeadOnAFrozenBackbone(@TempDir Path dir) throws Exception {
        Path train = dir.resolve("train");
        writeSet(train, 64, 5);
        Path out = dir.resolve("head.h5");
        run("train", "--data", train.toString(), "--out", out.toString(), "--init", "random:narrow", "--freeze", "block5_conv3",
                "--cam-width", "8", "--optimizer", "sgd", "--lr", "0.05", "--batch", "16", "--epochs", "1", "--threads", "2");
        Model tuned = CanonicalModelFile.read(out);
        Model base = org.gradcam4j.model.RandomWeights.model(tuned.architecture().withHead(org.gradcam4j.model.Head.FC, 10, 0), 42);
        assertEquals(org.gradcam4j.model.Head.GAP, tuned.architecture().head());
        assertEquals(4, tuned.labels().size());
        assertEquals(8, tuned.architecture().camWidth());
        // the frozen backbone is the starting network's, untouched
        assertArrayEquals(base.weights().kernel("block1_conv1").data(), tuned.weights().kernel("block1_conv1").data());
        assertArrayEquals(base.weights().kernel("block5_conv3").data(), tuned.weights().kernel("block5_conv3").data());
    }
}
