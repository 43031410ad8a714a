package org.gradcam4j.weights;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;

/**
 * Writes Keras-convention weight files from Java (with jhdf), laid out as {@code model.save_weights}
 * does: {@code layer_names} at the root (or under {@code model_weights}), one group per layer with a
 * {@code weight_names} attribute, datasets in Keras layout. Tests put hand-made arrays in, or convert
 * a canonical model, and can break the file in controlled ways.
 */
final class KerasTestFile {
    enum Naming { OLD, NEW }

    private final Architecture arch;
    /** Keras-layout kernels as nested Java arrays (jhdf takes the dataset shape from the nesting). */
    private final Map<String, Object> kernels = new LinkedHashMap<>();
    private final Map<String, float[]> biases = new LinkedHashMap<>();
    private final Set<String> withoutGroup = new HashSet<>();
    private Naming naming = Naming.NEW;
    private boolean top = true;
    private boolean fullModel = false;

    KerasTestFile(Architecture arch) { this.arch = arch; }

    /** Every layer of {@code m}, converted to the Keras layout with the production conversions. */
    static KerasTestFile of(Model m) {
        KerasTestFile f = new KerasTestFile(m.architecture());
        for (LayerSpec l : m.architecture().layers()) {
            if (!l.hasWeights()) continue;
            var k = m.weights().kernel(l.name());
            var keras = l.kind() == LayerKind.CONV3X3 ? KerasWeights.convKernelToKeras(k)
                    : KerasWeights.denseKernelToKeras(k, l.inChannels(), l.inSize());
            f.kernels.put(l.name(), Hdf5Files.nested(keras));
            if (l.bias()) f.biases.put(l.name(), m.weights().bias(l.name()).data().clone());
        }
        return f;
    }

    KerasTestFile kernel(String layer, Object nested) { kernels.put(layer, nested); return this; }
    KerasTestFile bias(String layer, float[] b) { biases.put(layer, b); return this; }
    KerasTestFile naming(Naming n) { naming = n; return this; }
    KerasTestFile notop() { top = false; return this; }
    KerasTestFile fullModel() { fullModel = true; return this; }
    /** Lists the layer in layer_names but leaves its group out of the file. */
    KerasTestFile dropGroup(String layer) { withoutGroup.add(layer); return this; }

    void write(Path file) {
        List<String> names = new ArrayList<>();
        names.add("input_1");
        boolean flattened = false;
        for (LayerSpec l : arch.layers()) {
            if (l.kind() == LayerKind.FC && !top) break;
            if (l.kind() == LayerKind.FC && !flattened) { names.add("flatten"); flattened = true; }
            names.add(l.name());
        }
        try (WritableHdfFile h = HdfFile.write(file)) {
            WritableGroup root = h;
            if (fullModel) {
                h.putAttribute("keras_version", "2.2.4");
                h.putAttribute("model_config", "{\"class_name\": \"Model\"}");
                root = h.putGroup(KerasWeights.MODEL_WEIGHTS);
            }
            root.putAttribute(KerasWeights.LAYER_NAMES, names.toArray(new String[0]));
            root.putAttribute("backend", "tensorflow");
            for (String layer : names) {
                if (withoutGroup.contains(layer)) continue;
                WritableGroup g = root.putGroup(layer);
                if (!kernels.containsKey(layer)) continue; // jhdf cannot write empty arrays: no weight_names at all
                String k = naming == Naming.OLD ? layer + "_W_1:0" : layer + "/kernel:0";
                String b = naming == Naming.OLD ? layer + "_b_1:0" : layer + "/bias:0";
                boolean hasBias = biases.containsKey(layer);
                g.putAttribute(KerasWeights.WEIGHT_NAMES, hasBias ? new String[] {k, b} : new String[] {k});
                WritableGroup holder = naming == Naming.OLD ? g : g.putGroup(layer);
                holder.putDataset(naming == Naming.OLD ? k : "kernel:0", kernels.get(layer));
                if (hasBias) holder.putDataset(naming == Naming.OLD ? b : "bias:0", biases.get(layer));
            }
        }
    }
}
