package org.gradcam4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Runs the real command line in-process and keeps what it printed; builds small test images. */
record CliRun(int exit, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    @Override
    public String toString() { return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err; }

    /** A deterministic, asymmetric colour pattern written as {@code format} (png, jpg, bmp). */
    static Path image(Path file, int w, int h, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 37 + y * 11) & 0xff, g = (x * 5 + y * 53 + 7) & 0xff, b = (x * y * 3 + 100) & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no writer for " + format);
        return file;
    }
}
