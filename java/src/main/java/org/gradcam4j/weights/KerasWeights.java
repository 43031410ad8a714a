package org.gradcam4j.weights;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.KerasDenseOrder;
import org.gradcam4j.tensor.Tensor;

/**
 * Reads Keras HDF5 weight files ({@code model.save_weights} files such as
 * {@code vgg16_weights_tf_dim_ordering_tf_kernels.h5} and their notop siblings, and full
 * {@code model.save} files, whose weights sit under {@code model_weights}) into the canonical layout.
 *
 * <p>Keras stores conv kernels {@code (kh, kw, cin, cout)} and dense kernels {@code (in, out)}, with
 * fc1's inputs flattened from an {@code (h, w, c)} map; the canonical layout is {@code (cout, cin, kh, kw)}
 * and {@code (out, in)} with {@code (c, h, w)} inputs. Inputs are BGR minus the ImageNet means
 * ({@link Preprocessing#keras()}). Files without fc layers give a model with {@link Head#NONE}.
 */
public final class KerasWeights {
    private static final Pattern CONV = Pattern.compile("block(\\d+)_conv(\\d+)");
    private static final Pattern FC = Pattern.compile("fc(\\d+)");
    static final String MODEL_WEIGHTS = "model_weights";
    static final String LAYER_NAMES = "layer_names";
    static final String WEIGHT_NAMES = "weight_names";

    private KerasWeights() {}

    /**
     * Loads a Keras VGG weight file.
     *
     * @param arch {@code "vgg16"}, {@code "vgg19"}, or null to take the architecture from the file's
     *             layer names and kernel shapes; a file holding the other network is an error
     */
    public static Model load(Path file, String arch) {
        Architecture requested = arch == null ? null : Architecture.byName(arch);
        try (HdfFile h = Hdf5Files.open(file)) {
            return Hdf5Files.guard(file, () -> read(h, file, requested));
        }
    }

    /** As {@link #load(Path, String)}, for any VGG-topology architecture (narrow test networks, CAM heads). */
    public static Model load(Path file, Architecture arch) {
        try (HdfFile h = Hdf5Files.open(file)) {
            return Hdf5Files.guard(file, () -> read(h, file, arch));
        }
    }

    /** Whether an open HDF5 file follows the Keras convention: {@code layer_names} at the root or under {@code model_weights}. */
    static boolean isKeras(HdfFile h) {
        return weightsRoot(h) != null;
    }

    private static Group weightsRoot(HdfFile h) {
        if (Hdf5Files.hasAttribute(h, LAYER_NAMES)) return h;
        Node mw = h.getChildren().get(MODEL_WEIGHTS);
        if (mw instanceof Group g && Hdf5Files.hasAttribute(g, LAYER_NAMES)) return g;
        return null;
    }

    /** One weighted Keras layer: its kernel and (optional) bias datasets, read lazily. */
    private record KerasLayer(String name, Dataset kernel, Dataset bias) {
        int[] kernelShape() { return kernel.getDimensions(); }
    }

    static Model read(HdfFile h, Path file, Architecture requested) {
        String name = file.toString();
        Group root = weightsRoot(h);
        if (root == null) {
            throw new WeightsException(name, "not a Keras weight file (no '" + LAYER_NAMES + "' attribute and no '"
                    + MODEL_WEIGHTS + "' group)");
        }
        Map<String, KerasLayer> layers = weightedLayers(file, root);
        Architecture inFile = describe(file, layers);
        Architecture arch = requested == null ? inFile : reconcile(file, requested, inFile);

        // the datasets are read one after another (each in parallel slices); the layout conversions, which
        // cost more than the reads, then run on all cores at once
        Map<String, Tensor> params = new LinkedHashMap<>();
        List<java.util.function.Supplier<Tensor>> conversions = new java.util.ArrayList<>();
        List<String> convertedKeys = new java.util.ArrayList<>();
        for (LayerSpec spec : arch.layers()) {
            if (!spec.hasWeights()) continue;
            KerasLayer kl = layers.get(spec.name());
            if (kl == null) throw new WeightsException(name, "missing layer '" + spec.name() + "'");
            params.put(ModelWeights.kernelKey(spec.name()), null); // keeps the layer order; filled in below
            convertedKeys.add(ModelWeights.kernelKey(spec.name()));
            conversions.add(kernelToCanonical(file, spec, kl));
            if (spec.bias()) {
                if (kl.bias() == null) throw new WeightsException(name, "layer '" + spec.name() + "' has no bias");
                int[] bs = kl.bias().getDimensions();
                if (bs.length != 1 || bs[0] != spec.outChannels()) {
                    throw new WeightsException(name, "wrong shape for " + spec.name() + " bias: " + Arrays.toString(bs)
                            + ", expected [" + spec.outChannels() + "]");
                }
                params.put(ModelWeights.biasKey(spec.name()), new Tensor(Hdf5Files.floats(file, kl.bias()), spec.outChannels()));
            } else if (kl.bias() != null) {
                throw new WeightsException(name, "layer '" + spec.name() + "' has a bias, which this architecture's "
                        + spec.name() + " does not (a CAM head's predictions layer has none)");
            }
        }
        Tensor[] converted = new Tensor[conversions.size()];
        java.util.stream.IntStream.range(0, converted.length).parallel().forEach(i -> converted[i] = conversions.get(i).get());
        for (int i = 0; i < converted.length; i++) params.put(convertedKeys.get(i), converted[i]);
        ModelWeights weights = new ModelWeights(params);
        weights.validate(arch, name);
        ClassLabels labels = arch.numClasses() == 1000 ? ClassLabels.imagenet() : ClassLabels.numbered(arch.numClasses());
        boolean oldNames = layers.values().stream().anyMatch(l -> l.kernel().getName().contains("_W"));
        String source = file.getFileName() + " (Keras HDF5, " + (oldNames ? "old" : "new") + "-style names"
                + (root == h ? "" : ", full model file") + ")";
        return new Model(arch, Preprocessing.keras(), labels, weights, source);
    }

    /**
     * A block's width (output channels) when the file does not say it: what most of its kernels and biases agree on,
     * so that one wrong-shaped tensor is named as the wrong one instead of redefining the block (and making its
     * correct neighbours look wrong). A tie counts the first layer's bias, then its kernel, first.
     */
    private static int blockWidth(String name, int b, TreeMap<Integer, KerasLayer> block) {
        Map<Integer, Integer> votes = new LinkedHashMap<>();
        KerasLayer first = block.firstEntry().getValue();
        if (first.bias() != null && first.bias().getDimensions().length == 1) votes.merge(first.bias().getDimensions()[0], 1, Integer::sum);
        for (KerasLayer l : block.values()) {
            int[] ks = l.kernelShape();
            if (ks.length == 4) votes.merge(ks[3], 1, Integer::sum);
            if (l != first && l.bias() != null && l.bias().getDimensions().length == 1) votes.merge(l.bias().getDimensions()[0], 1, Integer::sum);
        }
        int width = -1, best = 0;
        for (var e : votes.entrySet()) if (e.getValue() > best) { width = e.getKey(); best = e.getValue(); }
        for (KerasLayer l : block.values()) {
            int[] ks = l.kernelShape();
            if (ks.length != 4 || ks[3] != width) {
                throw new WeightsException(name, "wrong shape for " + l.name() + " kernel: " + Arrays.toString(ks)
                        + ", expected (kh, kw, cin, cout) with cout " + (width < 0 ? "> 0" : width + " (the width of block" + b
                        + "'s other tensors)"));
            }
        }
        return width;
    }

    /** The layers with weights, in file order, with kernel and bias told apart by rank. */
    private static Map<String, KerasLayer> weightedLayers(Path file, Group root) {
        String name = file.toString();
        Map<String, KerasLayer> out = new LinkedHashMap<>();
        for (String layer : Hdf5Files.stringListAttribute(file, root, LAYER_NAMES)) {
            boolean vggLayer = CONV.matcher(layer).matches() || FC.matcher(layer).matches()
                    || layer.equals("predictions") || layer.equals("cam_conv");
            Node node = root.getChildren().get(layer);
            if (!(node instanceof Group g)) {
                if (!vggLayer) continue;
                throw new WeightsException(name, "missing layer '" + layer + "' (listed in " + LAYER_NAMES + " but the file has no group for it)");
            }
            List<String> weightNames = Hdf5Files.hasAttribute(g, WEIGHT_NAMES)
                    ? Hdf5Files.stringListAttribute(file, g, WEIGHT_NAMES) : List.of();
            if (weightNames.isEmpty()) {
                if (!vggLayer) continue;
                throw new WeightsException(name, "missing layer '" + layer + "' (listed in " + LAYER_NAMES + " but has no weights)");
            }
            Dataset kernel = null, bias = null;
            for (String w : weightNames) {
                Node n;
                try {
                    n = g.getByPath(w);
                } catch (RuntimeException e) {
                    n = null;
                }
                if (!(n instanceof Dataset d)) {
                    throw new WeightsException(name, "layer '" + layer + "' lists weight '" + w + "' but the file has no such dataset");
                }
                if (d.getDimensions().length == 1 && bias == null) {
                    bias = d;
                } else if (d.getDimensions().length > 1 && kernel == null) {
                    kernel = d;
                } else {
                    throw new WeightsException(name, "layer '" + layer + "' has weights " + weightNames
                            + "; expected one kernel and at most one bias (not a VGG layer)");
                }
            }
            if (kernel == null) throw new WeightsException(name, "layer '" + layer + "' has no kernel among " + weightNames);
            out.put(layer, new KerasLayer(layer, kernel, bias));
        }
        return out;
    }

    /**
     * The architecture the file holds, from its layer names (blocks and convs per block) and kernel
     * shapes (widths, fc widths, classes, input size from fc1's fan-in). Notop files get input 224.
     */
    private static Architecture describe(Path file, Map<String, KerasLayer> layers) {
        String name = file.toString();
        TreeMap<Integer, TreeMap<Integer, KerasLayer>> blocks = new TreeMap<>();
        TreeMap<Integer, KerasLayer> fcs = new TreeMap<>();
        KerasLayer predictions = null, camConv = null;
        for (KerasLayer l : layers.values()) {
            Matcher c = CONV.matcher(l.name()), f = FC.matcher(l.name());
            if (c.matches()) {
                blocks.computeIfAbsent(Integer.parseInt(c.group(1)), k -> new TreeMap<>()).put(Integer.parseInt(c.group(2)), l);
            } else if (f.matches()) {
                fcs.put(Integer.parseInt(f.group(1)), l);
            } else if (l.name().equals("predictions")) {
                predictions = l;
            } else if (l.name().equals("cam_conv")) {
                camConv = l;
            } else {
                throw new WeightsException(name, "unexpected layer '" + l.name() + "' with weights: not a VGG file "
                        + "(expected block<i>_conv<j>, fc<i>, predictions)");
            }
        }
        if (blocks.isEmpty()) throw new WeightsException(name, "missing layer 'block1_conv1' (no convolution layers in the file)");
        int nb = blocks.lastKey();
        int[] convs = new int[nb], widths = new int[nb];
        for (int b = 1; b <= nb; b++) {
            TreeMap<Integer, KerasLayer> block = blocks.get(b);
            if (block == null) throw new WeightsException(name, "missing layer 'block" + b + "_conv1'");
            convs[b - 1] = block.lastKey();
            for (int k = 1; k <= block.lastKey(); k++) {
                if (!block.containsKey(k)) throw new WeightsException(name, "missing layer 'block" + b + "_conv" + k + "'");
            }
            widths[b - 1] = blockWidth(name, b, block);
        }
        int last = widths[nb - 1];
        int[] fcWidths = new int[fcs.isEmpty() ? 0 : fcs.lastKey()];
        for (int i = 1; i <= fcWidths.length; i++) {
            KerasLayer l = fcs.get(i);
            if (l == null) throw new WeightsException(name, "missing layer 'fc" + i + "'");
            fcWidths[i - 1] = denseShape(file, l)[1];
        }
        String archName = standardName(convs, widths);
        if (camConv != null) {
            if (predictions == null) throw new WeightsException(name, "missing layer 'predictions'");
            if (!fcs.isEmpty()) throw new WeightsException(name, "file has both a CAM head (cam_conv) and fc layers");
            int[] cs = camConv.kernelShape();
            if (cs.length != 4) throw new WeightsException(name, "wrong shape for cam_conv kernel: " + Arrays.toString(cs));
            return Architecture.custom(archName, 224, convs, widths, unusedFcWidths(archName), denseShape(file, predictions)[1], Head.GAP, cs[3]);
        }
        if (predictions == null) {
            if (!fcs.isEmpty()) throw new WeightsException(name, "missing layer 'predictions'");
            // a notop file does not fix the input size: take VGG's 224 when the blocks allow it
            int input = 224 % (1 << nb) == 0 ? 224 : 7 << nb;
            return Architecture.custom(archName, input, convs, widths, unusedFcWidths(archName), 0, Head.NONE, 0);
        }
        // fc1's fan-in is last * s * s, s the final map size: that fixes the input size.
        KerasLayer first = fcs.isEmpty() ? predictions : fcs.firstEntry().getValue();
        int fanIn = denseShape(file, first)[0];
        int s = (int) Math.round(Math.sqrt((double) fanIn / last));
        if (s < 1 || (long) s * s * last != fanIn) {
            throw new WeightsException(name, "wrong shape for " + first.name() + " kernel: fan-in " + fanIn
                    + " is not " + last + " channels times a square map");
        }
        int classes = denseShape(file, predictions)[1];
        return Architecture.custom(archName, s << nb, convs, widths, fcWidths, classes, Head.FC, 0);
    }

    /**
     * fc widths for heads that have no fc layers: those of the standard network when the body is
     * one, so that a notop VGG16 file gives {@code Architecture.vgg16().withHead(NONE, 0, 0)}.
     */
    private static int[] unusedFcWidths(String archName) {
        return archName.equals("custom") ? new int[0] : Architecture.byName(archName).fcWidths();
    }

    private static int[] denseShape(Path file, KerasLayer l) {
        int[] s = l.kernelShape();
        if (s.length != 2) {
            throw new WeightsException(file.toString(), "wrong shape for " + l.name() + " kernel: " + Arrays.toString(s) + ", expected (in, out)");
        }
        return s;
    }

    private static String standardName(int[] convs, int[] widths) {
        for (Architecture a : List.of(Architecture.vgg16(), Architecture.vgg19())) {
            if (Arrays.equals(a.convsPerBlock(), convs) && Arrays.equals(a.widths(), widths)) return a.name();
        }
        return "custom";
    }

    /** The caller's architecture with the file's head; a different conv body is an architecture mismatch. */
    private static Architecture reconcile(Path file, Architecture requested, Architecture inFile) {
        if (!Arrays.equals(requested.convsPerBlock(), inFile.convsPerBlock())) {
            throw new WeightsException(file.toString(), "architecture mismatch: the file holds " + describeBody(inFile)
                    + " but " + describeBody(requested) + " was requested");
        }
        if (inFile.head() == requested.head() && inFile.numClasses() == requested.numClasses()
                && inFile.camWidth() == requested.camWidth()) {
            return requested;
        }
        // notop files, or a different class count / CAM width: keep the caller's body, take the head from the file
        return requested.withHead(inFile.head(), inFile.numClasses(), inFile.camWidth());
    }

    static String describeBody(Architecture a) {
        int convs = Arrays.stream(a.convsPerBlock()).sum();
        String std = standardName(a.convsPerBlock(), a.widths());
        String name = !std.equals("custom") ? std : a.name().equals("custom") ? "a custom VGG" : a.name();
        return name + " (" + convs + " conv layers in blocks " + Arrays.toString(a.convsPerBlock()) + ")";
    }

    /** Checks the kernel's shape and reads it; the returned conversion to the canonical layout may run on any thread. */
    private static java.util.function.Supplier<Tensor> kernelToCanonical(Path file, LayerSpec spec, KerasLayer kl) {
        int[] s = kl.kernelShape();
        if (spec.kind() == LayerKind.CONV3X3) {
            int[] expected = {3, 3, spec.inChannels(), spec.outChannels()};
            if (!Arrays.equals(s, expected)) {
                String hint = Arrays.equals(s, new int[] {spec.outChannels(), spec.inChannels(), 3, 3})
                        ? " (looks like Theano dim ordering; only TensorFlow-ordered Keras files are supported)" : "";
                throw new WeightsException(file.toString(), "wrong shape for " + spec.name() + " kernel: " + Arrays.toString(s)
                        + ", expected (kh, kw, cin, cout) = " + Arrays.toString(expected) + hint);
            }
            // read and reordered on the heap (59 MB for VGG16): transforming the mapped Keras layout straight into the
            // Winograd layouts measured slower in all (docs/SPEED.md, "Model loading")
            float[] raw = Hdf5Files.floats(file, kl.kernel());
            return () -> convKernelToCanonical(raw, 3, 3, spec.inChannels(), spec.outChannels());
        }
        int in = spec.inVolume();
        int[] expected = {in, spec.outChannels()};
        if (!Arrays.equals(s, expected)) {
            throw new WeightsException(file.toString(), "wrong shape for " + spec.name() + " kernel: " + Arrays.toString(s)
                    + ", expected (in, out) = " + Arrays.toString(expected));
        }
        // an unfiltered contiguous float32 dataset stays where it lies (mapped), in Keras's order: a view that shows the
        // canonical layout, which the CPU backend's GEMMs read as it is stored (VGG16's dense kernels, 494 MB, are
        // neither copied nor reordered; docs/SPEED.md, "Model loading"). Anything else (chunked, compressed, float64,
        // -Dgradcam4j.mapWeights=false) is read and reordered once, into the direct buffer the GEMMs then read.
        KerasDenseOrder order = new KerasDenseOrder(spec.inChannels(), spec.inSize(), spec.outChannels());
        java.nio.FloatBuffer mapped = org.gradcam4j.SystemProperty.MAP_WEIGHTS.flag() ? Hdf5Files.mappedFloat32(kl.kernel()) : null;
        if (mapped != null) return () -> Tensor.view(mapped, order);
        java.nio.FloatBuffer raw = java.nio.FloatBuffer.wrap(Hdf5Files.floats(file, kl.kernel()));
        return () -> denseKernelToCanonical(raw, spec.inChannels(), spec.inSize(), spec.outChannels());
    }

    /**
     * Writes {@code model} as {@code model.save_weights} lays a Keras VGG file out (new-style names, weights at
     * {@code <layer>/<layer>/kernel:0} and {@code bias:0}, Keras kernel layouts), so that {@code bench load} can
     * time the Keras path on a file of the real size without downloading one. Not atomic: for benchmark files.
     */
    public static void write(Model model, Path file) {
        Architecture arch = model.architecture();
        List<String> names = new java.util.ArrayList<>();
        for (LayerSpec l : arch.layers()) if (l.hasWeights()) names.add(l.name());
        try (io.jhdf.WritableHdfFile h = HdfFile.write(file)) {
            h.putAttribute(LAYER_NAMES, names.toArray(new String[0]));
            h.putAttribute("backend", "tensorflow");
            for (LayerSpec l : arch.layers()) {
                if (!l.hasWeights()) continue;
                Tensor k = model.weights().kernel(l.name());
                Tensor keras = l.kind() == LayerKind.CONV3X3 ? convKernelToKeras(k) : denseKernelToKeras(k, l.inChannels(), l.inSize());
                io.jhdf.api.WritableGroup g = h.putGroup(l.name());
                String kn = l.name() + "/kernel:0", bn = l.name() + "/bias:0";
                g.putAttribute(WEIGHT_NAMES, l.bias() ? new String[] {kn, bn} : new String[] {kn});
                io.jhdf.api.WritableGroup holder = g.putGroup(l.name());
                holder.putDataset("kernel:0", Hdf5Files.nested(keras));
                if (l.bias()) holder.putDataset("bias:0", model.weights().bias(l.name()).data().clone());
            }
        }
    }

    // ---- layout conversions ------------------------------------------------------------------------------

    /** Keras conv kernel {@code (kh, kw, cin, cout)}, flat, to canonical {@code (cout, cin, kh, kw)}. */
    public static Tensor convKernelToCanonical(float[] keras, int kh, int kw, int cin, int cout) {
        checkLength(keras, (long) kh * kw * cin * cout);
        float[] out = new float[keras.length];
        int src = 0;
        for (int y = 0; y < kh; y++) {
            for (int x = 0; x < kw; x++) {
                for (int ci = 0; ci < cin; ci++) {
                    for (int co = 0; co < cout; co++) {
                        out[((co * cin + ci) * kh + y) * kw + x] = keras[src++];
                    }
                }
            }
        }
        return new Tensor(out, cout, cin, kh, kw);
    }

    /** Canonical conv kernel {@code (cout, cin, kh, kw)} to Keras {@code (kh, kw, cin, cout)}. */
    public static Tensor convKernelToKeras(Tensor canonical) {
        int cout = canonical.dim(0), cin = canonical.dim(1), kh = canonical.dim(2), kw = canonical.dim(3);
        float[] c = canonical.data();
        float[] out = new float[c.length];
        int src = 0;
        for (int co = 0; co < cout; co++) {
            for (int ci = 0; ci < cin; ci++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        out[((y * kw + x) * cin + ci) * cout + co] = c[src++];
                    }
                }
            }
        }
        return new Tensor(out, kh, kw, cin, cout);
    }

    /**
     * Keras dense kernel {@code (in, out)}, flat, whose input is a {@code size x size x channels} map
     * flattened in {@code (h, w, c)} order, to canonical {@code (out, in)} with inputs in
     * {@code (c, h, w)} order. With {@code size == 1} this is a plain transpose.
     */
    public static Tensor denseKernelToCanonical(float[] keras, int channels, int size, int out) {
        checkLength(keras, (long) channels * size * size * out);
        return denseKernelToCanonical(java.nio.FloatBuffer.wrap(keras), channels, size, out);
    }

    /**
     * As {@link #denseKernelToCanonical(float[], int, int, int)}, from values anywhere into a direct buffer in the
     * platform's byte order ({@link KerasDenseOrder#toCanonical}), returned as a {@linkplain Tensor#view view}: the CPU
     * backend uses it as it is and nothing is copied to the heap unless asked.
     */
    public static Tensor denseKernelToCanonical(java.nio.FloatBuffer keras, int channels, int size, int out) {
        KerasDenseOrder order = new KerasDenseOrder(channels, size, out);
        long n = (long) order.in() * out;
        if (keras.remaining() != n) throw new IllegalArgumentException("kernel has " + keras.remaining() + " values, expected " + n);
        java.nio.FloatBuffer res = java.nio.ByteBuffer.allocateDirect(Math.multiplyExact(order.in(), out) * 4)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        order.toCanonical(keras, res);
        return Tensor.view(res, out, order.in());
    }

    /** Inverse of {@link #denseKernelToCanonical}: canonical {@code (out, in)} to Keras {@code (in, out)}. */
    public static Tensor denseKernelToKeras(Tensor canonical, int channels, int size) {
        int out = canonical.dim(0), in = canonical.dim(1);
        if (in != channels * size * size) throw new IllegalArgumentException("fan-in " + in + " != " + channels + " x " + size + " x " + size);
        float[] c = canonical.data();
        float[] res = new float[c.length];
        int area = size * size;
        int dst = 0;
        for (int h = 0; h < size; h++) {
            for (int w = 0; w < size; w++) {
                for (int ch = 0; ch < channels; ch++) {
                    int col = ch * area + h * size + w;
                    for (int o = 0; o < out; o++) res[dst++] = c[o * in + col];
                }
            }
        }
        return new Tensor(res, in, out);
    }

    private static void checkLength(float[] a, long n) {
        if (a.length != n) throw new IllegalArgumentException("kernel has " + a.length + " values, expected " + n);
    }

}
