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

    public static void write(BufferedImage image, Path path) throws IOException {
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
