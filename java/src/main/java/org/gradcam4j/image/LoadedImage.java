package org.gradcam4j.image;

import java.awt.image.BufferedImage;

/**
 * A decoded image, upright and in 8-bit sRGB ({@code TYPE_INT_RGB}), with where it came from.
 *
 * @param image            the pixels, EXIF orientation already applied
 * @param source           file name or display name, used in every message about this image
 * @param format           the format: "JPEG", "PNG", "GIF", "BMP", "TIFF", "WebP"
 * @param exifOrientation  the EXIF orientation that was applied (1 when none or unknown)
 */
public record LoadedImage(BufferedImage image, String source, String format, int exifOrientation) {

    public LoadedImage {
        if (image.getType() != BufferedImage.TYPE_INT_RGB) {
            throw new IllegalArgumentException("LoadedImage holds TYPE_INT_RGB images only, got type " + image.getType());
        }
    }

    public int width() { return image.getWidth(); }

    public int height() { return image.getHeight(); }
}
