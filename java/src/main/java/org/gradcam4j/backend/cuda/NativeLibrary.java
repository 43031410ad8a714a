package org.gradcam4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.gradcam4j.io.AtomicFiles;

/**
 * Finds and loads {@code libgradcam4j_native.so} (the JNI library built from {@code native/}) once per JVM.
 * Places tried, in order:
 * <ol>
 *   <li>{@code -Dgradcam4j.native.path=FILE};</li>
 *   <li>the library bundled in the jar ({@code mvn -Pnative package}) at
 *       {@code /org/gradcam4j/native/<os>-<arch>/libgradcam4j_native.so}, extracted to
 *       {@code $GRADCAM4J_CACHE/native/<version>-<sha256 prefix>/} (default cache {@code ~/.cache/gradcam4j}): a
 *       new version or a rebuilt library gets a new folder, so a running JVM's file is never overwritten, and the
 *       file is written to a temporary name and renamed, so a concurrent JVM never loads half a library;</li>
 *   <li>{@code System.loadLibrary("gradcam4j_native")} on {@code java.library.path};</li>
 *   <li>{@code build/native/lib/libgradcam4j_native.so} under the working directory (a developer build).</li>
 * </ol>
 * Loading never throws {@link UnsatisfiedLinkError} to callers: the {@link LoadResult} says where the library came
 * from, or every place tried and why each failed.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = org.gradcam4j.SystemProperty.NATIVE_PATH.key();
    public static final String CACHE_ENV = "GRADCAM4J_CACHE";
    static final String NAME = "gradcam4j_native";
    static final Path DEVELOPER_BUILD = Path.of("build", "native", "lib", System.mapLibraryName(NAME));

    /** One place tried and what happened there. */
    public record Attempt(String place, boolean loaded, String outcome) {
        @Override
        public String toString() { return place + ": " + outcome; }
    }

    /** The outcome: the file loaded ({@code path}, empty when none) and every attempt in order. */
    public record LoadResult(Optional<Path> path, List<Attempt> attempts) {
        public LoadResult {
            attempts = List.copyOf(attempts);
        }

        public boolean loaded() { return path.isPresent(); }

        /** The attempt that loaded the library, if any. */
        public Optional<Attempt> source() { return attempts.stream().filter(Attempt::loaded).findFirst(); }

        /** "the gradcam4j native library (...) could not be loaded; tried A: why; B: why", or where it came from. */
        public String summary() {
            if (loaded()) return source().map(Attempt::toString).orElse(path.get().toString());
            return "the gradcam4j native library (" + System.mapLibraryName(NAME) + ") could not be loaded; tried "
                    + String.join("; ", attempts.stream().map(Attempt::toString).toList());
        }
    }

    /** Where to look. {@link #defaults()} for the real search; tests substitute their own places. */
    record Search(String overridePath, String resource, Path cacheRoot, String version, String libraryName,
                  Path developerBuild) {
        static Search defaults() {
            String cache = System.getenv(CACHE_ENV);
            Path root = cache != null && !cache.isBlank() ? Path.of(cache)
                    : Path.of(System.getProperty("user.home"), ".cache", "gradcam4j");
            String v = NativeLibrary.class.getPackage().getImplementationVersion();
            return new Search(org.gradcam4j.SystemProperty.NATIVE_PATH.isSet() ? org.gradcam4j.SystemProperty.NATIVE_PATH.value() : null, bundledResource(), root, v == null ? "dev" : v, NAME,
                    DEVELOPER_BUILD.toAbsolutePath());
        }
    }

    private static LoadResult loaded;

    private NativeLibrary() {}

    /** Loads the library the first time and returns the same result afterwards. Never throws. */
    public static synchronized LoadResult load() {
        if (loaded == null) loaded = load(Search.defaults());
        return loaded;
    }

    /** The jar resource for this platform, e.g. {@code /org/gradcam4j/native/linux-x86_64/libgradcam4j_native.so}. */
    public static String bundledResource() {
        return "/org/gradcam4j/native/" + platform() + "/" + System.mapLibraryName(NAME);
    }

    /** {@code <os>-<arch>} as tools/build-native.sh names it ({@code uname -s}, {@code uname -m}). */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) os = "linux";
        else if (os.startsWith("mac")) os = "darwin";
        else if (os.startsWith("windows")) os = "windows";
        if (arch.equals("amd64") || arch.equals("x86-64")) arch = "x86_64";
        else if (arch.equals("arm64")) arch = "aarch64";
        return os + "-" + arch;
    }

    static LoadResult load(Search s) {
        List<Attempt> attempts = new ArrayList<>();
        Optional<Path> path = fromOverride(s, attempts);
        if (path.isEmpty()) path = fromJar(s, attempts);
        if (path.isEmpty()) path = fromLibraryPath(s, attempts);
        if (path.isEmpty()) path = fromFile("developer build " + s.developerBuild(), s.developerBuild(), attempts);
        return new LoadResult(path, attempts);
    }

    private static Optional<Path> fromOverride(Search s, List<Attempt> attempts) {
        String place = "-D" + PATH_PROPERTY;
        if (s.overridePath() == null || s.overridePath().isBlank()) {
            attempts.add(new Attempt(place, false, "not set"));
            return Optional.empty();
        }
        return fromFile(place + "=" + s.overridePath(), Path.of(s.overridePath()).toAbsolutePath(), attempts);
    }

    private static Optional<Path> fromJar(Search s, List<Attempt> attempts) {
        String place = "jar resource " + s.resource();
        byte[] bytes;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(s.resource())) {
            if (in == null) {
                attempts.add(new Attempt(place, false, "not on the class path (a jar built with `mvn -Pnative package` "
                        + "bundles it, for the platform it was built on)"));
                return Optional.empty();
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            attempts.add(new Attempt(place, false, "cannot read it: " + e));
            return Optional.empty();
        }
        Path file = s.cacheRoot().resolve("native").resolve(s.version() + "-" + sha256(bytes).substring(0, 16))
                .resolve(System.mapLibraryName(s.libraryName())).toAbsolutePath();
        try {
            // The folder name carries the content hash, and files appear there only by an atomic rename: a file of
            // the right size is the complete library from an earlier run.
            if (!Files.isRegularFile(file) || Files.size(file) != bytes.length) AtomicFiles.write(file, bytes);
        } catch (IOException | RuntimeException e) {
            attempts.add(new Attempt(place, false, "cannot extract it to " + file + ": " + e));
            return Optional.empty();
        }
        return fromFile(place + " extracted to " + file, file, attempts);
    }

    private static Optional<Path> fromLibraryPath(Search s, List<Attempt> attempts) {
        String libraryPath = System.getProperty("java.library.path", "");
        String place = "System.loadLibrary(\"" + s.libraryName() + "\") on java.library.path";
        try {
            System.loadLibrary(s.libraryName());
        } catch (UnsatisfiedLinkError | SecurityException e) {
            attempts.add(new Attempt(place, false, String.valueOf(e.getMessage())));
            return Optional.empty();
        }
        Path found = Path.of(System.mapLibraryName(s.libraryName()));
        for (String dir : libraryPath.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir).resolve(found);
            if (!dir.isEmpty() && Files.isRegularFile(candidate)) {
                found = candidate.toAbsolutePath();
                break;
            }
        }
        return verified(place, found, attempts);
    }

    private static Optional<Path> fromFile(String place, Path file, List<Attempt> attempts) {
        if (!Files.isRegularFile(file)) {
            attempts.add(new Attempt(place, false, Files.exists(file) ? "not a regular file" : "no such file"));
            return Optional.empty();
        }
        if (platform().startsWith("linux-") && !isElf(file)) {
            // checked here because HotSpot, handed a non-ELF file, also warns about the stack guard on stderr
            attempts.add(new Attempt(place, false, "not a shared library (no ELF header)"));
            return Optional.empty();
        }
        try {
            System.load(file.toString());
        } catch (UnsatisfiedLinkError | SecurityException e) {
            // e.g. "invalid ELF header", or a dependency (libcudnn.so.9) the dynamic loader cannot find
            attempts.add(new Attempt(place, false, "cannot load it: " + e.getMessage()));
            return Optional.empty();
        }
        return verified(place, file, attempts);
    }

    /** A library that loads but lacks our entry points is another library of the same name, or an old build. */
    private static Optional<Path> verified(String place, Path file, List<Attempt> attempts) {
        try {
            CudaNative.buildInfo();
        } catch (UnsatisfiedLinkError e) {
            attempts.add(new Attempt(place, false, "loaded " + file + ", but it lacks the gradcam4j JNI entry points "
                    + "(an unrelated or outdated library): " + e.getMessage()));
            return Optional.empty();
        } catch (RuntimeException e) {
            attempts.add(new Attempt(place, false, "loaded " + file + ", but it does not answer: " + e.getMessage()));
            return Optional.empty();
        }
        attempts.add(new Attempt(place, true, "loaded " + file));
        return Optional.of(file);
    }

    private static boolean isElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            return true;  // let System.load report why it cannot read the file
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
