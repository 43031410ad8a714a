package org.gradcam4j.image;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;

/** How an image of any size becomes the network's square input (docs/ALGORITHMS.md section 1). */
public enum ResizeMode {
    /** Centre-crop to a square (extra split floor/ceil, top/left gets the floor), then bilinear resize. The default. */
    CROP,
    /** Bilinear resize to the input size, ignoring the aspect ratio. */
    SQUASH,
    /** No resizing: the image must already be the input size. */
    NONE;

    public static ResizeMode parse(String s) {
        for (ResizeMode m : values()) if (m.name().equalsIgnoreCase(s.trim())) return m;
        throw new InvalidInputException("unknown resize mode '" + s + "' (expected crop, squash or none)");
    }

    @Override
    public String toString() { return name().toLowerCase(Locale.ROOT); }
}
