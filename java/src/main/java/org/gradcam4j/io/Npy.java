package org.gradcam4j.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The .npy format (numpy's NEP 1), for the arrays of {@link NpyArray}: writes version 1.0 headers (2.0 only
 * when a header would not fit), reads versions 1 to 3. Header layout: magic {@code \x93NUMPY}, version bytes,
 * little-endian header length, then a Python dict literal padded with spaces and a newline so that the data
 * starts at a multiple of 64 bytes.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int CHUNK = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** Writes one array as a standalone .npy file, atomically. */
    public static void write(Path path, NpyArray array) throws IOException {
        AtomicFiles.write(path, out -> writeTo(out, array));
    }

    /** Reads a standalone .npy file. */
    public static NpyArray read(Path path) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(path), CHUNK)) {
            return readFrom(in, path.toString());
        }
    }

    /** The header, magic included, of {@code array}. */
    static byte[] header(NpyArray array) {
        int[] shape = array.shape();
        StringBuilder tuple = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) tuple.append(", ");
            tuple.append(shape[i]);
        }
        if (shape.length == 1) tuple.append(',');
        tuple.append(')');
        String dict = "{'descr': '" + array.descr() + "', 'fortran_order': False, 'shape': " + tuple + ", }";
        int major = 1;
        int prefix = MAGIC.length + 2 + 2;
        int unpadded = prefix + dict.length() + 1;
        int padded = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
        if (padded - prefix > 0xFFFF) {
            major = 2;
            prefix = MAGIC.length + 2 + 4;
            unpadded = prefix + dict.length() + 1;
            padded = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
        }
        int headerLen = padded - prefix;
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) b.putShort((short) headerLen); else b.putInt(headerLen);
        b.put(dict.getBytes(StandardCharsets.US_ASCII));
        while (b.position() < padded - 1) b.put((byte) ' ');
        b.put((byte) '\n');
        return b.array();
    }

    /** Total bytes of the array as .npy: header plus data. */
    static long byteSize(NpyArray array) {
        return header(array).length + 4L * array.size();
    }

    /** Writes header and data to {@code out}. */
    public static void writeTo(OutputStream out, NpyArray array) throws IOException {
        out.write(header(array));
        forEachDataChunk(array, out::write);
    }

    interface ChunkSink {
        void accept(byte[] b, int off, int len) throws IOException;
    }

    /** The array's data, little-endian, in chunks of a reused buffer. */
    static void forEachDataChunk(NpyArray array, ChunkSink sink) throws IOException {
        byte[] buf = new byte[CHUNK];
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK / 4;
        int n = array.size();
        for (int start = 0; start < n; start += perChunk) {
            int len = Math.min(perChunk, n - start);
            bb.clear();
            if (array instanceof NpyArray.Float32 f) bb.asFloatBuffer().put(f.data(), start, len);
            else bb.asIntBuffer().put(((NpyArray.Int32) array).data(), start, len);
            sink.accept(buf, 0, len * 4);
        }
    }

    /**
     * Reads one array from {@code in}.
     *
     * @param origin names the file (and entry) in error messages
     */
    public static NpyArray readFrom(InputStream in, String origin) throws IOException {
        byte[] magic = readExactly(in, MAGIC.length + 2, origin);
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) throw new IOException(origin + ": not an .npy array (bad magic)");
        }
        int major = magic[6];
        int headerLen;
        if (major == 1) {
            headerLen = ByteBuffer.wrap(readExactly(in, 2, origin)).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        } else if (major == 2 || major == 3) {
            headerLen = ByteBuffer.wrap(readExactly(in, 4, origin)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (headerLen < 0 || headerLen > (1 << 24)) throw new IOException(origin + ": implausible .npy header length " + headerLen);
        } else {
            throw new IOException(origin + ": unsupported .npy version " + major + "." + magic[7]);
        }
        String header = new String(readExactly(in, headerLen, origin),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr", origin);
        if (group(FORTRAN, header, "fortran_order", origin).equals("True")) {
            throw new IOException(origin + ": Fortran-order arrays are not supported (write them in C order)");
        }
        int[] shape = parseShape(group(SHAPE, header, "shape", origin), origin);
        long count = 1;
        for (int s : shape) count *= s;
        if (count > Integer.MAX_VALUE - 8) throw new IOException(origin + ": array of " + count + " values is too large");
        int n = (int) count;
        switch (descr) {
            case "<f4" -> {
                float[] data = new float[n];
                readData(in, n, origin, (bb, start, len) -> bb.asFloatBuffer().get(data, start, len));
                return new NpyArray.Float32(data, shape);
            }
            case "<i4" -> {
                int[] data = new int[n];
                readData(in, n, origin, (bb, start, len) -> bb.asIntBuffer().get(data, start, len));
                return new NpyArray.Int32(data, shape);
            }
            default -> throw new IOException(origin + ": unsupported dtype '" + descr + "' (gradcam4j reads <f4 and <i4)");
        }
    }

    private interface ChunkDecoder {
        void decode(ByteBuffer bb, int start, int len);
    }

    private static void readData(InputStream in, int n, String origin, ChunkDecoder decoder) throws IOException {
        byte[] buf = new byte[CHUNK];
        int perChunk = CHUNK / 4;
        for (int start = 0; start < n; start += perChunk) {
            int len = Math.min(perChunk, n - start);
            int got = in.readNBytes(buf, 0, len * 4);
            if (got != len * 4) throw new EOFException(origin + ": data ends after " + (start * 4L + got) + " of " + n * 4L + " bytes");
            decoder.decode(ByteBuffer.wrap(buf, 0, len * 4).order(ByteOrder.LITTLE_ENDIAN), start, len);
        }
    }

    private static int[] parseShape(String inner, String origin) throws IOException {
        List<Integer> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String p = part.trim();
            if (p.endsWith("L")) p = p.substring(0, p.length() - 1); // Python 2 longs
            if (p.isEmpty()) continue;
            try {
                int d = Integer.parseInt(p);
                if (d < 0) throw new NumberFormatException();
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new IOException(origin + ": bad shape (" + inner + ")");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String group(Pattern p, String header, String key, String origin) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IOException(origin + ": .npy header has no '" + key + "': " + header.trim());
        return m.group(1);
    }

    private static byte[] readExactly(InputStream in, int n, String origin) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new EOFException(origin + ": truncated .npy header");
        return b;
    }
}
