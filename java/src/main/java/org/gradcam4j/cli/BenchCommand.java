package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.backend.cuda.CudaRuntime;
import org.gradcam4j.bench.AugmentedBenchmark;
import org.gradcam4j.backend.cpu.ConvBenchmark;
import org.gradcam4j.bench.CpuBenchmark;
import org.gradcam4j.bench.MethodsBenchmark;
import org.gradcam4j.bench.E2eBenchmark;
import org.gradcam4j.bench.GpuBenchmark;
import org.gradcam4j.bench.LoadBenchmark;
import org.gradcam4j.bench.PngBenchmark;
import org.gradcam4j.bench.MachineInfo;
import org.gradcam4j.model.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gradcam4j bench ...}: benchmarks that print a table and compare with a peer in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (tables with img/s, GFLOP/s and ratios against a peer).",
        subcommands = {BenchCommand.Cpu.class, BenchCommand.Cuda.class, BenchCommand.Conv.class, BenchCommand.Kernels.class, BenchCommand.Augmented.class,
                BenchCommand.Load.class, BenchCommand.Methods.class, BenchCommand.E2e.class, BenchCommand.Png.class})
final class BenchCommand {

    @Command(name = "cpu", mixinStandardHelpOptions = true,
            description = {"CPU backend against PyTorch on the CPU (forward, Grad-CAM, input gradients, the explain path).", "CPU backend vs PyTorch on CPU: forward, Grad-CAM (forward + backward to the target layer) and input gradients,",
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
        @Option(names = "--explain-reps", defaultValue = "1",
                description = "timed runs of the whole explain path (PyTorch's way takes minutes per batch; 0 skips it) (default: ${DEFAULT-VALUE})")
        int explainReps;
        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch for the peer rows (default: ${DEFAULT-VALUE})")
        String python;
        @Option(names = "--no-peer", description = "skip the PyTorch rows") boolean noPeer;
        @Option(names = "--tools", defaultValue = "tools", description = "folder holding bench_torch.py (default: ${DEFAULT-VALUE})")
        Path tools;
        @Option(names = "--onnx", description = "also time ONNX Runtime's forward (Java API, graph optimisation ALL) at the batch and at batch 1 on the same weights exported to ONNX")
        boolean onnx;
        @Option(names = "--onnx-jar", defaultValue = "java/target/peers/onnxruntime.jar",
                description = "ONNX Runtime's jar; mvn -B -DskipTests -Pbench-peers -pl java package puts it there (default: ${DEFAULT-VALUE})")
        Path onnxJar;

        @Override
        public Integer call() throws Exception {
            if (batch < 1) throw new InvalidInputException("--batch must be >= 1");
            if (reps < 1) throw new InvalidInputException("--reps must be >= 1");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : ModelOptions.threadCount(threads);
            new CpuBenchmark(new CpuBenchmark.Options(arch, batch, t, warmup, reps, explainReps, python, !noPeer, tools,
                    onnx ? onnxJar : null), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "cuda", mixinStandardHelpOptions = true,
            description = {"CUDA backend against PyTorch with cuDNN on the same GPU and precision, per batch size.", "CUDA backend vs PyTorch with cuDNN on the same GPU and precision, per batch size: forward, Grad-CAM",
                    "(vs PyTorch's truncated autograd.grad and full loss.backward()), guided backprop; img/s, ms/image, device",
                    "memory, ratios. --soak N then explains N images and reports device memory along the way."})
    static final class Cuda implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "vgg16", description = "vgg16 or vgg19 (default: ${DEFAULT-VALUE})")
        String arch;
        @Option(names = "--batches", defaultValue = "1,16,64,256", split = ",", description = "batch sizes (default: ${DEFAULT-VALUE})")
        List<Integer> batches;
        @Option(names = "--precision", defaultValue = "tf32", description = "fp32 or tf32, for both sides (default: ${DEFAULT-VALUE})")
        String precision;
        @Option(names = "--warmup", defaultValue = "2") int warmup;
        @Option(names = "--reps", defaultValue = "5", description = "timed runs per row; the median is reported (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--python", defaultValue = "python3", description = "Python with PyTorch (CUDA) for the peer rows (default: ${DEFAULT-VALUE})")
        String python;
        @Option(names = "--no-peer", description = "skip the PyTorch rows") boolean noPeer;
        @Option(names = "--tools", defaultValue = "tools", description = "folder holding bench_torch.py (default: ${DEFAULT-VALUE})")
        Path tools;
        @Option(names = "--json", paramLabel = "FILE", description = "also write the raw numbers as JSON")
        Path json;
        @Option(names = "--soak", defaultValue = "0", paramLabel = "N", description = "then explain N images, sampling device memory (default: ${DEFAULT-VALUE})")
        int soak;
        @Spec CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (reps < 1) throw new InvalidInputException("--reps must be >= 1");
            for (int b : batches) if (b < 1) throw new InvalidInputException("--batches must be >= 1, got " + b);
            CudaRuntime.Status s = CudaRuntime.status();
            if (!s.available()) {
                spec.commandLine().getOut().println("bench cuda: skipped - the CUDA backend is unavailable here: " + s.reason());
                return Main.EXIT_OK;
            }
            new GpuBenchmark(new GpuBenchmark.Options(arch, batches, CudaPrecision.parse(precision), warmup, reps, python, !noPeer,
                    tools, json, soak), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = {"The CUDA kernels' parity suite against the CPU references, then their timings.", "The CUDA kernels: their parity suite against the CPU references, then timings with achieved GB/s.",
                    "Runs the native harness (build/native/bin/gradcam4j_kernel_check --bench) when it exists, else the",
                    "self-test through JNI (correctness only). Without a CUDA device it says why and exits 0.",
                    "Exit 4 when a check fails or a CUDA call fails."})
    static final class Kernels implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--device", defaultValue = "0", description = "CUDA device index (default: ${DEFAULT-VALUE})")
        int device;
        @Option(names = "--harness", defaultValue = "build/native/bin/gradcam4j_kernel_check",
                description = "the harness binary (default: ${DEFAULT-VALUE})")
        Path harness;
        @Option(names = "--jni", description = "run the self-test through JNI even when the harness exists")
        boolean jni;
        @Option(names = "--quick", description = "the quick subset of the parity suite, no timings")
        boolean quick;

        @Override
        public Integer call() throws IOException, InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            CudaRuntime.Status s = CudaRuntime.status();
            if (!s.hasDevice()) {
                out.println("bench kernels: skipped - " + s.deviceProblem().orElse(s.reason()));
                return Main.EXIT_OK;
            }
            if (device < 0 || device >= s.devices().size()) {
                throw new InvalidInputException("--device " + device + ": " + s.devices().size() + " CUDA device(s) present");
            }
            out.println("bench kernels: CUDA device " + s.devices().get(device).describe() + "; driver CUDA "
                    + CudaRuntime.version(s.driverVersion()));
            if (!jni && Files.isExecutable(harness)) return runHarness(out);
            if (!jni) out.println("bench kernels: no harness at " + harness + "; running the JNI self-test (correctness only)");
            String table = CudaRuntime.selfTest(device, quick);
            out.println(table);
            return table.strip().lines().reduce((a, b) -> b).orElse("").startsWith("overall: PASS") ? Main.EXIT_OK : Main.EXIT_INTERNAL;
        }

        private int runHarness(PrintWriter out) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of(harness.toString(), "--device", Integer.toString(device)));
            cmd.add(quick ? "--quick" : "--bench");
            out.println("bench kernels: " + String.join(" ", cmd));
            out.flush();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) out.println(line);
            }
            int rc = p.waitFor();
            // the harness: 0 passed, 1 a check failed, 2 CUDA error, 77 no usable device
            if (rc == 77) {
                out.println("bench kernels: skipped - the harness found no usable CUDA device");
                return Main.EXIT_OK;
            }
            if (rc != 0) out.println("bench kernels: the harness exited with " + rc);
            return rc == 0 ? Main.EXIT_OK : Main.EXIT_INTERNAL;
        }
    }

    @Command(name = "methods", mixinStandardHelpOptions = true,
            description = {"Score-CAM and Integrated Gradients against pytorch-grad-cam and an autograd loop.", "Score-CAM and Integrated Gradients of one image on the CPU backend vs pytorch-grad-cam's ScoreCAM and an",
                    "autograd IG loop in PyTorch, same threads and batch sizes (PyTorch rows need tools/bench_methods_torch.py)."})
    static final class Methods implements Callable<Integer> {
        @Option(names = "--arch", defaultValue = "vgg16", description = "vgg16 or vgg19 (default: ${DEFAULT-VALUE})")
        String arch;
        @Option(names = "--threads", description = "threads for both engines (default: all cores)")
        Integer threads;
        @Option(names = "--reps", defaultValue = "1", description = "timed runs per row; the median is reported (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--batches", defaultValue = "16,64", split = ",",
                description = "masked inputs / path points per pass, both sides; 16 is pytorch-grad-cam's default (default: ${DEFAULT-VALUE})")
        List<Integer> batches;
        @Option(names = "--ig-steps", defaultValue = "50", description = "Integrated Gradients points (default: ${DEFAULT-VALUE})")
        int igSteps;
        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch for the peer rows (default: ${DEFAULT-VALUE})")
        String python;
        @Option(names = "--no-peer", description = "skip the PyTorch rows") boolean noPeer;
        @Option(names = "--tools", defaultValue = "tools", description = "folder holding bench_methods_torch.py (default: ${DEFAULT-VALUE})")
        Path tools;
        @Option(names = "--rows", defaultValue = "scorecam,ig", split = ",", description = "scorecam and/or ig (default: ${DEFAULT-VALUE})")
        List<String> rows;
        @Option(names = "--pytorch-grad-cam", paramLabel = "DIR",
                description = "a pytorch-grad-cam checkout for the ScoreCAM peer rows (default: $GRADCAM4J_PYTORCH_GRAD_CAM)")
        String pytorchGradCam;

        @Override
        public Integer call() throws Exception {
            if (rows.isEmpty() || !List.of("scorecam", "ig").containsAll(rows)) throw new IllegalArgumentException("--rows: scorecam and/or ig, got " + rows);
            if (reps < 1 || igSteps < 2 || batches.stream().anyMatch(b -> b < 1)) {
                throw new IllegalArgumentException("--reps and --batches must be >= 1, --ig-steps >= 2");
            }
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            String pgc = pytorchGradCam != null ? pytorchGradCam : System.getenv("GRADCAM4J_PYTORCH_GRAD_CAM");
            new MethodsBenchmark(new MethodsBenchmark.Options(arch, t, reps, batches, igSteps, python, !noPeer, tools, pgc, rows), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "augmented", mixinStandardHelpOptions = true,
            description = {"Augmented Grad-CAM per image on the CPU: the copies' passes and the TV solve.", "Augmented Grad-CAM per image on the CPU: the N copies' forward + backward passes and the converged TV solve,",
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
            if (copies < 1 || batch < 1 || images < 1) throw new InvalidInputException("--copies, --batch and --images must be >= 1");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : ModelOptions.threadCount(threads);
            new AugmentedBenchmark(new AugmentedBenchmark.Options(arch, copies, batch, t, images, tolerance, image), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "conv", mixinStandardHelpOptions = true,
            description = {"CPU 3x3 convolutions per layer: direct against Winograd (picks the per-layer rule).", "Every 3x3 convolution of the network, direct vs Winograd F(2x2,3x3), forward and backward-data,",
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
            if (batch < 1) throw new InvalidInputException("--batch must be >= 1");
            if (reps < 1) throw new InvalidInputException("--reps must be >= 1");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : ModelOptions.threadCount(threads);
            System.out.println("machine: " + MachineInfo.describe());
            ConvBenchmark.run(Architecture.byName(arch), batch, t, warmup, reps, System.out);
            return Main.EXIT_OK;
        }
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = {"Model loading from Keras and canonical files, warm and cold page cache.", "Model loading: a fresh JVM per run reads a Keras file and a canonical model file and prepares the CPU",
                    "backend, files taking turns, warm page cache and (when allowed to drop it: root) cold; medians."})
    static final class Load implements Callable<Integer> {
        @Option(names = "--keras", paramLabel = "FILE", description = "a Keras VGG weight file (default: a seeded random VGG16 written for the run)")
        Path keras;
        @Option(names = "--canonical", paramLabel = "FILE", description = "a gradcam4j model file (default: a seeded random VGG16 written for the run)")
        Path canonical;
        @Option(names = "--reps", defaultValue = "5", description = "warm runs per file (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--cold-reps", defaultValue = "2", description = "runs per file after dropping the page cache; 0 skips them (default: ${DEFAULT-VALUE})")
        int coldReps;
        @Option(names = "--threads", description = "CPU threads (default: all cores)")
        Integer threads;
        @Option(names = "--baseline", paramLabel = "CLASSPATH", description = "another gradcam4j build's classes, timed in the same run (before/after)")
        String baseline;

        @Override
        public Integer call() throws Exception {
            if (reps < 1 || coldReps < 0) throw new IllegalArgumentException("--reps must be >= 1 and --cold-reps >= 0");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            new LoadBenchmark(new LoadBenchmark.Options(keras, canonical, reps, coldReps, t, baseline), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "e2e", mixinStandardHelpOptions = true,
            description = {"Whole processes on a folder of photos: gradcam4j explain against a pytorch-grad-cam script.", "Whole processes on a folder of photos: `gradcam4j explain --method gradcam --top-k 1 --save png` against a",
                    "pytorch-grad-cam script doing the same (tools/bench_e2e_pgc.py), same seeded VGG16 weights, taking turns; medians.",
                    "Photos: tools/make_e2e_photos.py OUT PHOTO... makes 32 of mixed sizes."})
    static final class E2e implements Callable<Integer> {
        @Option(names = "--images", required = true, paramLabel = "DIR", description = "the folder of photos")
        Path images;
        @Option(names = "--pgc", required = true, paramLabel = "DIR", description = "a checkout of pytorch-grad-cam (kept outside this repository)")
        Path pgc;
        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch and OpenCV (default: ${DEFAULT-VALUE})")
        String python;
        @Option(names = "--tools", defaultValue = "tools", description = "folder holding bench_e2e_pgc.py (default: ${DEFAULT-VALUE})")
        Path tools;
        @Option(names = "--reps", defaultValue = "3", description = "timed rounds (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--threads", description = "threads for both (default: all cores)")
        Integer threads;
        @Option(names = "--weights-file", defaultValue = "keras", description = "keras or canonical: the file our process loads (default: ${DEFAULT-VALUE})")
        String weights;
        @Option(names = "--sequential", description = "also time our explain with --sequential (no pipeline)")
        boolean sequential;

        @Override
        public Integer call() throws Exception {
            if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
            if (!weights.equals("keras") && !weights.equals("canonical")) throw new IllegalArgumentException("--weights-file: keras or canonical");
            int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
            new E2eBenchmark(new E2eBenchmark.Options(images, pgc, python, tools, reps, t, weights, sequential), System.out).run();
            return Main.EXIT_OK;
        }
    }

    @Command(name = "png", mixinStandardHelpOptions = true,
            description = {"PNG encoding of a folder of photos: ImageIO and PngEncoder against libpng.", "PNG encoding of a folder of photos in memory: ImageIO and gradcam4j's PngEncoder against libpng (OpenCV",
                    "default and zlib level 6) and Pillow; medians."})
    static final class Png implements Callable<Integer> {
        @Option(names = "--images", required = true, paramLabel = "DIR", description = "the folder of photos")
        Path images;
        @Option(names = "--reps", defaultValue = "3", description = "timed runs (default: ${DEFAULT-VALUE})")
        int reps;
        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with OpenCV for the peer rows (default: ${DEFAULT-VALUE})")
        String python;
        @Option(names = "--tools", defaultValue = "tools", description = "folder holding bench_png.py (default: ${DEFAULT-VALUE})")
        Path tools;

        @Override
        public Integer call() throws Exception {
            if (reps < 1) throw new IllegalArgumentException("--reps must be >= 1");
            new PngBenchmark(new PngBenchmark.Options(images, reps, python, tools), System.out).run();
            return Main.EXIT_OK;
        }
    }
}
