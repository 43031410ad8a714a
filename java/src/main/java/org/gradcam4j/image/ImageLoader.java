package org.gradcam4j.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import org.gradcam4j.image.ImageException.Problem;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Reads an image file (JPEG, PNG, BMP, GIF, and TIFF / WebP through the TwelveMonkeys plugins) into an
 * upright 8-bit sRGB image, ready for {@link Preprocessor}.
 *
 * <p>Size limits are checked against the dimensions in the file's header, through the decoder's
 * {@code getWidth/getHeight}, before any pixel is decoded, so a small file that claims to be
 * 100000 x 100000 (a decompression bomb) is refused without allocating its pixels.
 *
 * <p>Pixel conversion is described in {@link RgbImages}: it matches PIL's {@code convert("RGB")}
 * (alpha dropped with the stored colour kept, gray replicated), except that 16-bit samples are
 * scaled to 8 bits with rounding and JPEGs with an embedded ICC profile are converted to sRGB by
 * the TwelveMonkeys reader. GIF and other multi-image formats
 * give their first image (for GIF, frame 0's own rectangle, not the logical screen). The EXIF
 * orientation tag (JPEG APP1, TIFF IFD0, PNG eXIf, WebP EXIF), read with metadata-extractor, is
 * applied so the result is upright.
 *
 * <p>Every failure is an {@link ImageException} naming the file. Instances are immutable and
 * thread-safe.
 */
public final class ImageLoader {
    /** 50 megapixels: a 8660 x 5773 photo; decoding needs ~4 bytes per pixel on the heap, twice over. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /** Longest side accepted by default; keeps panoramas in, pathological strips out. */
    public static final int DEFAULT_MAX_SIDE = 32_768;

    private final long maxPixels;
    private final int maxSide;

    public ImageLoader() { this(DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE); }

    /**
     * @param maxPixels largest accepted width x height
     * @param maxSide   largest accepted width or height
     */
    public ImageLoader(long maxPixels, int maxSide) {
        if (maxPixels < 1) throw new IllegalArgumentException("maxPixels must be positive: " + maxPixels);
        if (maxSide < 1) throw new IllegalArgumentException("maxSide must be positive: " + maxSide);
        this.maxPixels = maxPixels;
        this.maxSide = maxSide;
    }

    public long maxPixels() { return maxPixels; }

    public int maxSide() { return maxSide; }

    /** Loads a file; messages name it as given. */
    public LoadedImage load(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) throw new ImageException(name, Problem.UNREADABLE, "is a directory, not an image file");
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ImageException(name, Problem.NOT_FOUND, "file not found");
        } catch (IOException e) {
            throw new ImageException(name, Problem.UNREADABLE, "cannot read file: " + describe(e), e);
        }
        if (size == 0) throw new ImageException(name, Problem.EMPTY, "empty file (0 bytes)");
        ImageInputStream in;
        try {
            in = new FileImageInputStream(file.toFile());
        } catch (IOException | SecurityException e) {
            throw new ImageException(name, Problem.UNREADABLE, "cannot read file: " + describe(e), e);
        }
        return decode(in, name, () -> new BufferedInputStream(Files.newInputStream(file)));
    }

    /** Loads an image held in memory; {@code name} stands for it in messages. */
    public LoadedImage load(byte[] bytes, String name) {
        if (bytes.length == 0) throw new ImageException(name, Problem.EMPTY, "empty (0 bytes)");
        return decode(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)), name,
                () -> new ByteArrayInputStream(bytes));
    }

    /** Reads the stream to its end (it is not closed) and loads the image; {@code name} stands for it in messages. */
    public LoadedImage load(InputStream stream, String name) {
        byte[] bytes;
        try {
            bytes = stream.readAllBytes();
        } catch (IOException e) {
            throw new ImageException(name, Problem.UNREADABLE, "cannot read stream: " + describe(e), e);
        }
        return load(bytes, name);
    }

    /** Source of a second, independent stream over the same bytes, for the metadata reader. */
    private interface Reopen {
        InputStream open() throws IOException;
    }

    private LoadedImage decode(ImageInputStream in, String name, Reopen metadataSource) {
        try (in) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw notAnImage(in, name);
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                String format = displayFormat(reader.getFormatName());
                int w, h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw corrupt(name, format, "cannot read the image header", e, metadataSource);
                }
                checkLimits(name, format, w, h);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
                BufferedImage decoded;
                try {
                    decoded = reader.read(0);
                } catch (IOException | RuntimeException e) {
                    throw corrupt(name, format, "cannot decode the image data", e, metadataSource);
                } catch (OutOfMemoryError e) {
                    throw new ImageException(name, Problem.TOO_LARGE, String.format(Locale.ROOT,
                            "ran out of memory decoding a %d x %d %s image; give the JVM more heap (-Xmx) or lower the size limit", w, h, format));
                }
                for (String warning : warnings) {
                    String lower = warning.toLowerCase(Locale.ROOT);
                    if (lower.contains("truncated") || lower.contains("premature end")) {
                        throw new ImageException(name, Problem.CORRUPT, "truncated " + format + " file: the data ends early (" + warning + ")");
                    }
                }
                BufferedImage rgb = RgbImages.toRgb8(decoded);
                int orientation = exifOrientation(metadataSource);
                return new LoadedImage(RgbImages.applyExifOrientation(rgb, orientation), name, format, orientation);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageException(name, Problem.UNREADABLE, "cannot read: " + describe(e), e);
        }
    }

    private void checkLimits(String name, String format, int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new ImageException(name, Problem.CORRUPT, String.format(Locale.ROOT, "%s header gives an empty size %d x %d", format, w, h));
        }
        long pixels = (long) w * h;
        if (pixels > maxPixels) {
            throw new ImageException(name, Problem.TOO_LARGE, String.format(Locale.ROOT,
                    "image is too large: %d x %d = %d pixels, the limit is %d pixels (refused before decoding)", w, h, pixels, maxPixels));
        }
        if (Math.max(w, h) > maxSide) {
            throw new ImageException(name, Problem.TOO_LARGE, String.format(Locale.ROOT,
                    "image is too large: %d x %d, the limit is %d pixels per side (refused before decoding)", w, h, maxSide));
        }
    }

    /** EXIF IFD0 orientation, or 1 when absent, invalid or unreadable: a bad EXIF block must not stop a decodable image. */
    private static int exifOrientation(Reopen source) {
        try (InputStream in = source.open()) {
            Metadata metadata = ImageMetadataReader.readMetadata(in);
            for (ExifIFD0Directory dir : metadata.getDirectoriesOfType(ExifIFD0Directory.class)) {
                if (dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                    int o = dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                    return o >= 1 && o <= 8 ? o : 1;
                }
            }
        } catch (Exception e) {
            // metadata-extractor throws on formats and oddities it does not handle; orientation stays 1.
        }
        return 1;
    }

    private static ImageException notAnImage(ImageInputStream in, String name) {
        byte[] head = new byte[16];
        int n = 0;
        try {
            in.seek(0);
            n = Math.max(0, in.read(head));
        } catch (IOException ignored) {
            // the message below still names the file
        }
        String hint = formatHint(head, n);
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(n, 8); i++) hex.append(String.format(Locale.ROOT, "%s%02x", i == 0 ? "" : " ", head[i] & 0xff));
        return new ImageException(name, Problem.NOT_AN_IMAGE, "not an image in a supported format"
                + (hint.isEmpty() ? "" : " (" + hint + ")")
                + "; supported: JPEG, PNG, BMP, GIF, TIFF, WebP; the file starts with bytes [" + hex + "]");
    }

    /** Names a few formats people meet and that we cannot read, so the message says more than "unsupported". */
    private static String formatHint(byte[] b, int n) {
        if (n >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            String brand = new String(b, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (brand.startsWith("avi")) return "looks like AVIF, which is not supported";
            if (brand.startsWith("hei") || brand.startsWith("mif") || brand.startsWith("hev")) return "looks like HEIC/HEIF, which is not supported";
            return "looks like an ISO media file ('" + brand + "')";
        }
        if (n >= 4 && b[0] == '%' && b[1] == 'P' && b[2] == 'D' && b[3] == 'F') return "looks like a PDF";
        if (n >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) return "starts like a JPEG but no decoder accepts it";
        if (n >= 4 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "starts like a PNG but no decoder accepts it";
        boolean text = n > 0;
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f) { text = false; break; }
        }
        return text ? "looks like text" : "";
    }

    private static ImageException corrupt(String name, String format, String what, Throwable e, Reopen source) {
        boolean truncated = e instanceof EOFException || e.getCause() instanceof EOFException
                || (e instanceof IIOException && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("eof"))
                // the PNG reader reports a chunk cut off by the end of the file as "Invalid chunk length"
                || (format.equals("PNG") && pngEndsEarly(source));
        String detail = describe(e);
        if (truncated) {
            return new ImageException(name, Problem.CORRUPT, "truncated " + format + " file: the data ends early ("
                    + what + (detail.equals("EOFException") ? "" : ": " + detail) + ")", e);
        }
        return new ImageException(name, Problem.CORRUPT, "corrupt " + format + " data: " + what
                + (detail.isEmpty() ? "" : " (" + detail + ")"), e);
    }

    /** Whether a PNG file ends inside a chunk or before its IEND chunk (a truncated file), by walking its chunks. */
    private static boolean pngEndsEarly(Reopen source) {
        try (InputStream in = source.open()) {
            in.skipNBytes(8); // signature
            byte[] header = new byte[8];
            while (true) {
                if (in.readNBytes(header, 0, 8) < 8) return true;
                long length = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
                if (header[4] == 'I' && header[5] == 'E' && header[6] == 'N' && header[7] == 'D') return false;
                in.skipNBytes(length + 4); // data and CRC; EOFException when the file ends first
            }
        } catch (EOFException e) {
            return !endsWithIend(source); // a complete file whose chunk length is damaged is corrupt, not truncated
        } catch (IOException e) {
            return false; // unreadable now: say corrupt, as before
        }
    }

    private static final byte[] IEND_CHUNK = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xae, 0x42, 0x60, (byte) 0x82};

    private static boolean endsWithIend(Reopen source) {
        try (InputStream in = source.open()) {
            byte[] all = in.readAllBytes();
            return all.length >= IEND_CHUNK.length
                    && Arrays.equals(all, all.length - IEND_CHUNK.length, all.length, IEND_CHUNK, 0, IEND_CHUNK.length);
        } catch (IOException e) {
            return false;
        }
    }

    /** The decoder's format name as people write it. */
    private static String displayFormat(String readerFormat) {
        String f = readerFormat.toUpperCase(Locale.ROOT);
        return switch (f) {
            case "JPG" -> "JPEG";
            case "TIF" -> "TIFF";
            case "WEBP" -> "WebP";
            default -> f;
        };
    }

    /** The exception's message with its causes' messages, without class names where a message exists. */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof UncheckedIOException) continue;
            String part = m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
            if (sb.indexOf(part) >= 0) continue;
            if (sb.length() > 0) sb.append(": ");
            sb.append(part);
        }
        return sb.toString();
    }
}
