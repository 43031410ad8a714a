package org.gradcam4j.method;

import org.gradcam4j.tensor.Tensor;

/**
 * What a CAM-family method gives back at the target layer, one row per seed.
 *
 * @param method         the method that produced it
 * @param channelWeights (M x C) the channel weights {@code w_k}; {@code null} for HiResCAM and LayerCAM, which
 *                       weight every position separately
 * @param layerMaps      (M x h x w) the raw layer map {@code L} (after ReLU, except for CAM), never normalised
 */
public record CamLayerMaps(Method method, Tensor channelWeights, Tensor layerMaps) {
    public CamLayerMaps {
        if (layerMaps.rank() != 3) throw new IllegalArgumentException("layer maps must be (M x h x w), got " + layerMaps);
        if (method.hasChannelWeights() != (channelWeights != null)) {
            throw new IllegalArgumentException(method + (method.hasChannelWeights() ? " needs" : " has no") + " channel weights");
        }
        if (channelWeights != null && (channelWeights.rank() != 2 || channelWeights.dim(0) != layerMaps.dim(0))) {
            throw new IllegalArgumentException("channel weights " + channelWeights + " do not match layer maps " + layerMaps);
        }
    }

    public boolean hasChannelWeights() { return channelWeights != null; }

    public int seeds() { return layerMaps.dim(0); }
}
