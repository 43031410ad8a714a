package org.gradcam4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.tensor.Tensor;

/**
 * Mini-batch training of a VGG-family classifier with softmax cross-entropy, on any {@link Backend}. The backend
 * does forward and backward; the loss, its gradient and the parameter update are here, in Java.
 *
 * <p>Per step: forward the batch; {@code p = softmax(logits)}; loss {@code = mean_n -log p[n, y_n]}; the loss
 * gradient w.r.t. the logits, {@code (p - onehot(y)) / N}, goes in as the backward seeds (one row per image), and
 * the backend returns the weight and bias gradients summed over the rows, which is exactly {@code dLoss/dW}.
 * Layers not in {@link #trainable()} are frozen: backward stops just below the lowest trainable layer.
 *
 * <p>The backend keeps its own rearranged (or uploaded) copy of the weights: after each step the trainable layers'
 * new parameters are pushed into the prepared network ({@link Network#updateParameters}), or, on a backend that
 * cannot do that, the network is prepared afresh. Close the trainer to release the network.
 */
public final class Trainer implements AutoCloseable {
    /** Loss and accuracy of one batch. */
    public record StepResult(double loss, int correct, int count) {}

    private final Backend backend;
    private final Model template;
    private final Map<String, float[]> params = new LinkedHashMap<>();
    private final Set<String> trainable;
    private final Optimizer optimizer;
    private final String stopAt;
    private Network network;  // prepared lazily, kept in step with params

    /**
     * @param initial   the starting model (architecture, preprocessing, labels, parameters; copied)
     * @param trainable names of the layers whose parameters are updated, lowest first or in any order
     */
    public Trainer(Backend backend, Model initial, Set<String> trainable, Optimizer optimizer) {
        this.backend = backend;
        this.template = initial;
        this.optimizer = optimizer;
        Architecture arch = initial.architecture();
        if (trainable.isEmpty()) throw new IllegalArgumentException("no trainable layers");
        int lowest = Integer.MAX_VALUE;
        for (String l : trainable) {
            if (!arch.layer(l).hasWeights()) throw new IllegalArgumentException("layer '" + l + "' has no parameters to train");
            lowest = Math.min(lowest, arch.indexOf(l));
        }
        this.trainable = new LinkedHashSet<>(trainable);
        this.stopAt = lowest == 0 ? Architecture.INPUT : arch.layers().get(lowest - 1).name();
        initial.weights().all().forEach((k, t) -> params.put(k, t.data().clone()));
    }

    /** Every layer with parameters. */
    public static Set<String> allLayers(Architecture arch) {
        Set<String> s = new LinkedHashSet<>();
        for (LayerSpec l : arch.layers()) if (l.hasWeights()) s.add(l.name());
        return s;
    }

    /** The layers with parameters above {@code frozenUpTo} (exclusive): fine-tuning a head on a frozen backbone. */
    public static Set<String> layersAbove(Architecture arch, String frozenUpTo) {
        int from = arch.indexOf(frozenUpTo);
        Set<String> s = new LinkedHashSet<>();
        for (int i = from + 1; i < arch.layers().size(); i++) if (arch.layers().get(i).hasWeights()) s.add(arch.layers().get(i).name());
        if (s.isEmpty()) throw new org.gradcam4j.InvalidInputException("nothing to train above '" + frozenUpTo + "'");
        return s;
    }

    public Set<String> trainable() { return Set.copyOf(trainable); }
    public Optimizer optimizer() { return optimizer; }

    /** The live parameters, keyed {@code <layer>/kernel}, {@code <layer>/bias} (updated in place by each step). */
    public Map<String, float[]> parameters() { return params; }

    /** The current model (a snapshot: later steps do not change it). */
    public Model model(String source) {
        Architecture arch = template.architecture();
        Map<String, Tensor> w = new LinkedHashMap<>();
        Map<String, Tensor> shapes = template.weights().all();
        params.forEach((k, v) -> w.put(k, new Tensor(v.clone(), shapes.get(k).shape())));
        return new Model(arch, template.preprocessing(), template.labels(), new ModelWeights(w), source);
    }

    /**
     * One optimizer step on a batch.
     *
     * @param input  (N x 3 x S x S) preprocessed images in the model's channel order
     * @param labels (N) class indices
     */
    public StepResult step(Tensor input, int[] labels) {
        Map<String, float[]> grads = new LinkedHashMap<>();
        StepResult r = gradients(input, labels, grads);
        optimizer.step(params, grads);
        pushParameters();
        return r;
    }

    /** The prepared network, in step with {@link #parameters()}. */
    private Network network() {
        if (network == null) network = backend.load(model("training"));
        return network;
    }

    /** After an update: the trainable layers' parameters into the prepared network, else prepare it afresh. */
    private void pushParameters() {
        if (network == null) return;
        Map<String, Tensor> shapes = template.weights().all();
        for (String layer : trainable) {
            String k = ModelWeights.kernelKey(layer), b = ModelWeights.biasKey(layer);
            Tensor kernel = new Tensor(params.get(k), shapes.get(k).shape());
            Tensor bias = params.containsKey(b) ? new Tensor(params.get(b), shapes.get(b).shape()) : null;
            if (!network.updateParameters(layer, kernel, bias)) {
                close();
                return;
            }
        }
    }

    /**
     * Tells the trainer that {@link #parameters()} were changed from outside (a restored checkpoint), so the
     * prepared network is refreshed before the next step.
     */
    public void parametersChanged() { close(); }

    /** Releases the prepared network; a later step prepares it again. */
    @Override
    public void close() {
        if (network != null) {
            network.close();
            network = null;
        }
    }

    /** Loss and the gradients of the mean loss w.r.t. every trainable parameter, without updating. */
    public StepResult gradients(Tensor input, int[] labels, Map<String, float[]> gradsOut) {
        int n = input.dim(0);
        if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " images");
        int classes = template.architecture().numClasses();
        try (ForwardPass pass = network().forward(input, stopAt)) {
            float[] logits = pass.logits().data();
            float[] seeds = new float[n * classes];
            double loss = 0;
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int y = labels[i];
                if (y < 0 || y >= classes) throw new IllegalArgumentException("label " + y + " out of range 0.." + (classes - 1));
                double[] p = softmax(logits, i * classes, classes);
                loss -= Math.log(Math.max(p[y], 1e-300));
                int arg = 0;
                for (int c = 0; c < classes; c++) {
                    if (p[c] > p[arg]) arg = c;
                    seeds[i * classes + c] = (float) ((p[c] - (c == y ? 1 : 0)) / n);
                }
                if (arg == y) correct++;
            }
            int[] imageOf = new int[n];
            for (int i = 0; i < n; i++) imageOf[i] = i;
            Gradients g = pass.backward(new BackwardRequest(new Tensor(seeds, n, classes), imageOf, stopAt, ReluRule.GRADIENT,
                    Set.of(), trainable));
            for (String layer : trainable) {
                for (String key : List.of(ModelWeights.kernelKey(layer), ModelWeights.biasKey(layer))) {
                    Tensor t = g.weightGrads().get(key);
                    if (t != null) gradsOut.put(key, t.data());
                    else if (params.containsKey(key)) throw new IllegalStateException("backend returned no gradient for " + key);
                }
            }
            return new StepResult(loss / n, correct, n);
        }
    }

    /** Numerically stable softmax of {@code x[off .. off+k)} in double. */
    public static double[] softmax(float[] x, int off, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) max = Math.max(max, x[off + c]);
        double[] p = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) { p[c] = Math.exp(x[off + c] - max); sum += p[c]; }
        for (int c = 0; c < k; c++) p[c] /= sum;
        return p;
    }

    /** Predicted classes of a batch (forward only). */
    public int[] predict(Tensor input) {
        int classes = template.architecture().numClasses();
        try (ForwardPass pass = network().forward(input, null)) {
            float[] logits = pass.logits().data();
            int[] out = new int[input.dim(0)];
            for (int i = 0; i < out.length; i++) {
                int arg = 0;
                for (int c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + arg]) arg = c;
                out[i] = arg;
            }
            return out;
        }
    }

    static List<String> sortedKeys(Map<String, ?> m) { List<String> k = new ArrayList<>(m.keySet()); k.sort(null); return k; }
}
