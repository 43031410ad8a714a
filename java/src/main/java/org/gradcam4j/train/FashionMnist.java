package org.gradcam4j.train;

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
        Path img = dir.resolve(split + "-images-idx3-ubyte.gz"), lab = dir.resolve(split + "-labels-idx1-ubyte.gz");
        for (Path p : List.of(img, lab)) {
            if (!Files.isRegularFile(p)) {
                throw new IOException("Fashion-MNIST file " + p + " not found (Debian: apt-get install dataset-fashion-mnist)");
            }
        }
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

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = Files.newInputStream(p);
        return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
    }

    public int size() { return labels.length; }
}
