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
        return Hdf5Files.tensor(file, d, shape);
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
            for (String layout : CpuLayouts.KNOWN) {
                String key = CpuLayouts.key(l.name(), layout);
                if (!(find(h, PREPARED + "/" + key) instanceof Dataset d)) continue;
                try {
                    Object fp = d.getAttribute(SOURCE_FINGERPRINT) == null ? null : d.getAttribute(SOURCE_FINGERPRINT).getData();
                    java.nio.FloatBuffer mapped = org.gradcam4j.SystemProperty.MAP_WEIGHTS.flag() ? Hdf5Files.mappedFloat32(d) : null;
                    float[] v = mapped != null ? null : Hdf5Files.contiguousFloat32(d);
                    if (!(fp instanceof Long f) || (mapped == null && v == null)) continue;
                    Tensor t = mapped != null ? Tensor.view(mapped, d.getDimensions()) : new Tensor(v, d.getDimensions());
                    out.put(key, new PreparedLayout(t, f));
                } catch (RuntimeException e) {
                    // an unreadable cache entry: the layout is computed instead
                }
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
        write(model, file, true);
    }

    /**
     * As {@link #write(Model, Path)}; with {@code preparedLayouts} (the default) the file also carries the CPU backend's
     * Winograd layouts under {@code prepared/} (weights/FORMAT.md): 105 MB more for VGG16, which a reader maps rather
     * than computes (BENCHMARKS.md, "Model loading"). Every float dataset's values are aligned to {@link #ALIGNMENT}
     * bytes either way.
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

    /**
     * As {@link #writeFile(Path, Architecture, Preprocessing, ClassLabels, Map, String, int, boolean)}, laid out as
     * files were before this version: no prepared layouts, values wherever jhdf puts them (tests: "an old file").
     */
    static void writeFile(Path out, Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> params,
                          String source, int version) {
        writeFile(out, a, p, labels, params, source, version, false, false);
    }

    /**
     * Writes the file as given, without validating the parameters: {@link #write} checks them first;
     * tests use this directly to produce broken files (missing layers, wrong shapes, NaN, other versions).
     * Parameters absent from {@code params} are left out of the file. Every float dataset's values start at a
     * multiple of {@link #ALIGNMENT} bytes in the file (see {@link #alignmentPads}).
     */
    static void writeFile(Path out, Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> params,
                          String source, int version, boolean withPrepared) {
        writeFile(out, a, p, labels, params, source, version, withPrepared, true);
    }

    private static void writeFile(Path out, Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> params,
                                  String source, int version, boolean withPrepared, boolean aligned) {
        Map<String, Tensor> datasets = new LinkedHashMap<>();
        Map<String, Long> fingerprints = new LinkedHashMap<>();
        for (LayerSpec l : a.layers()) {
            if (!l.hasWeights()) continue;
            for (String which : new String[] {"kernel", "bias"}) {
                Tensor t = params.get(l.name() + "/" + which);
                if (t != null) datasets.put("params/" + l.name() + "/" + which, t);
            }
        }
        if (withPrepared) preparedLayouts(a, params, datasets, fingerprints);
        Map<String, Integer> pads = aligned ? alignmentPads(a, p, labels, datasets, fingerprints, source, version) : Map.of();
        emit(out, a, p, labels, datasets, fingerprints, pads, source, version, false);
    }

    /** Byte alignment of every float dataset's values in the files this version writes (a cache line; AVX-512's width). */
    static final int ALIGNMENT = 64;
    /** Attribute whose length places the dataset's values on an {@link #ALIGNMENT} boundary; its contents mean nothing. */
    static final String ALIGN_PAD = "align_pad";
    /** The pad's least length: keeps every padded object header between 256 bytes and 64 KiB, so that it grows byte for byte. */
    private static final int BASE_PAD = 256;

    /**
     * The length of each float dataset's {@link #ALIGN_PAD} attribute that puts its values at a multiple of
     * {@link #ALIGNMENT} bytes, so that a reader can map them and hand them to native code where they lie. jhdf
     * writes each dataset's values right after its object header, and nothing about placement can be asked of it;
     * but where things land depends only on the sizes of what comes before, not on the values. So the file is
     * written first as a dry run with every dataset cut to a few values of the same count modulo 16 (the same bytes
     * modulo 64), the landing addresses are read back, and each pad is lengthened by what moves its dataset (and so
     * everything after it) to the next boundary; a second dry run checks. Should a later jhdf lay files out
     * otherwise, the pads found are simply not all aligning: the file is as valid, and a reader copies what it cannot
     * map.
     */
    private static Map<String, Integer> alignmentPads(Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> datasets,
                                                      Map<String, Long> fingerprints, String source, int version) {
        Map<String, Integer> pads = new LinkedHashMap<>();
        for (String k : datasets.keySet()) pads.put(k, BASE_PAD);
        for (int round = 0; round < 3; round++) {
            Map<String, Long> at;
            try {
                Path dry = Files.createTempFile("gradcam4j-layout", ".h5");
                try {
                    emit(dry, a, p, labels, datasets, fingerprints, pads, source, version, true);
                    at = dataAddresses(dry, datasets.keySet());
                } finally {
                    Files.deleteIfExists(dry);
                }
            } catch (IOException | RuntimeException e) {
                return pads; // no room for a dry run: an unaligned file is still a valid one
            }
            if (at.values().stream().allMatch(x -> x % ALIGNMENT == 0)) return pads;
            long shift = 0;
            for (Map.Entry<String, Long> e : at.entrySet().stream().sorted(Map.Entry.comparingByValue()).toList()) {
                long off = (e.getValue() + shift) % ALIGNMENT;
                int old = pads.get(e.getKey());
                int pad = BASE_PAD + (int) ((old - BASE_PAD + (ALIGNMENT - off) % ALIGNMENT) % ALIGNMENT);
                pads.put(e.getKey(), pad);
                shift += pad - old;
            }
        }
        return pads;
    }

    /** The file offsets of the named datasets' values. */
    static Map<String, Long> dataAddresses(Path file, java.util.Collection<String> paths) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (HdfFile h = new HdfFile(file)) {
            for (String path : paths) {
                if (!(find(h, path) instanceof io.jhdf.api.dataset.ContiguousDataset c)) {
                    throw new IllegalStateException(path + " is not a contiguous dataset");
                }
                out.put(path, h.getUserBlockSize() + c.getDataAddress());
            }
        }
        return out;
    }

    /** Writes the file; a {@code dry} run writes every dataset cut to its size modulo 16 values (same rank). */
    private static void emit(Path out, Architecture a, Preprocessing p, ClassLabels labels, Map<String, Tensor> datasets,
                             Map<String, Long> fingerprints, Map<String, Integer> pads, String source, int version, boolean dry) {
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
            Map<String, WritableGroup> groups = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : datasets.entrySet()) {
                String path = e.getKey();
                int slash = path.lastIndexOf('/');
                WritableGroup g = group(f, groups, path.substring(0, slash));
                Tensor t = e.getValue();
                io.jhdf.api.WritableDataset d = g.putDataset(path.substring(slash + 1), Hdf5Files.nested(dry ? dryRun(t) : t));
                if (fingerprints.containsKey(path)) d.putAttribute(SOURCE_FINGERPRINT, fingerprints.get(path));
                if (pads.containsKey(path)) d.putAttribute(ALIGN_PAD, new byte[pads.get(path)]);
            }
        }
    }

    private static WritableGroup group(WritableHdfFile f, Map<String, WritableGroup> groups, String path) {
        WritableGroup g = groups.get(path);
        if (g != null) return g;
        int slash = path.lastIndexOf('/');
        g = slash < 0 ? f.putGroup(path) : group(f, groups, path.substring(0, slash)).putGroup(path.substring(slash + 1));
        groups.put(path, g);
        return g;
    }

    /** A stand-in of the same rank whose byte size is {@code t}'s modulo 64 (a multiple of 16 floats becomes 16). */
    private static Tensor dryRun(Tensor t) {
        int[] shape = new int[t.rank()];
        java.util.Arrays.fill(shape, 1);
        int rest = t.size() % 16;
        shape[shape.length - 1] = rest == 0 ? 16 : rest;
        return Tensor.zeros(shape);
    }

    /**
     * Under {@code prepared/<layer>/}: each conv kernel in the CPU backend's Winograd layouts
     * ({@link CpuLayouts#layoutsToStore}), with the fingerprint of its kernel.
     */
    private static void preparedLayouts(Architecture a, Map<String, Tensor> params, Map<String, Tensor> datasets, Map<String, Long> fingerprints) {
        record Job(String path, Tensor kernel, java.util.function.Function<Tensor, Tensor> layout) {}
        List<Job> jobs = new java.util.ArrayList<>();
        for (LayerSpec l : a.layers()) {
            Tensor k = params.get(ModelWeights.kernelKey(l.name()));
            if (l.kind() != LayerKind.CONV3X3 || k == null) continue;
            CpuLayouts.layoutsToStore(l).forEach((name, f) -> jobs.add(new Job(PREPARED + "/" + CpuLayouts.key(l.name(), name), k, f)));
        }
        Tensor[] u = new Tensor[jobs.size()];
        long[] fp = new long[jobs.size()];
        java.util.stream.IntStream.range(0, u.length).parallel().forEach(i -> {
            u[i] = jobs.get(i).layout().apply(jobs.get(i).kernel());
            fp[i] = PreparedLayout.fingerprint(jobs.get(i).kernel());
        });
        for (int i = 0; i < u.length; i++) {
            datasets.put(jobs.get(i).path(), u[i]);
            fingerprints.put(jobs.get(i).path(), fp[i]);
        }
    }
}
