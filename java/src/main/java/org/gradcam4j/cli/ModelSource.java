package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import org.gradcam4j.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.weights.ModelLoader;
import org.gradcam4j.weights.PretrainedCatalog;
import org.gradcam4j.weights.PretrainedFile;
import org.gradcam4j.weights.WeightsCache;
import org.gradcam4j.weights.WeightsException;

/**
 * Resolves {@code --weights}: a weights file (handed to {@link ModelLoader}); {@code vgg16} or {@code vgg19}, the
 * Keras file that {@code gradcam4j weights fetch} put in the cache, loaded from the model file fetch wrote beside it
 * when that is current ({@link WeightsCache#load}; a file of that name is {@code ./vgg16});
 * {@code demo} for the
 * small CAM-head demo model (weights/DEMO.md); or {@code random:vgg16},
 * {@code random:vgg19}, {@code random:narrow} for seeded random networks (smoke runs and tests; their
 * predictions mean nothing). {@code narrow} is a 32 x 32-input, 10-class VGG16-shaped network, fast enough
 * for end-to-end tests of every output.
 */
final class ModelSource {
    static final String RANDOM_PREFIX = "random:";
    /** Fixed so that two runs with random weights give the same outputs (resume and tests rely on it). */
    static final long RANDOM_SEED = 42;

    /** {@code --weights demo}: the small CAM-head Fashion-MNIST canvas model shipped in weights/ (weights/DEMO.md). */
    static final String DEMO = "demo";
    static final String DEMO_FILE = "demo-fashion-cam.h5";
    static final String DEMO_RESOURCE = "/org/gradcam4j/demo/" + DEMO_FILE;

    private ModelSource() {}

    /**
     * The demo model file: weights/demo-fashion-cam.h5 of the checkout the working directory is in (so a freshly
     * trained one is picked up), else the copy bundled in the jar, extracted once into the cache
     * ({@code CACHE/demo/<sha256 prefix>/}, see {@link WeightsCache#defaultRoot()}) by an atomic rename, so that
     * every later run (and every Spark executor on the machine) reuses it and a killed process leaves nothing
     * behind. Where the cache cannot be written, a temporary file deleted at exit.
     */
    static Path demoFile() {
        return demoFile(Path.of(""), WeightsCache.defaultRoot());
    }

    static synchronized Path demoFile(Path workingDir, Path cacheRoot) {
        for (Path d = workingDir.toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("weights").resolve(DEMO_FILE);
            if (Files.isRegularFile(f)) return f;
        }
        if (demoTemporary != null && Files.isRegularFile(demoTemporary)) return demoTemporary;
        byte[] bytes;
        try (java.io.InputStream in = ModelSource.class.getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                throw new WeightsException(DEMO, "the demo model is neither in weights/ of this checkout nor bundled in the jar ("
                        + DEMO_RESOURCE + ")");
            }
            bytes = in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new WeightsException(DEMO, "cannot read the bundled demo model: " + e.getMessage(), e);
        }
        Path cached = cacheRoot.resolve("demo").resolve(sha256Prefix(bytes)).resolve(DEMO_FILE);
        try {
            // The folder carries the content hash and the file appears only by an atomic rename: a file of the
            // right size there is the complete model from an earlier run.
            if (!Files.isRegularFile(cached) || Files.size(cached) != bytes.length) AtomicFiles.write(cached, bytes);
            return cached;
        } catch (java.io.IOException | RuntimeException cacheFailed) {
            try {
                Path tmp = Files.createTempFile("gradcam4j-demo-", ".h5");
                tmp.toFile().deleteOnExit();
                Files.write(tmp, bytes);
                demoTemporary = tmp;
                return tmp;
            } catch (java.io.IOException e) {
                e.addSuppressed(cacheFailed);
                throw new WeightsException(DEMO, "cannot extract the bundled demo model: " + e.getMessage(), e);
            }
        }
    }

    private static String sha256Prefix(byte[] bytes) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
            return java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static Path demoTemporary;

    static Architecture narrow() {
        return Architecture.custom("narrow", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
                new int[] {64, 48}, 10, Head.FC, 0);
    }

    /**
     * @param weights the {@code --weights} value (required)
     * @param arch    the {@code --arch} value, or null
     */
    static Model resolve(String weights, String arch) {
        if (weights == null || weights.isBlank()) {
            throw new InvalidInputException("no weights given: use --weights FILE (a Keras .h5 or gradcam4j model file), "
                    + "--weights vgg16 after `gradcam4j weights fetch vgg16`, set GRADCAM4J_WEIGHTS, "
                    + "or --weights random:vgg16 for a smoke run with random weights");
        }
        String a = arch == null ? null : arch.trim().toLowerCase(Locale.ROOT);
        if (a != null && !a.equals("vgg16") && !a.equals("vgg19")) {
            throw new InvalidInputException("unknown --arch '" + arch + "' (expected vgg16 or vgg19)");
        }
        if (weights.startsWith(RANDOM_PREFIX)) {
            String kind = weights.substring(RANDOM_PREFIX.length()).trim().toLowerCase(Locale.ROOT);
            Architecture net = switch (kind) {
                case "vgg16" -> Architecture.vgg16();
                case "vgg19" -> Architecture.vgg19();
                case "narrow" -> narrow();
                default -> throw new InvalidInputException("unknown random network '" + weights
                        + "' (expected random:vgg16, random:vgg19 or random:narrow)");
            };
            if (a != null && !a.equals(net.name())) {
                throw new InvalidInputException("--arch " + a + " contradicts --weights " + weights);
            }
            Model m = RandomWeights.model(net, RANDOM_SEED);
            return new Model(m.architecture(), m.preprocessing(), m.labels(), m.weights(), RANDOM_PREFIX + kind + ", " + m.source());
        }
        String known = weights.trim().toLowerCase(Locale.ROOT);
        if (known.equals(DEMO)) {
            if (a != null) throw new InvalidInputException("--arch " + a + " does not apply to --weights demo (a small CAM-head network)");
            return ModelLoader.load(demoFile(), null);
        }
        if (PretrainedCatalog.KERAS.find(known, false).isPresent()) {
            cached(known, a);   // says how to fetch it when it is not there
            // the model file `weights fetch` wrote beside it loads without conversion (mapped); else the Keras file
            return WeightsCache.atDefault().load(PretrainedCatalog.KERAS.find(known, false).orElseThrow(), a);
        }
        return ModelLoader.load(Path.of(weights), a);
    }

    /** The cached Keras file for {@code vgg16} / {@code vgg19}, or an error that says how to get it. */
    static Path cached(String arch, String requestedArch) {
        if (requestedArch != null && !requestedArch.equals(arch)) {
            throw new InvalidInputException("--arch " + requestedArch + " contradicts --weights " + arch);
        }
        PretrainedFile f = PretrainedCatalog.KERAS.find(arch, false).orElseThrow();
        WeightsCache cache = WeightsCache.atDefault();
        Path p = cache.path(f);
        if (Files.isRegularFile(p)) return p;
        String partial = Files.isRegularFile(cache.partPath(f)) ? " (a partial download is there: fetch resumes it)" : "";
        throw new WeightsException(arch, "the pretrained " + arch + " weights are not in the cache (" + p + ")" + partial
                + "; download them with `gradcam4j weights fetch " + arch + "`, or set GRADCAM4J_CACHE to the cache "
                + "they were fetched into");
    }
}
