package org.gradcam4j.explain;

import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.tensor.Tensor;

/**
 * A CAM-family result for one image and class.
 *
 * @param method   the method token ({@code gradcam}, ...)
 * @param layerMap (h x w) the raw map at the target layer (after ReLU, except CAM), unnormalised
 * @param weights  (C) the channel weights, or null where the method has none (HiResCAM, LayerCAM)
 * @param map      (S x S) upsampled to the network input and divided by its maximum, in [0, 1]
 * @param empty    whether the map is all zero (nothing of this class found); the map then stays zero
 */
public record MapResult(String method, Tensor layerMap, Tensor weights, Tensor map, boolean empty, InputGeometry geometry) {
    /** (H x W) the normalised map in the original image's pixels; zero where the crop cut the image away. */
    public Tensor mapInOriginal() {
        Tensor m = geometry.mapToOriginal(map.reshape(1, map.dim(0), map.dim(1)));
        return m.reshape(m.dim(1), m.dim(2));
    }
}
