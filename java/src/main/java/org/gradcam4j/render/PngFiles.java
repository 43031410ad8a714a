package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.gradcam4j.io.AtomicFiles;

/** Writes PNGs atomically (see {@link AtomicFiles}): a file either has its complete new content or is untouched. */
public final class PngFiles {
    private PngFiles() {}

    /**
     * Writes {@code image}: a TYPE_INT_RGB image (what every renderer here makes) with {@link PngEncoder}, about twice
     * as fast as ImageIO's writer at photo sizes and smaller files; other types with ImageIO, which keeps their
     * alpha and grey levels.
     */
    public static void write(BufferedImage image, Path path) throws IOException {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            AtomicFiles.write(path, out -> {
                java.io.BufferedOutputStream b = new java.io.BufferedOutputStream(out, 1 << 16);
                PngEncoder.write(image, b);
                b.flush();
            });
            return;
        }
        AtomicFiles.write(path, out -> {
            Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
            if (!writers.hasNext()) throw new IOException("this Java runtime has no PNG writer");
            ImageWriter writer = writers.next();
            // memory cache: ImageIO's default would stage the stream through a temporary file of its own
            try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(ios);
                writer.write(image);
            } catch (javax.imageio.IIOException e) {
                // ImageIO reports a failed write as "I/O error writing PNG file!"; the cause names it (disk full, ...)
                if (e.getCause() instanceof IOException cause) throw cause;
                throw e;
            } finally {
                writer.dispose();
            }
        });
    }
}
