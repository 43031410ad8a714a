package org.gradcam4j.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
