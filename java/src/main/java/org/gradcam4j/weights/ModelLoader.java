package org.gradcam4j.weights;

import io.jhdf.HdfFile;
import java.nio.file.Path;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;

/**
 * The one entry point for model files: finds out which convention a file follows and hands it to
 * the matching reader. A file whose convention is not recognised is refused rather than guessed at,
 * because mixing conventions (channel order, means, kernel layout) gives wrong answers silently.
 */
public final class ModelLoader {
    /** The conventions gradcam4j reads directly; others are converted with the tools in {@code tools/}. */
    public enum Convention {
        /** The project's own self-describing file ({@code format = gradcam4j-model}, see weights/FORMAT.md). */
        GRADCAM4J,
        /** Keras HDF5 weights ({@code layer_names} at the root or under {@code model_weights}). */
        KERAS
    }

    private ModelLoader() {}

    /**
     * Loads a model file.
     *
     * @param file the model file (gradcam4j model file or Keras HDF5 weights)
     * @param arch {@code "vgg16"}, {@code "vgg19"}, or null to take the architecture from the file
     * @throws WeightsException naming the file and the problem: missing or unreadable file, not HDF5,
     *         truncated or corrupt, unknown convention, architecture mismatch, missing layer, wrong shape, NaN/Inf
     * @throws IllegalArgumentException if {@code arch} is not a known architecture name
     */
    public static Model load(Path file, String arch) {
        Architecture requested = arch == null ? null : Architecture.byName(arch);
        try (HdfFile h = Hdf5Files.open(file)) {
            return Hdf5Files.guard(file, () -> switch (detect(h, file)) {
                case GRADCAM4J -> CanonicalModelFile.read(h, file, requested);
                case KERAS -> KerasWeights.read(h, file, requested);
            });
        }
    }

    /** The convention of a file, or a {@link WeightsException} saying why it has none that gradcam4j reads. */
    public static Convention detect(Path file) {
        try (HdfFile h = Hdf5Files.open(file)) {
            return Hdf5Files.guard(file, () -> detect(h, file));
        }
    }

    private static Convention detect(HdfFile h, Path file) {
        if (CanonicalModelFile.isCanonical(h)) return Convention.GRADCAM4J;
        if (KerasWeights.isKeras(h)) return Convention.KERAS;
        String keras3 = h.getChildren().containsKey("layers") && h.getChildren().containsKey("vars")
                ? " (this looks like a Keras 3 .weights.h5 file, which gradcam4j does not read: save with the legacy h5 format)" : "";
        throw new WeightsException(file.toString(), "unknown convention: neither a gradcam4j model file (no 'format' attribute) "
                + "nor Keras weights (no 'layer_names' attribute, no 'model_weights' group)" + keras3
                + "; convert torchvision or .npy weights with the tools in tools/");
    }
}
