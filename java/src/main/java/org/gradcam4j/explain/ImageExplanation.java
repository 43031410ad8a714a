package org.gradcam4j.explain;

import java.util.List;
import org.gradcam4j.image.InputGeometry;

/**
 * Everything computed for one image: its top predictions and, per requested class, every method's result.
 * Immutable.
 *
 * @param source  the image's name (file path or the name given)
 * @param layer   the target layer of the CAM-family maps
 */
public record ImageExplanation(String source, InputGeometry geometry, List<Prediction> predictions, String layer,
                               List<ClassExplanation> classes) {
    public ImageExplanation {
        predictions = List.copyOf(predictions);
        classes = List.copyOf(classes);
    }
}
