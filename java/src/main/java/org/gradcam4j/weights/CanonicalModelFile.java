package org.gradcam4j.weights;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.gradcam4j.backend.cpu.CpuLayouts;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.PreparedLayout;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;

/**
 * The project's own model file: one HDF5 file that carries the architecture, the preprocessing,
 * the class labels and the parameters in the canonical layout, so that nothing about a model is
 * left to convention. The layout is specified in {@code weights/FORMAT.md}; this class and
 * {@code tools/vgg_layouts.py} are its two implementations.
 */
public final class CanonicalModelFile {
    /** Value of the root {@code format} attribute. */
    public static final String FORMAT = "gradcam4j-model";
    /** The version this code writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    /** The group of backend-ready layouts (optional; a cache that readers may ignore). */
    static final String PREPARED = "prepared";
    /** Attribute of a prepared layout: {@link PreparedLayout#fingerprint} of the parameter it was computed from. */
    static final String SOURCE_FINGERPRINT = "source_fingerprint";

    private CanonicalModelFile() {}

    /** Reads a gradcam4j model file; every problem is a {@link WeightsException} naming the file. */
    public static Model read(Path file) {
        return read(file, null);
    }

    /**
     * Reads a gradcam4j model file, checking that it holds {@code arch} ({@code vgg16}/{@code vgg19})
     * when that is not null.
     */
    public static Model read(Path file, String arch) {
        Architecture requested = arch == null ? null : Architecture.byName(arch);
        try (HdfFile h = Hdf5Files.open(file)) {
            return Hdf5Files.guard(file, () -> read(h, file, requested));
        }
    }

    /** Whether an open HDF5 file declares itself a gradcam4j model file (any version). */
    static boolean isCanonical(HdfFile h) {
        return Hdf5Files.hasAttribute(h, "format");
    }

    static Model read(HdfFile h, Path file, Architecture requested) {
        String name = file.toString();
        String format = Hdf5Files.stringAttribute(file, h, "format");
        if (!format.equals(FORMAT)) {
            throw new WeightsException(name, "unknown convention: format attribute is '" + format + "', expected '" + FORMAT + "'");
        }
        int version = Hdf5Files.intAttribute(file, h, "format_version");
        if (version > FORMAT_VERSION) {
            throw new WeightsException(name, "format_version " + version + " is newer than this gradcam4j reads ("
                    + FORMAT_VERSION + "); update gradcam4j");
        }
        if (version < 1) throw new WeightsException(name, "invalid format_version " + version);

        Architecture arch = readArchitecture(file, h);
        if (requested != null && !Arrays.equals(requested.convsPerBlock(), arch.convsPerBlock())) {
            throw new WeightsException(name, "architecture mismatch: the file holds " + KerasWeights.describeBody(arch)
                    + " but " + KerasWeights.describeBody(requested) + " was requested");
        }
        Preprocessing pre = readPreprocessing(file, h);
        ClassLabels labels = readLabels(file, h, arch.numClasses());

        Map<String, Tensor> params = new LinkedHashMap<>();
        for (LayerSpec l : arch.layers()) {
            if (!l.hasWeights()) continue;
            params.put(ModelWeights.kernelKey(l.name()), readParam(file, h, l.name(), "kernel", l.kernelShape()));
            if (l.bias()) params.put(ModelWeights.biasKey(l.name()), readParam(file, h, l.name(), "bias", new int[] {l.outChannels()}));
        }
        ModelWeights weights = new ModelWeights(params, readPrepared(h, arch));
        weights.validate(arch, name);
        String source = file.getFileName() + " (" + FORMAT + " v" + version + ": " + Hdf5Files.stringAttribute(file, h, "source") + ")";
        return new Model(arch, pre, labels, weights, source);
    }

    static Architecture readArchitecture(Path file, HdfFile h) {
        String name = file.toString();
        int channels = Hdf5Files.hasAttribute(h, "input_channels") ? Hdf5Files.intAttribute(file, h, "input_channels") : 3;
        if (channels != 3) throw new WeightsException(name, "input_channels " + channels + " is not supported (only 3)");
        int[] fcWidths = Hdf5Files.hasAttribute(h, "fc_widths") ? Hdf5Files.intArrayAttribute(file, h, "fc_widths") : new int[0];
        Head head;
        try {
            head = Head.parse(Hdf5Files.stringAttribute(file, h, "head"));
        } catch (IllegalArgumentException e) {
            throw new WeightsException(name, "attribute 'head': " + e.getMessage(), e);
        }
        try {
            return Architecture.custom(Hdf5Files.stringAttribute(file, h, "arch"),
                    Hdf5Files.intAttribute(file, h, "input_size"),
                    Hdf5Files.intArrayAttribute(file, h, "convs_per_block"),
                    Hdf5Files.intArrayAttribute(file, h, "widths"),
                    fcWidths,
                    Hdf5Files.intAttribute(file, h, "num_classes"),
                    head,
                    Hdf5Files.intAttribute(file, h, "cam_width"));
        } catch (IllegalArgumentException e) {
            throw new WeightsException(name, "inconsistent architecture attributes: " + e.getMessage(), e);
        }
    }

    private static Preprocessing readPreprocessing(Path file, HdfFile h) {
        try {
            return new Preprocessing(ChannelOrder.parse(Hdf5Files.stringAttribute(file, h, "channel_order")),
                    Hdf5Files.floatAttribute(file, h, "scale"),
                    Hdf5Files.floatArrayAttribute(file, h, "mean"),
                    Hdf5Files.floatArrayAttribute(file, h, "std"));
        } catch (IllegalArgumentException e) {
            throw new WeightsException(file.toString(), "invalid preprocessing attributes: " + e.getMessage(), e);
        }
    }

    private static ClassLabels readLabels(Path file, HdfFile h, int classes) {
        if (classes == 0) return ClassLabels.numbered(0);
        List<String> ids = Hdf5Files.stringDataset(file, dataset(file, h, "labels/ids"));
        List<String> names = Hdf5Files.stringDataset(file, dataset(file, h, "labels/names"));
        if (ids.size() != classes || names.size() != classes) {
            throw new WeightsException(file.toString(), "labels/ids has " + ids.size() + " and labels/names " + names.size()
                    + " entries, but the network has " + classes + " classes");
        }
        return new ClassLabels(ids, names);
    }

    private static Tensor readParam(Path file, HdfFile h, String layer, String which, int[] shape) {
        String path = "params/" + layer + "/" + which;
        Node n = find(h, path);
        if (n == null) throw new WeightsException(file.toString(), "missing layer '" + layer + "' (no " + path + ")");
        if (!(n instanceof Dataset d)) throw new WeightsException(file.toString(), path + " is not a dataset");
        if (!Arrays.equals(d.getDimensions(), shape)) {
            throw new WeightsException(file.toString(), "wrong shape for " + layer + "/" + which + ": "
                    + Arrays.toString(d.getDimensions()) + ", expected " + Arrays.toString(shape));
        }
        return new Tensor(Hdf5Files.floats(file, d), shape);
    }

    /**
     * The backend-ready layouts under {@code prepared/} (FORMAT.md, "Prepared layouts"): a cache, so anything this
     * version does not know or cannot read is skipped, never an error; whether a layout is current is checked
     * against its parameter's fingerprint by the backend that uses it.
     */
    private static Map<String, PreparedLayout> readPrepared(HdfFile h, Architecture arch) {
        Map<String, PreparedLayout> out = new LinkedHashMap<>();
        for (LayerSpec l : arch.layers()) {
            if (l.kind() != LayerKind.CONV3X3) continue;
            String key = CpuLayouts.winogradKey(l.name());
            if (!(find(h, PREPARED + "/" + key) instanceof Dataset d)) continue;
            try {
                Object fp = d.getAttribute(SOURCE_FINGERPRINT) == null ? null : d.getAttribute(SOURCE_FINGERPRINT).getData();
                float[] v = Hdf5Files.contiguousFloat32(d);
                if (!(fp instanceof Long f) || v == null) continue;
                out.put(key, new PreparedLayout(new Tensor(v, d.getDimensions()), f));
            } catch (RuntimeException e) {
                // an unreadable cache entry: the layout is computed instead
            }
        }
        return out;
    }

    private static Dataset dataset(Path file, HdfFile h, String path) {
        Node n = find(h, path);
        if (!(n instanceof Dataset d)) throw new WeightsException(file.toString(), "missing dataset " + path);
        return d;
    }

    /** The node at {@code path}, or null; jhdf throws for missing paths. */
    private static Node find(HdfFile h, String path) {
        Node n = h;
        for (String part : path.split("/")) {
            if (!(n instanceof io.jhdf.api.Group g)) return null;
            n = g.getChildren().get(part);
            if (n == null) return null;
        }
        return n;
    }

    /**
     * Writes {@code model} to {@code file} atomically: the file is written next to its destination
     * under a temporary name and moved into place only once complete, so a crash or a full disk never
     * leaves a half-written model where a good one was (training checkpoints overwrite in place).
     */
    public static void write(Model model, Path file) {
        write(model, file, false);
    }

    /**
     * As {@link #write(Model, Path)}; with {@code preparedLayouts} the file also carries the CPU backend's Winograd
     * layouts under {@code prepared/} (weights/FORMAT.md). Off by default: on the project's 2-core machine reading
     * them (105 MB more for VGG16) cost more than computing them at load (BENCHMARKS.md, "Model loading").
     */
    public static void write(Model model, Path file, boolean preparedLayouts) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp;
        try {
            Files.createDirectories(dir);
            // not Files.createTempFile: its owner-only permissions would make the model 0600 beside 0644 outputs
            tmp = org.gradcam4j.io.AtomicFiles.createTemp(dir, target.getFileName().toString());
        } catch (IOException e) {
            throw new WeightsException(file.toString(), "cannot create a file in " + dir + ": " + e.getMessage(), e);
        }
        boolean done = false;
        try {
            writeTo(model, tmp, preparedLayouts);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } catch (IOException | UncheckedIOException e) {
            throw new WeightsException(file.toString(), "cannot write model file: " + innermostReason(e), e);
        } catch (RuntimeException e) {
            if (e instanceof WeightsException) throw e;
            throw new WeightsException(file.toString(), "cannot write model file: " + innermostReason(e), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is hidden and named after the target; nothing more to do
                }
            }
        }
    }

    /** The message of the innermost IOException under a writer's wrappers ("No space left on device"), else {@code e}'s. */
    private static String innermostReason(Throwable e) {
        Throwable io = null;
        for (Throwable c = e; c != null && c != c.getCause(); c = c.getCause()) if (c instanceof IOException) io = c;
        Throwable t = io != null ? io : e;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static void writeTo(Model model, Path out, boolean preparedLayouts) {
        model.weights().validate(model.architecture(), out.toString());
        writeFile(out, model.architecture(), model.preprocessing(), model.labels(), model.weights().all(),
                model.source(), FORMAT_VERSION, preparedLayouts);
    }

    /** As {@link #writeFile(Path, Architecture, Preprocessing, ClassLabels, Map, String, int, boolean)} without prepared layouts. */
    static void writeFile(Path out, Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> params,
                          String source, int version) {
        writeFile(out, a, p, labels, params, source, version, false);
    }

    /**
     * Writes the file as given, without validating the parameters: {@link #write} checks them first;
     * tests use this directly to produce broken files (missing layers, wrong shapes, NaN, other versions).
     * Parameters absent from {@code params} are left out of the file.
     */
    static void writeFile(Path out, Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> params,
                          String source, int version, boolean withPrepared) {
        try (WritableHdfFile f = HdfFile.write(out)) {
            f.putAttribute("format", FORMAT);
            f.putAttribute("format_version", version);
            f.putAttribute("arch", a.name());
            f.putAttribute("input_size", a.inputSize());
            f.putAttribute("input_channels", a.inputChannels());
            f.putAttribute("convs_per_block", a.convsPerBlock());
            f.putAttribute("widths", a.widths());
            // jhdf cannot write empty arrays; an absent fc_widths means "none" (see FORMAT.md)
            if (a.fcWidths().length > 0) f.putAttribute("fc_widths", a.fcWidths());
            f.putAttribute("num_classes", a.numClasses());
            f.putAttribute("head", a.head().name().toLowerCase(Locale.ROOT));
            f.putAttribute("cam_width", a.camWidth());
            f.putAttribute("channel_order", p.channelOrder().name());
            f.putAttribute("scale", p.scale());
            f.putAttribute("mean", p.mean());
            f.putAttribute("std", p.std());
            f.putAttribute("source", source == null || source.isBlank() ? "unknown" : source);
            if (a.numClasses() > 0) {
                WritableGroup g = f.putGroup("labels");
                g.putDataset("ids", labels.ids().toArray(new String[0]));
                g.putDataset("names", labels.names().toArray(new String[0]));
            }
            WritableGroup group = f.putGroup("params");
            for (LayerSpec l : a.layers()) {
                if (!l.hasWeights()) continue;
                Tensor k = params.get(ModelWeights.kernelKey(l.name()));
                Tensor b = params.get(ModelWeights.biasKey(l.name()));
                if (k == null && b == null) continue;
                WritableGroup g = group.putGroup(l.name());
                if (k != null) g.putDataset("kernel", Hdf5Files.nested(k));
                if (b != null) g.putDataset("bias", Hdf5Files.nested(b));
            }
            if (withPrepared) writePrepared(f, a, params);
        }
    }

    /** Under {@code prepared/<layer>/}: each conv kernel in the CPU backend's Winograd layout, with the fingerprint of its kernel. */
    private static void writePrepared(WritableHdfFile f, Architecture a, Map<String, Tensor> params) {
        List<LayerSpec> convs = a.layers().stream().filter(l -> l.kind() == LayerKind.CONV3X3 && params.containsKey(ModelWeights.kernelKey(l.name())))
                .toList();
        Tensor[] u = new Tensor[convs.size()];
        long[] fp = new long[convs.size()];
        java.util.stream.IntStream.range(0, u.length).parallel().forEach(i -> {
            Tensor k = params.get(ModelWeights.kernelKey(convs.get(i).name()));
            u[i] = CpuLayouts.winograd(k);
            fp[i] = PreparedLayout.fingerprint(k);
        });
        if (u.length == 0) return;
        WritableGroup prepared = f.putGroup(PREPARED);
        for (int i = 0; i < u.length; i++) {
            WritableGroup g = prepared.putGroup(convs.get(i).name());
            g.putDataset(CpuLayouts.WINOGRAD, Hdf5Files.nested(u[i])).putAttribute(SOURCE_FINGERPRINT, fp[i]);
        }
    }
}
