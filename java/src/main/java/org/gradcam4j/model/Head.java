package org.gradcam4j.model;

import org.gradcam4j.InvalidInputException;

/** What sits on top of the convolutional blocks. */
public enum Head {
    /** VGG's classifier: pool5, fc1, fc2 (ReLU, dropout = identity at inference), predictions. */
    FC,
    /** The CAM seed's head: pool5 removed, a 3x3 conv ({@code cam_conv}, ReLU), global average pooling, linear without bias. */
    GAP,
    /** Convolutional blocks only (Keras "notop" files): features, no class scores. */
    NONE;

    public static Head parse(String s) {
        for (Head h : values()) if (h.name().equalsIgnoreCase(s)) return h;
        throw new InvalidInputException("unknown head '" + s + "' (expected fc, gap or none)");
    }
}
