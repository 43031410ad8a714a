package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gradcam4j.train.CanvasDataset;
import org.gradcam4j.train.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gradcam4j canvases}: writes the Fashion-MNIST canvas localisation dataset ({@link CanvasDataset}) as
 * folder-per-class train and test sets with ground-truth boxes.
 */
@Command(name = "canvases", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write the Fashion-MNIST canvas dataset (the demo model's training data) as image folders with boxes.",
                "OUT/train and OUT/test hold one folder per class, each with boxes.csv; OUT/classes.txt gives the class order.",
                "Needs the Fashion-MNIST IDX files (Debian: dataset-fashion-mnist); without them it exits 2."})
final class CanvasCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder")
    Path out;

    @Option(names = "--train", defaultValue = "12000", paramLabel = "N", description = "training canvases (default: ${DEFAULT-VALUE})")
    int train;

    @Option(names = "--test", defaultValue = "1000", paramLabel = "N", description = "held-out canvases (default: ${DEFAULT-VALUE})")
    int test;

    @Option(names = "--size", defaultValue = "64", paramLabel = "S", description = "canvas side (default: ${DEFAULT-VALUE}); items scale with it")
    int size;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED", description = "dataset seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--mnist", paramLabel = "DIR", description = "folder of the Fashion-MNIST .gz files (default: /usr/share/datasets/fashion-mnist)")
    Path mnist = FashionMnist.DEBIAN_DIR;

    @Override
    public Integer call() throws Exception {
        if (train < 0 || test < 0) throw new InvalidInputException("--train and --test must be >= 0");
        CanvasDataset.Recipe demo = CanvasDataset.Recipe.demo(seed);
        double k = size / 64.0;
        CanvasDataset.Recipe recipe = size == 64 ? demo
                : new CanvasDataset.Recipe(size, (int) Math.round(demo.minItem() * k), (int) Math.round(demo.maxItem() * k),
                        demo.clutter(), demo.strokes(), seed);
        var err = spec.commandLine().getErr();
        FashionMnist.requirePresent(mnist, train > 0 && test > 0 ? new String[] {"train", "t10k"}
                : train > 0 ? new String[] {"train"} : test > 0 ? new String[] {"t10k"} : new String[0]);
        CanvasDataset.writeClasses(out);
        Files.writeString(out.resolve("recipe.txt"), recipe + "\ntrain " + train + " canvases from Fashion-MNIST train, test "
                + test + " canvases from t10k\n", StandardCharsets.UTF_8);
        if (train > 0) {
            new CanvasDataset(FashionMnist.read(mnist, "train"), recipe, "train").export(out.resolve("train"), "train", train);
            CanvasDataset.writeClasses(out.resolve("train"));
        }
        if (test > 0) {
            new CanvasDataset(FashionMnist.read(mnist, "t10k"), recipe, "test").export(out.resolve("test"), "test", test);
            CanvasDataset.writeClasses(out.resolve("test"));
        }
        err.println("wrote " + train + " train and " + test + " test canvases (" + recipe + ") to " + out);
        return Main.EXIT_OK;
    }
}
