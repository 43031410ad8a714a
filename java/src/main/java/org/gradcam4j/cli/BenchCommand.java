package org.gradcam4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.gradcam4j.backend.cpu.ConvBenchmark;
import org.gradcam4j.bench.CpuBenchmark;
import org.gradcam4j.bench.MachineInfo;
import org.gradcam4j.model.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gradcam4j bench ...}: benchmarks that print a table and compare with a peer in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (tables with img/s, GFLOP/s and ratios against a peer).",
        subcommands = {BenchCommand.Cpu.class, BenchCommand.Conv.class})
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

    @Command(name = "conv", mixinStandardHelpOptions = true,
            description = {"Every 3x3 convolution of the network, direct vs Winograd F(2x2,3x3), forward and backward-data,",
                    "with what -Dgradcam4j.conv=auto picks per layer (the measurements behind that rule)."})
    static final class Conv implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "vgg16", description = "vgg16 or vgg19 (default: ${DEFAULT-VALUE})")
        String arch;
        @Option(names = "--batch", defaultValue = "8", description = "images per batch (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--threads", description = "threads (default: all cores)")
        Integer threads;
        @Option(names = "--warmup", defaultValue = "1") int warmup;
        @Option(names = "--reps", defaultValue = "5", description = "timed runs per kernel; the median is reported (default: ${DEFAULT-VALUE})")
        int reps;

        @Override
        public Integer call() {
            if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1");
            if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            System.out.println("machine: " + MachineInfo.describe());
            ConvBenchmark.run(Architecture.byName(arch), batch, t, warmup, reps, System.out);
            return Main.EXIT_OK;
        }
    }
}
