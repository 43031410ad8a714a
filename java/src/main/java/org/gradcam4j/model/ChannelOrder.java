package org.gradcam4j.model;

import org.gradcam4j.InvalidInputException;

/** The channel order a network expects at its input. */
public enum ChannelOrder {
    RGB, BGR;

    public static ChannelOrder parse(String s) {
        for (ChannelOrder c : values()) if (c.name().equalsIgnoreCase(s.trim())) return c;
        throw new InvalidInputException("unknown channel order '" + s + "' (expected RGB or BGR)");
    }

    /** Index of red, green, blue in this order: {@code rgbIndex(0)} is where red goes. */
    public int rgbIndex(int rgb) { return this == RGB ? rgb : 2 - rgb; }
}
