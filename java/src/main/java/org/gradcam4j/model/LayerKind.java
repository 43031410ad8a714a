package org.gradcam4j.model;

/** What a row of the layer table computes. */
public enum LayerKind {
    /** 3x3 convolution, stride 1, pad 1, bias, optional ReLU. Weights: kernel (cout, cin, 3, 3), bias (cout). */
    CONV3X3,
    /** 2x2 max pooling, stride 2. No weights. */
    MAXPOOL2,
    /** Global average pooling (CAM heads). No weights. */
    GAP,
    /** Fully connected. Weights: kernel (out, in) with inputs flattened in (c, h, w) order; bias (out) unless the layer has none. */
    FC
}
