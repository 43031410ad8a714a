package org.gradcam4j.train;

import org.gradcam4j.InvalidInputException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST in its IDX form (Debian's {@code dataset-fashion-mnist} installs the four gzipped files under
 * {@code /usr/share/datasets/fashion-mnist}): 28 x 28 grey items, white on black, ten classes.
 *
 * @param images (count x 784) row-major pixels, 0..255 as unsigned bytes
 * @param labels (count) class indices 0..9
 */
public record FashionMnist(byte[][] images, int[] labels) {
    public static final int SIDE = 28;
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Class names in label order (from the dataset's own documentation). */
    public static final List<String> NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** File-system-safe ids, used as class folder names. */
    public static final List<String> IDS = List.of("tshirt_top", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle_boot");

    /** The {@code train} (60000) or {@code t10k} (10000) split from {@code dir}. */
    public static FashionMnist read(Path dir, String split) throws IOException {
        requirePresent(dir, split);
        Path img = dir.resolve(split + "-images-idx3-ubyte.gz"), lab = dir.resolve(split + "-labels-idx1-ubyte.gz");
        byte[][] images;
        try (DataInputStream in = open(img)) {
            int magic = in.readInt();
            if (magic != 0x803) throw new IOException(img + ": not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            int n = in.readInt(), h = in.readInt(), w = in.readInt();
            if (h != SIDE || w != SIDE) throw new IOException(img + ": images are " + h + "x" + w + ", expected 28x28");
            images = new byte[n][SIDE * SIDE];
            for (byte[] im : images) in.readFully(im);
        }
        int[] labels;
        try (DataInputStream in = open(lab)) {
            int magic = in.readInt();
            if (magic != 0x801) throw new IOException(lab + ": not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            int n = in.readInt();
            if (n != images.length) throw new IOException(lab + ": " + n + " labels for " + images.length + " images");
            byte[] b = new byte[n];
            in.readFully(b);
            labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = b[i] & 0xff;
        }
        return new FashionMnist(images, labels);
    }

    /**
     * Checks that {@code dir} holds the image and label files of every split, before anything is written.
     *
     * @throws InvalidInputException naming the first missing file and how to install the data set
     */
    public static void requirePresent(Path dir, String... splits) {
        for (String split : splits) {
            for (Path p : List.of(dir.resolve(split + "-images-idx3-ubyte.gz"), dir.resolve(split + "-labels-idx1-ubyte.gz"))) {
                if (!Files.isRegularFile(p)) {
                    throw new InvalidInputException("Fashion-MNIST file " + p + " not found: install the data set (Debian: "
                            + "apt-get install dataset-fashion-mnist) or give the folder holding its .gz files with --mnist DIR");
                }
            }
        }
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = Files.newInputStream(p);
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
    }

    public int size() { return labels.length; }
}
