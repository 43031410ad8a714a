package org.gradcam4j.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.gradcam4j.model.Model;

/**
 * Where downloaded weight files live: {@code ROOT/weights/<published file name>}, next to the
 * {@code <name>.part} of an unfinished download. A file appears under its final name only after its checksum
 * matched (it is renamed into place in one step), so a file that exists was complete and verified when it
 * arrived; {@link #status} checks it again on demand.
 *
 * <p>ROOT is, in order: the {@code gradcam4j.cache} system property (tests, embedding), {@code $GRADCAM4J_CACHE},
 * {@code ~/.cache/gradcam4j}.
 */
public final class WeightsCache {
    static final String PART_SUFFIX = ".part";

    private final Path root;

    public WeightsCache(Path root) {
        this.root = root;
    }

    public static WeightsCache atDefault() {
        return new WeightsCache(defaultRoot());
    }

    public static Path defaultRoot() {
        String p = org.gradcam4j.SystemProperty.CACHE.value();
        if (p == null || p.isBlank()) p = System.getenv("GRADCAM4J_CACHE");
        if (p != null && !p.isBlank()) return Path.of(p);
        return Path.of(System.getProperty("user.home"), ".cache", "gradcam4j");
    }

    public Path root() { return root; }

    /** The folder holding the weight files. */
    public Path dir() { return root.resolve("weights"); }

    /** Where {@code f} lives once downloaded and verified. */
    public Path path(PretrainedFile f) { return dir().resolve(f.fileName()); }

    /** The unfinished download of {@code f}, resumed by the next fetch. */
    public Path partPath(PretrainedFile f) { return dir().resolve(f.fileName() + PART_SUFFIX); }

    /** What the cache holds for one file. */
    public enum State {
        /** Present, and its MD5 is the pinned one (or, unverified, merely present). */
        VERIFIED,
        /** Present but its MD5 differs: fetch again with --force. */
        CORRUPT,
        /** Only a partial download: fetch resumes it. */
        PARTIAL,
        ABSENT
    }

    /**
     * @param size bytes of the file, or of the partial download for {@link State#PARTIAL}; 0 when absent
     * @param md5  the computed MD5 (null unless the file was hashed)
     */
    public record Status(PretrainedFile file, State state, long size, String md5) {}

    /**
     * The fast-loading model file written beside a fetched Keras file ({@code <name>.gradcam4j.h5}, weights/FORMAT.md):
     * the same parameters in the canonical layout, aligned so that loading maps them instead of converting them.
     */
    public Path modelPath(PretrainedFile f) {
        String n = f.fileName();
        return dir().resolve((n.endsWith(".h5") ? n.substring(0, n.length() - 3) : n) + ".gradcam4j.h5");
    }

    /** The {@code source} a model file records for the Keras file it was converted from: its name and pinned MD5. */
    static String modelSource(PretrainedFile f) {
        return f.fileName() + " (Keras HDF5, MD5 " + f.md5() + ")";
    }

    /**
     * Converts the cached Keras file of {@code f} into its {@link #modelPath model file} (atomically), unless a current
     * one is there. Returns the model file.
     *
     * @throws WeightsException when the Keras file cannot be read or the model file cannot be written
     */
    public Path writeModel(PretrainedFile f) {
        Path model = modelPath(f);
        if (currentModel(f, null) != null) return model;
        Model m = ModelLoader.load(path(f), null);
        CanonicalModelFile.write(new Model(m.architecture(), m.preprocessing(), m.labels(), m.weights(), modelSource(f)), model);
        return model;
    }

    /**
     * Loads the pretrained file {@code f} (which must be cached): from its model file when that was converted from
     * this very Keras file (its recorded MD5 is the pinned one), else from the Keras file itself, as before.
     *
     * @param arch as for {@link ModelLoader#load}
     */
    public Model load(PretrainedFile f, String arch) {
        Model m = currentModel(f, arch);
        return m != null ? m : ModelLoader.load(path(f), arch);
    }

    /** The model file of {@code f} when it is there, readable and converted from the pinned Keras file; else null. */
    private Model currentModel(PretrainedFile f, String arch) {
        Path model = modelPath(f);
        if (!Files.isRegularFile(model)) return null;
        try {
            Model m = ModelLoader.load(model, arch);
            return m.source().contains(modelSource(f)) ? m : null;
        } catch (WeightsException e) {
            return null; // a damaged or foreign file: the Keras file is the reference
        }
    }

    /** The state of {@code f}; hashes the whole file (a second or so for VGG16's 528 MiB). */
    public Status status(PretrainedFile f) throws IOException {
        Path p = path(f);
        if (Files.isRegularFile(p)) {
            String md5 = md5(p);
            return new Status(f, md5.equals(f.md5()) ? State.VERIFIED : State.CORRUPT, Files.size(p), md5);
        }
        Path part = partPath(f);
        if (Files.isRegularFile(part)) return new Status(f, State.PARTIAL, Files.size(part), null);
        return new Status(f, State.ABSENT, 0, null);
    }

    /** MD5 of a file's content as 32 lower-case hex digits. */
    public static String md5(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no MD5", e); // every Java SE runtime must have it
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            byte[] buf = new byte[1 << 20];
            while (in.read(buf) >= 0) { /* the digest sees every byte */ }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
