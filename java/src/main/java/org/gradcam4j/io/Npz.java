package org.gradcam4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.gradcam4j.tensor.Tensor;

/**
 * numpy's .npz: a zip archive with one {@code <name>.npy} entry per array, readable with {@code numpy.load}.
 * Entries are stored uncompressed, as {@code numpy.savez} does (float maps compress poorly). Files are written
 * atomically. The reader takes the same subset ({@code <f4}, {@code <i4}, C order) from any .npz, including
 * {@code savez_compressed} ones.
 */
public final class Npz {
    private Npz() {}

    /** Writes {@code arrays} (in iteration order) to {@code path}, replacing it atomically. */
    public static void write(Path path, Map<String, ? extends NpyArray> arrays) throws IOException {
        for (String name : arrays.keySet()) checkName(name);
        AtomicFiles.write(path, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, ? extends NpyArray> e : arrays.entrySet()) {
                NpyArray array = e.getValue();
                byte[] header = Npy.header(array);
                CRC32 crc = new CRC32();
                crc.update(header);
                Npy.forEachDataChunk(array, crc::update);
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(Npy.byteSize(array));
                entry.setCompressedSize(Npy.byteSize(array));
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(header);
                Npy.forEachDataChunk(array, zip::write);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /** Reads every {@code .npy} entry of {@code path}, in archive order. */
    public static Contents read(Path path) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (entry.isDirectory() || !name.endsWith(".npy")) continue;
                try (InputStream in = new java.io.BufferedInputStream(zip.getInputStream(entry), 1 << 16)) {
                    arrays.put(name.substring(0, name.length() - 4), Npy.readFrom(in, path + ":" + name));
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(path + ": not a readable .npz archive (" + e.getMessage() + ")", e);
        }
        return new Contents(path.toString(), arrays);
    }

    public static Builder builder() { return new Builder(); }

    private static void checkName(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0 || name.startsWith("/")) {
            throw new IllegalArgumentException("bad .npz array name '" + name + "'");
        }
    }

    /** Collects named arrays in insertion order, then writes them. */
    public static final class Builder {
        private final Map<String, NpyArray> arrays = new LinkedHashMap<>();

        public Builder put(String name, NpyArray array) {
            checkName(name);
            if (arrays.putIfAbsent(name, array) != null) throw new IllegalArgumentException("array '" + name + "' added twice");
            return this;
        }

        public Builder put(String name, Tensor tensor) { return put(name, NpyArray.of(tensor)); }

        public Builder putInts(String name, int[] data, int... shape) { return put(name, NpyArray.ofInts(data, shape)); }

        public Map<String, NpyArray> arrays() { return Collections.unmodifiableMap(arrays); }

        public void write(Path path) throws IOException { Npz.write(path, arrays); }
    }

    /** The arrays of one .npz, by name. */
    public static final class Contents {
        private final String origin;
        private final Map<String, NpyArray> arrays;

        Contents(String origin, Map<String, NpyArray> arrays) {
            this.origin = origin;
            this.arrays = Collections.unmodifiableMap(arrays);
        }

        /** Array names without the {@code .npy} suffix, in archive order. */
        public Set<String> names() { return arrays.keySet(); }

        public Map<String, NpyArray> arrays() { return arrays; }

        public boolean has(String name) { return arrays.containsKey(name); }

        public NpyArray get(String name) {
            NpyArray a = arrays.get(name);
            if (a == null) throw new IllegalArgumentException(origin + " has no array '" + name + "'; it has " + arrays.keySet());
            return a;
        }

        /** A float32 array as a tensor. */
        public Tensor tensor(String name) {
            if (get(name) instanceof NpyArray.Float32 f) return f.tensor();
            throw new IllegalArgumentException(origin + ": array '" + name + "' is " + get(name) + ", not float32");
        }

        /** An int32 array's values (any shape, flattened in C order). */
        public int[] ints(String name) {
            if (get(name) instanceof NpyArray.Int32 i) return i.data();
            throw new IllegalArgumentException(origin + ": array '" + name + "' is " + get(name) + ", not int32");
        }
    }
}
