package org.gradcam4j.weights;

import java.net.URI;
import java.util.Locale;

/**
 * One published weight file that {@code gradcam4j weights fetch} knows: where it lives and the checksum its
 * publisher pins for it.
 *
 * @param arch     {@code vgg16} or {@code vgg19}
 * @param notop    true for the convolutional part only (no fc1, fc2, predictions)
 * @param fileName the file's name, kept as published so that a file found elsewhere is recognisable
 * @param url      the public download address
 * @param md5      the expected MD5 of the whole file, 32 lower-case hex digits
 */
public record PretrainedFile(String arch, boolean notop, String fileName, URI url, String md5) {
    public PretrainedFile {
        md5 = md5.toLowerCase(Locale.ROOT);
        if (!md5.matches("[0-9a-f]{32}")) throw new IllegalArgumentException("not an MD5 (32 hex digits): " + md5);
        if (fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("not a plain file name: " + fileName);
        }
    }

    /** {@code vgg16}, {@code vgg16-notop}, ...: how the CLI names this file. */
    public String name() { return notop ? arch + "-notop" : arch; }
}
