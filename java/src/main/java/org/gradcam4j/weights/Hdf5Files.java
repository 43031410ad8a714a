package org.gradcam4j.weights;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.gradcam4j.tensor.Tensor;

/**
 * The HDF5 plumbing shared by the weight readers and writers: opening a file only after checking
 * that it exists, is HDF5 and is not shorter than its own header says (jhdf would otherwise fail
 * late with a low-level message, or read zeros past the end), and typed access to attributes that
 * may have been written by h5py (int64, float64, fixed- or variable-length strings, byte strings)
 * or by jhdf (int32, float32, fixed-length UTF-8).
 */
final class Hdf5Files {
    /** The 8-byte HDF5 format signature. */
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private Hdf5Files() {}

    /** Opens {@code file} with jhdf after the checks above; every failure is a {@link WeightsException} naming the file. */
    static HdfFile open(Path file) {
        String name = file.toString();
        if (!Files.exists(file)) throw new WeightsException(name, "file not found");
        if (Files.isDirectory(file)) throw new WeightsException(name, "is a directory, not a weight file");
        if (!Files.isReadable(file)) throw new WeightsException(name, "file is not readable (permission denied)");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long sb = signatureOffset(ch, size);
            if (sb < 0) throw new WeightsException(name, notHdf5Problem(file, size));
            checkLength(ch, name, sb, size);
        } catch (NoSuchFileException e) {
            throw new WeightsException(name, "file not found", e);
        } catch (AccessDeniedException e) {
            throw new WeightsException(name, "file is not readable (permission denied)", e);
        } catch (IOException e) {
            throw new WeightsException(name, "cannot read file: " + e.getMessage(), e);
        }
        return guard(file, () -> new HdfFile(file));
    }

    private static String notHdf5Problem(Path file, long size) {
        String lower = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        String hint = "";
        if (lower.endsWith(".pth") || lower.endsWith(".pt")) {
            hint = " (a PyTorch file: convert it first with tools/convert_torchvision.py)";
        } else if (lower.endsWith(".npy")) {
            hint = " (a NumPy file: convert it first with tools/convert_npy.py)";
        }
        return size == 0 ? "file is empty, not an HDF5 file" : "not an HDF5 file (no HDF5 signature)" + hint;
    }

    /** Where the superblock starts (0, 512, 1024, 2048, ...), or -1 when the signature is nowhere. */
    static long signatureOffset(FileChannel ch, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(SIGNATURE.length);
        for (long off = 0; off + SIGNATURE.length <= size; off = off == 0 ? 512 : off * 2) {
            buf.clear();
            if (readFully(ch, buf, off) && Arrays.equals(buf.array(), SIGNATURE)) return off;
        }
        return -1;
    }

    /**
     * Compares the file's length with the end-of-file address its superblock records: a file cut
     * short (an interrupted download or copy) is caught here, before jhdf maps regions that are not there.
     */
    private static void checkLength(FileChannel ch, String name, long sb, long size) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, head, sb);
        head.flip();
        if (head.limit() < 16) throw new WeightsException(name, "truncated or corrupt HDF5 file (superblock cut short)");
        int version = head.get(8) & 0xff;
        int offsetSize;
        int baseAt;
        int eofAt;
        switch (version) {
            case 0, 1 -> {
                offsetSize = head.get(13) & 0xff;
                baseAt = version == 0 ? 24 : 28;
                eofAt = baseAt + 2 * offsetSize;
            }
            case 2, 3 -> {
                offsetSize = head.get(9) & 0xff;
                baseAt = 12;
                eofAt = baseAt + 2 * offsetSize;
            }
            default -> throw new WeightsException(name, "unsupported HDF5 superblock version " + version);
        }
        if (offsetSize != 8 && offsetSize != 4) {
            throw new WeightsException(name, "truncated or corrupt HDF5 file (offset size " + offsetSize + " in the superblock)");
        }
        if (head.limit() < eofAt + offsetSize) throw new WeightsException(name, "truncated or corrupt HDF5 file (superblock cut short)");
        long base = readOffset(head, baseAt, offsetSize);
        long eof = readOffset(head, eofAt, offsetSize);
        if (base < 0 || eof < 0) return; // "undefined address": nothing to compare with
        long needed = base + eof;
        if (needed > size) {
            throw new WeightsException(name, "truncated or corrupt HDF5 file: its header says " + needed
                    + " bytes but the file has " + size);
        }
    }

    private static long readOffset(ByteBuffer b, int at, int size) {
        long v = size == 8 ? b.getLong(at) : b.getInt(at) & 0xffffffffL;
        return (size == 8 && v == -1L) || (size == 4 && v == 0xffffffffL) ? -1 : v;
    }

    private static boolean readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) return false;
            pos += n;
        }
        return true;
    }

    /**
     * Runs a jhdf read: our own {@link WeightsException}s pass through, anything jhdf or the JDK
     * throws (bad offsets, short reads, buffer underflows) becomes "truncated or corrupt".
     */
    static <T> T guard(Path file, Supplier<T> body) {
        try {
            return body.get();
        } catch (WeightsException e) {
            throw e;
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new WeightsException(file.toString(), "truncated or corrupt HDF5 file (" + why + ")", e);
        }
    }

    // ---- attributes -------------------------------------------------------------------------------------

    static boolean hasAttribute(Node node, String attr) {
        return node.getAttributes().containsKey(attr);
    }

    private static Object attributeData(Path file, Node node, String attr) {
        Attribute a = node.getAttribute(attr);
        if (a == null) throw new WeightsException(file.toString(), "missing attribute '" + attr + "' on " + where(node));
        return a.getData();
    }

    /** A string attribute: fixed- or variable-length, scalar or a one-element array, or raw bytes. */
    static String stringAttribute(Path file, Node node, String attr) {
        List<String> s = strings(attributeData(file, node, attr));
        if (s.size() != 1) {
            throw new WeightsException(file.toString(), "attribute '" + attr + "' on " + where(node) + " should be one string, has " + s.size());
        }
        return s.get(0);
    }

    /** A list of strings (Keras {@code layer_names} / {@code weight_names}). */
    static List<String> stringListAttribute(Path file, Node node, String attr) {
        return strings(attributeData(file, node, attr));
    }

    /**
     * Normalises what jhdf returns for string-like data: {@code String}, {@code String[]} (any rank),
     * {@code byte[]} (one string, e.g. numpy {@code S} read as bytes, NUL padding removed) or arrays of those.
     */
    static List<String> strings(Object data) {
        List<String> out = new ArrayList<>();
        collectStrings(data, out);
        return out;
    }

    private static void collectStrings(Object data, List<String> out) {
        if (data == null) return;
        if (data instanceof String s) {
            out.add(stripNuls(s));
        } else if (data instanceof byte[] b) {
            out.add(stripNuls(new String(b, StandardCharsets.UTF_8)));
        } else if (data.getClass().isArray() && !data.getClass().getComponentType().isPrimitive()) {
            int n = Array.getLength(data);
            for (int i = 0; i < n; i++) collectStrings(Array.get(data, i), out);
        } else {
            throw new IllegalArgumentException("expected strings, found " + data.getClass().getSimpleName());
        }
    }

    private static String stripNuls(String s) {
        int end = s.indexOf('\0');
        return end < 0 ? s : s.substring(0, end);
    }

    static int intAttribute(Path file, Node node, String attr) {
        long[] v = longs(file, node, attr);
        if (v.length != 1) throw new WeightsException(file.toString(), "attribute '" + attr + "' should be one integer, has " + v.length);
        return toInt(file, attr, v[0]);
    }

    static int[] intArrayAttribute(Path file, Node node, String attr) {
        long[] v = longs(file, node, attr);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = toInt(file, attr, v[i]);
        return out;
    }

    private static int toInt(Path file, String attr, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new WeightsException(file.toString(), "attribute '" + attr + "' value " + v + " is out of range");
        return (int) v;
    }

    private static long[] longs(Path file, Node node, String attr) {
        Object d = attributeData(file, node, attr);
        if (d instanceof Number n) return new long[] {n.longValue()};
        if (d instanceof int[] a) return Arrays.stream(a).asLongStream().toArray();
        if (d instanceof long[] a) return a.clone();
        if (d instanceof short[] a) { long[] o = new long[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        if (d instanceof byte[] a) { long[] o = new long[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        throw new WeightsException(file.toString(), "attribute '" + attr + "' on " + where(node) + " should be integer, is " + d.getClass().getSimpleName());
    }

    static float floatAttribute(Path file, Node node, String attr) {
        float[] v = floatArrayAttribute(file, node, attr);
        if (v.length != 1) throw new WeightsException(file.toString(), "attribute '" + attr + "' should be one number, has " + v.length);
        return v[0];
    }

    static float[] floatArrayAttribute(Path file, Node node, String attr) {
        Object d = attributeData(file, node, attr);
        if (d instanceof Number n) return new float[] {n.floatValue()};
        if (d instanceof float[] a) return a.clone();
        if (d instanceof double[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = (float) a[i]; return o; }
        if (d instanceof int[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        if (d instanceof long[] a) { float[] o = new float[a.length]; for (int i = 0; i < a.length; i++) o[i] = a[i]; return o; }
        throw new WeightsException(file.toString(), "attribute '" + attr + "' on " + where(node) + " should be numeric, is " + d.getClass().getSimpleName());
    }

    // ---- datasets ---------------------------------------------------------------------------------------

    /** A float dataset's values, flat in row-major order (float64 is narrowed to float32). */
    static float[] floats(Path file, Dataset d) {
        float[] bulk = contiguousFloat32(d);
        if (bulk != null) return bulk;
        Object flat = d.getDataFlat();
        if (flat instanceof float[] f) return f;
        if (flat instanceof double[] a) {
            float[] o = new float[a.length];
            for (int i = 0; i < a.length; i++) o[i] = (float) a[i];
            return o;
        }
        throw new WeightsException(file.toString(), "dataset " + d.getPath() + " holds " + d.getJavaType().getSimpleName()
                + ", expected float32 or float64");
    }

    /** Floats per slice of a bulk copy: large datasets (VGG's fc1, 400 MB) are copied by all cores at once. */
    private static final int SLICE = 1 << 22;

    /**
     * The fast path for what every writer here (h5py's {@code save_weights}, jhdf, tools/vgg_layouts.py) produces:
     * an unfiltered contiguous float32 dataset is one run of bytes in the file, so it is copied from jhdf's mapping
     * of it in bulk, in parallel slices, instead of through jhdf's general reader. Anything else (chunked,
     * compressed, float64, odd bit layouts) returns null and takes the general path.
     */
    static float[] contiguousFloat32(Dataset d) {
        return contiguousFloat32(d, SLICE);
    }

    /** As {@link #contiguousFloat32(Dataset)} with {@code slice} floats per parallel slice (tests use small ones). */
    static float[] contiguousFloat32(Dataset d, int slice) {
        if (!isContiguousFloat32(d)) return null;
        io.jhdf.object.datatype.FloatingPoint fp = (io.jhdf.object.datatype.FloatingPoint) d.getDataType();
        long n = d.getSize();
        ByteBuffer bytes = ((io.jhdf.api.dataset.ContiguousDataset) d).getBuffer();
        if (bytes.remaining() < n * 4) return null; // let the general reader report it
        java.nio.FloatBuffer src = bytes.slice().order(fp.getByteOrder()).asFloatBuffer();
        float[] out = new float[(int) n];
        int slices = (int) ((n + slice - 1) / slice);
        java.util.stream.IntStream.range(0, slices).parallel().forEach(i -> {
            int from = i * slice;
            src.get(from, out, from, (int) Math.min(slice, n - from));
        });
        return out;
    }

    /**
     * A float dataset as a tensor of {@code shape}: a {@linkplain Tensor#view view} of the file's mapping when the
     * dataset is one unfiltered contiguous run of float32 in the platform's byte order (nothing is copied: the values
     * stay in the page cache, shared by every process that maps the file, until something asks for a heap array);
     * else read into a heap array. {@code -Dgradcam4j.mapWeights=false} always reads.
     */
    static Tensor tensor(Path file, Dataset d, int[] shape) {
        java.nio.FloatBuffer mapped = org.gradcam4j.SystemProperty.MAP_WEIGHTS.flag() ? mappedFloat32(d) : null;
        return mapped != null ? Tensor.view(mapped, shape) : new Tensor(floats(file, d), shape);
    }

    /**
     * The values of an unfiltered contiguous float32 dataset in the platform's byte order as a read-only view of the
     * file mapped by jhdf, or null (anything else, or where jhdf read the bytes instead of mapping them). The
     * mapping outlives the file's channel; it goes when the view is garbage.
     */
    static java.nio.FloatBuffer mappedFloat32(Dataset d) {
        if (!isContiguousFloat32(d)) return null;
        io.jhdf.object.datatype.FloatingPoint fp = (io.jhdf.object.datatype.FloatingPoint) d.getDataType();
        if (fp.getByteOrder() != ByteOrder.nativeOrder()) return null;
        long n = d.getSize();
        ByteBuffer bytes = ((io.jhdf.api.dataset.ContiguousDataset) d).getBuffer();
        if (!bytes.isDirect() || bytes.remaining() < n * 4) return null;
        return bytes.slice().order(fp.getByteOrder()).asFloatBuffer().limit((int) n).slice().asReadOnlyBuffer();
    }

    /** Whether a dataset is one unfiltered contiguous run of float32 values (of fewer than 2^31 elements). */
    private static boolean isContiguousFloat32(Dataset d) {
        if (!(d instanceof io.jhdf.api.dataset.ContiguousDataset) || !d.getFilters().isEmpty() || d.isEmpty()) return false;
        return d.getDataType() instanceof io.jhdf.object.datatype.FloatingPoint fp && fp.getSize() == 4
                && fp.getBitPrecision() == 32 && fp.getBitOffset() == 0 && d.getSize() <= Integer.MAX_VALUE - 8;
    }

    /** A dataset's strings (labels): fixed- or variable-length. */
    static List<String> stringDataset(Path file, Dataset d) {
        try {
            return strings(d.getData());
        } catch (IllegalArgumentException e) {
            throw new WeightsException(file.toString(), "dataset " + d.getPath() + " should hold strings: " + e.getMessage(), e);
        }
    }

    /** The nested Java array jhdf writes as a dataset of the tensor's shape (jhdf takes shapes from array nesting). */
    static Object nested(Tensor t) {
        // a view in another order (a Keras file's kernel, mapped) is reordered once, cache-blocked, rather than read row
        // by row through its index map (fc1's rows would gather 25,088 values 16 KB apart each)
        if (t.storedOrder() != null) t = new Tensor(t.toArray(), t.shape());
        int[] shape = t.shape();
        if (shape.length == 1) return t.toArray();
        Object out = Array.newInstance(float.class, shape);
        int row = shape[shape.length - 1];
        int rows = row == 0 ? 0 : t.size() / row;
        int[] idx = new int[shape.length - 1];
        for (int r = 0; r < rows; r++) {
            Object a = out;
            for (int d = 0; d < idx.length - 1; d++) a = Array.get(a, idx[d]);
            t.read(r * row, (float[]) Array.get(a, idx[idx.length - 1]), 0, row); // a view stays a view
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    static String where(Node node) {
        String p = node.getPath();
        return p == null || p.isEmpty() || p.equals("/") ? "the root group" : "'" + p + "'";
    }
}
