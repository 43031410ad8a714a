package org.gradcam4j.backend.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.PassChecks;
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
