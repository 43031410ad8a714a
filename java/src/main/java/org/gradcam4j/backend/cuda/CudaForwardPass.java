package org.gradcam4j.backend.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.CamMaps;
import org.gradcam4j.backend.CamRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.PassChecks;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.method.NormalisedMaps;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.tensor.Tensor;

/** One batch's forward pass on the device: its kept activations stay there until {@link #close()}. */
final class CudaForwardPass implements ForwardPass {
    private final CudaNetwork net;
    private final int batch;
    private final int keep;
    private final int pass;
    private boolean closed;

    CudaForwardPass(CudaNetwork net, int batch, int keep, int pass) {
        this.net = net;
        this.batch = batch;
        this.keep = keep;
        this.pass = pass;
    }

    @Override public int batchSize() { return batch; }

    /** The network's native pointer; call only inside the backend's lock (see {@link CudaNetwork#handle()}). */
    private long handle() {
        if (closed) throw new IllegalStateException("forward pass is closed");
        return net.handle();
    }

    private Tensor output(int layer) {
        if (closed) throw new IllegalStateException("forward pass is closed");
        Architecture arch = net.architecture();
        int[] shape = PassChecks.shape(arch, layer, batch);
        float[] out = new float[(int) Tensor.count(shape)];
        net.backend().run(() -> CudnnEngineNative.output(handle(), pass, layer, out));
        return new Tensor(out, shape);
    }

    @Override
    public Tensor logits() {
        Architecture arch = net.architecture();
        if (arch.numClasses() == 0) throw new IllegalStateException(arch.name() + " has no classifier head (notop weights): no logits");
        return output(arch.layers().size() - 1);
    }

    @Override
    public Tensor activation(String layer) {
        int i = PassChecks.index(net.architecture(), layer);
        int last = net.architecture().layers().size() - 1;
        if (i < keep && i != last) {
            throw new IllegalStateException(i < 0 ? "the input was not kept (forward with keepFrom=input)"
                    : "activation of '" + layer + "' was not kept: forward with keepFrom at or below it");
        }
        return output(i);
    }

    /** The ablated copies are made on the device from this pass's kept activation; only the logits come back. */
    @Override
    public java.util.Optional<Tensor> ablatedLogits(String layer, int image, int first, int to) {
        if (closed) throw new IllegalStateException("forward pass is closed");
        Architecture arch = net.architecture();
        int i = PassChecks.ablated(arch, batch, keep, layer, image, first, to);
        float[] logits = new float[(to - first) * arch.numClasses()];
        net.backend().run(() -> CudnnEngineNative.forwardAblated(handle(), pass, i, image, first, to - first, logits));
        return java.util.Optional.of(new Tensor(logits, to - first, arch.numClasses()));
    }

    @Override
    public Gradients backward(BackwardRequest req) {
        if (closed) throw new IllegalStateException("forward pass is closed");
        Architecture arch = net.architecture();
        List<LayerSpec> layers = arch.layers();
        int stop = PassChecks.backward(arch, batch, keep, req);
        int m = req.seeds().dim(0);

        List<String> names = new ArrayList<>(req.capture());
        if (!names.contains(req.stopAt())) names.add(req.stopAt());
        int[] capture = new int[names.size()];
        float[][] captureOut = new float[names.size()][];
        for (int c = 0; c < capture.length; c++) {
            capture[c] = PassChecks.index(arch, names.get(c));
            captureOut[c] = new float[(int) Tensor.count(PassChecks.shape(arch, capture[c], m))];
        }
        List<String> wnames = new ArrayList<>(req.weightGradLayers());
        int[] weightLayers = new int[wnames.size()];
        float[][] weightOut = new float[2 * wnames.size()][];
        for (int w = 0; w < weightLayers.length; w++) {
            weightLayers[w] = arch.indexOf(wnames.get(w));
            LayerSpec l = layers.get(weightLayers[w]);
            weightOut[2 * w] = new float[(int) Tensor.count(l.kernelShape())];
            weightOut[2 * w + 1] = l.bias() ? new float[l.outChannels()] : null;
        }
        float[] seeds = req.seeds().data();
        int[] imageOf = req.imageOf();
        int rule = req.rule().ordinal();
        net.backend().run(() -> CudnnEngineNative.backward(handle(), pass, seeds, m, imageOf, stop, rule, capture, captureOut,
                weightLayers, weightOut));

        Map<String, Tensor> grads = new HashMap<>();
        for (int c = 0; c < capture.length; c++) grads.put(names.get(c), new Tensor(captureOut[c], PassChecks.shape(arch, capture[c], m)));
        Map<String, Tensor> wgrads = new HashMap<>();
        for (int w = 0; w < weightLayers.length; w++) {
            LayerSpec l = layers.get(weightLayers[w]);
            wgrads.put(l.name() + "/kernel", new Tensor(weightOut[2 * w], l.kernelShape()));
            if (l.bias()) wgrads.put(l.name() + "/bias", new Tensor(weightOut[2 * w + 1], l.outChannels()));
        }
        return new Gradients(grads, wgrads);
    }

    /**
     * The CAM-family step with the hand-written kernels (grad_pool, gradcampp, cam_combine, upsample,
     * guided_product) in one native call: the activations and gradients stay on the device, only the maps, the
     * channel weights and the requested input gradients / products come back.
     */
    @Override
    public CamMaps camMaps(CamRequest r) {
        if (closed) throw new IllegalStateException("forward pass is closed");
        Architecture arch = net.architecture();
        int layer = arch.indexOf(r.layer());
        LayerSpec spec = arch.layers().get(layer);
        if (!spec.isSpatial()) throw new IllegalArgumentException("layer '" + r.layer() + "' is not spatial");
        int[] imageOf = r.imageOf();
        int m = r.seeds().dim(0), c = spec.outChannels(), h = spec.outSize(), s = r.outSize();
        // the same argument checks as a backward to where this one reaches
        PassChecks.backward(arch, batch, keep, new BackwardRequest(r.seeds(), imageOf, r.needsInput() ? Architecture.INPUT : r.layer(),
                ReluRule.GRADIENT, Set.of(), Set.of()));
        if (layer < keep) throw new IllegalStateException("the output of '" + r.layer() + "' was not kept by this pass");
        List<Method> methods = List.copyOf(r.methods());
        List<ReluRule> raw = List.copyOf(r.inputGradients());
        List<Method> productOf = List.copyOf(r.guidedProducts());
        int k = methods.size();
        int[] kinds = methods.stream().mapToInt(CudaForwardPass::kind).toArray();
        int[] rules = raw.stream().mapToInt(ReluRule::ordinal).toArray();
        int[] products = productOf.stream().mapToInt(methods::indexOf).toArray();
        float[] camWeights = null;
        if (methods.contains(Method.CAM)) {
            Tensor linear = r.linearWeights();
            if (linear.dim(1) != c) throw new IllegalArgumentException("linear weights " + linear + " do not match " + c + " channels");
            int[] classOf = r.classOf();
            camWeights = new float[m * c];
            for (int row = 0; row < m; row++) {
                if (classOf[row] < 0 || classOf[row] >= linear.dim(0)) throw new IllegalArgumentException("class " + classOf[row] + " out of range");
                System.arraycopy(linear.data(), classOf[row] * c, camWeights, row * c, c);
            }
        }
        int inputValues = (int) Tensor.count(PassChecks.shape(arch, -1, m));
        float[][] out = new float[4 * k + raw.size() + products.length][];
        for (int i = 0; i < k; i++) {
            out[4 * i] = methods.get(i).hasChannelWeights() ? new float[m * c] : null;
            out[4 * i + 1] = new float[m * h * h];
            out[4 * i + 2] = new float[m * s * s];
            out[4 * i + 3] = new float[m];
        }
        for (int i = 4 * k; i < out.length; i++) out[i] = new float[inputValues];
        float[] seeds = r.seeds().data(), cw = camWeights;
        net.backend().run(() -> CudnnEngineNative.camMaps(handle(), pass, seeds, m, imageOf, layer, kinds, cw, s,
                (float) org.gradcam4j.method.Epsilons.GRADCAM_PP, (float) org.gradcam4j.method.Epsilons.XGRADCAM, rules, products, out));

        Map<Method, CamLayerMaps> layerMaps = new LinkedHashMap<>();
        Map<Method, NormalisedMaps> normalised = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            Method method = methods.get(i);
            Tensor weights = out[4 * i] == null ? null : new Tensor(out[4 * i], m, c);
            layerMaps.put(method, new CamLayerMaps(method, weights, new Tensor(out[4 * i + 1], m, h, h)));
            float[] max = out[4 * i + 3];
            boolean[] empty = new boolean[m];
            for (int row = 0; row < m; row++) {
                // as MapOps.normaliseByMax: a non-finite map is an upstream bug, not a blank map
                if (Float.isNaN(max[row])) throw new IllegalArgumentException(method + " map " + row + " holds a non-finite value");
                empty[row] = !(max[row] > 0);
            }
            normalised.put(method, new NormalisedMaps(new Tensor(out[4 * i + 2], m, s, s), empty));
        }
        int[] inputShape = PassChecks.shape(arch, -1, m);
        Map<ReluRule, Tensor> inputGradients = new LinkedHashMap<>();
        for (int i = 0; i < raw.size(); i++) inputGradients.put(raw.get(i), new Tensor(out[4 * k + i], inputShape));
        Map<Method, Tensor> guided = new LinkedHashMap<>();
        for (int i = 0; i < products.length; i++) guided.put(productOf.get(i), new Tensor(out[4 * k + raw.size() + i], inputShape));
        return new CamMaps(layerMaps, normalised, inputGradients, guided);
    }

    /** The native recipe code (CamKind in native/cudnn_network.h) of a method. */
    static int kind(Method m) {
        return switch (m) {
            case GRADCAM -> 0;
            case GRADCAM_PP -> 1;
            case GRADCAM_PP_OFFICIAL -> 2;
            case CAM -> 3;
            case HIRESCAM -> 4;
            case XGRADCAM -> 5;
            case LAYERCAM -> 6;
            case COUNTERFACTUAL -> 7;
            default -> throw new IllegalArgumentException(m.token() + " is not a CAM-family method with a CUDA kernel");
        };
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        net.backend().runEvenIfFailed(() -> {
            long h;
            try {
                h = net.handle();
            } catch (IllegalStateException networkClosed) {
                return;  // the network's arenas went with it
            }
            CudnnEngineNative.release(h, pass);
        });
    }
}
