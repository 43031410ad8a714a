package org.gradcam4j.cli;

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

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "CPU threads (default: all cores)")
    int threads;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar: plain progress lines at most every 10 s")
    boolean quiet;

    /** Checks the options that need no model; usage errors are IllegalArgumentException (exit 2). */
    Explainer.Options explainerOptions() {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
        return new Explainer.Options(Device.parse(device), threads, batch, ResizeMode.parse(resize), CudaPrecision.parse(precision));
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
}
