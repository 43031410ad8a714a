package org.gradcam4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gradcam4j.bench.AugmentedBenchmark;
import org.gradcam4j.bench.CpuBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gradcam4j bench ...}: benchmarks that print a table and compare with a peer in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (tables with img/s, GFLOP/s and ratios against a peer).",
        subcommands = {BenchCommand.Cpu.class, BenchCommand.Augmented.class})
final class BenchCommand {

    @Command(name = "cpu", mixinStandardHelpOptions = true,
            description = {"CPU backend vs PyTorch on CPU: forward, Grad-CAM (forward + backward to the target layer) and input gradients,",
                    "with PyTorch's forward, truncated backward (autograd.grad) and full loss.backward() on the same thread count."})
    static final class Cpu implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "vgg16", description = "vgg16 or vgg19 (default: ${DEFAULT-VALUE})")
        String arch;
        @Option(names = "--batch", defaultValue = "8", description = "images per batch (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--threads", description = "threads for both engines (default: all cores)")
        Integer threads;
        @Option(names = "--warmup", defaultValue = "1") int warmup;
        @Option(names = "--reps", defaultValue = "3", description = "timed runs per row; the median is reported (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch for the peer rows (default: ${DEFAULT-VALUE})")
        String python;
        @Option(names = "--no-peer", description = "skip the PyTorch rows") boolean noPeer;
        @Option(names = "--tools", defaultValue = "tools", description = "folder holding bench_torch.py (default: ${DEFAULT-VALUE})")
        Path tools;

        @Override
        public Integer call() throws Exception {
            if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1");
            if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            new CpuBenchmark(new CpuBenchmark.Options(arch, batch, t, warmup, reps, python, !noPeer, tools), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "augmented", mixinStandardHelpOptions = true,
            description = {"Augmented Grad-CAM per image on the CPU: the N copies' forward + backward passes and the converged TV solve,",
                    "with the seed-mode solver (200 Adam steps) on the same observations for comparison."})
    static final class Augmented implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "vgg16", description = "vgg16 or vgg19 (default: ${DEFAULT-VALUE})")
        String arch;
        @Option(names = "--copies", defaultValue = "100", description = "augmented copies per image (default: ${DEFAULT-VALUE})")
        int copies;
        @Option(names = "--batch", defaultValue = "10", description = "copies per forward / backward pass (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--images", defaultValue = "1", description = "images (each with its own copies' seed); medians reported (default: ${DEFAULT-VALUE})")
        int images;
        @Option(names = "--threads", description = "CPU threads (default: all cores)")
        Integer threads;
        @Option(names = "--tolerance", defaultValue = "1e-5", description = "the converged solver's relative gap (default: ${DEFAULT-VALUE})")
        double tolerance;
        @Option(names = "--image", description = "a photo to explain (default: a synthetic input)")
        Path image;

        @Override
        public Integer call() throws Exception {
            if (copies < 1 || batch < 1 || images < 1) throw new IllegalArgumentException("--copies, --batch and --images must be >= 1");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            new AugmentedBenchmark(new AugmentedBenchmark.Options(arch, copies, batch, t, images, tolerance, image), System.out).run();
            return Main.EXIT_OK;
        }
    }
}
