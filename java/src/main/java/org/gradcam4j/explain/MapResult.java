package org.gradcam4j.explain;

import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.tensor.Tensor;

/**
 * A CAM-family result for one image and class.
 *
 * @param method    the method token ({@code gradcam}, ..., {@code augmented-tv})
 * @param layerMap  (h x w) the raw map at the target layer (after ReLU, except CAM), unnormalised; for the
 *                  {@code augmented-*} methods that of copy 0 (the un-augmented image)
 * @param weights   (C) the channel weights, or null where the method has none (HiResCAM, LayerCAM)
 * @param map       (S x S) upsampled to the network input (or aggregated / solved there) and divided by its
 *                  maximum, in [0, 1]
 * @param empty     whether the map is all zero (nothing of this class found); the map then stays zero
 * @param augmented for the {@code augmented-*} methods: the copies' maps and warps, the unnormalised aggregate
 *                  and the solver's report; null for the other methods
 */
public record MapResult(String method, Tensor layerMap, Tensor weights, Tensor map, boolean empty, InputGeometry geometry,
                        AugmentedGradCam.Result augmented) {
    public MapResult(String method, Tensor layerMap, Tensor weights, Tensor map, boolean empty, InputGeometry geometry) {
        this(method, layerMap, weights, map, empty, geometry, null);
    }

    /** (H x W) the normalised map in the original image's pixels; zero where the crop cut the image away. */
    public Tensor mapInOriginal() {
        Tensor m = geometry.mapToOriginal(map.reshape(1, map.dim(0), map.dim(1)));
        return m.reshape(m.dim(1), m.dim(2));
    }
}
