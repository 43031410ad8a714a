package org.gradcam4j.weights;

import java.nio.file.Path;
import org.gradcam4j.model.Model;

/**
 * Placeholder so the CLI compiles before the weights branch lands; that branch's loader (Keras HDF5 and the
 * canonical gradcam4j file) replaces this class whole.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Loads a model file.
     *
     * @param file the weights file
     * @param arch {@code vgg16} / {@code vgg19}, or null to infer it from the file
     * @throws WeightsException always, in this build
     */
    public static Model load(Path file, String arch) {
        throw new WeightsException(file.toString(), "weights loading not available in this build");
    }
}
