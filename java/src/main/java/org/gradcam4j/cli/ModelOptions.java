package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.nio.file.Path;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.explain.Device;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Model;
import picocli.CommandLine.Option;

/** Options shared by the commands that run a network over images: the model, where to run, batching, geometry. */
final class ModelOptions {
    @Option(names = "--weights", paramLabel = "W", defaultValue = "${env:GRADCAM4J_WEIGHTS}",
            description = "weights file (Keras .h5 or a gradcam4j model file); vgg16 or vgg19 for the file `gradcam4j weights fetch` "
                    + "cached; or random:vgg16 / random:vgg19 / random:narrow for seeded random networks (smoke runs; "
                    + "predictions mean nothing); demo for the bundled Fashion-MNIST CAM-head demo model. Default: $GRADCAM4J_WEIGHTS")
    String weights;

    @Option(names = "--arch", paramLabel = "ARCH", description = "vgg16 or vgg19, when the weights file does not say")
    String arch;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "D", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--precision", defaultValue = "tf32", paramLabel = "P",
            description = "CUDA backend arithmetic: tf32 (tensor cores, the GPU default) or fp32 (strict float32, the parity "
                    + "mode); ignored on the CPU (default: ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "images per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--resize", defaultValue = "crop", paramLabel = "MODE",
            description = "crop (centre square, then resize), squash (resize ignoring aspect) or none (input must be the network size); default: ${DEFAULT-VALUE}")
    String resize;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads, >= 1 (default: all cores)")
    Integer threads;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar: plain progress lines at most every 10 s")
    boolean quiet;

    /** Checks the options that need no model; usage errors are InvalidInputException (exit 2). */
    Explainer.Options explainerOptions() {
        if (batch < 1) throw new InvalidInputException("--batch must be >= 1, got " + batch);
        return new Explainer.Options(Device.parse(device), threadCount(threads), batch, ResizeMode.parse(resize), CudaPrecision.parse(precision));
    }

    /**
     * The CPU thread count for the library (0: all cores) from a {@code --threads} option: omitted means all cores; an
     * explicit value must be at least 1 (0 or less is refused rather than silently read as "all cores").
     */
    static int threadCount(Integer threads) {
        if (threads == null) return 0;
        if (threads < 1) throw new InvalidInputException("--threads must be >= 1, got " + threads + " (omit it to use all cores)");
        return threads;
    }

    /** Refuses {@code --top-k K} above the number of classes the model has (no silent clamp). */
    static void checkTopK(int topK, Model model) {
        int classes = model.architecture().numClasses();
        if (topK > classes) {
            throw new InvalidInputException("--top-k " + topK + " is more than the model's " + classes + " classes");
        }
    }

    Model loadModel() {
        // the CPU backend's native GEMM loads while the model file is read (the CPU is the fallback of auto, too)
        if (!"cuda".equalsIgnoreCase(device == null ? "" : device.trim())) org.gradcam4j.backend.cpu.CpuBackend.preload();
        return ModelSource.resolve(weights, arch);
    }

    /** Loads an image and checks that it fits the input geometry (resize none), so a batch never fails as a whole. */
    static LoadedImage load(ImageLoader loader, Preprocessor pre, Path file) throws ImageException {
        LoadedImage img = loader.load(file);
        pre.geometry(img.width(), img.height(), img.source());
        return img;
    }

    /**
     * {@link #load} as a {@link BatchPipeline}'s reader: the image (as {@code as} wraps it), or the reason it cannot be
     * used, so that it fails alone.
     */
    static <L> BatchPipeline.Item<L> read(int index, ImageLoader loader, Preprocessor pre, Path file, java.util.function.Function<LoadedImage, L> as) {
        try {
            return new BatchPipeline.Loaded<>(index, as.apply(load(loader, pre, file)));
        } catch (ImageException e) {
            return new BatchPipeline.Failed<>(index, e.getMessage());
        }
    }
}
