package org.gradcam4j.backend.cpu;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.PassChecks;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.tensor.Tensor;

/**
 * One batch's forward pass on the CPU and the backward passes run from it. Keeps the outputs of layers
 * from {@code keepIndex} up (and pooling argmaxes), which is all backward needs down to that layer.
 */
final class CpuForwardPass implements ForwardPass {
    /** {@code -Dgradcam4j.profile=true} prints per-layer forward and backward times to stderr. */
    static final boolean PROFILE = org.gradcam4j.SystemProperty.PROFILE.flag();
    /** CPU time of every thread (the workers' included) for the profile's CPU column, which a shared machine inflates less than wall time. */
    private static final com.sun.management.ThreadMXBean CPU_TIMES = PROFILE
            ? (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean() : null;
    private final CpuNetwork net;
    private final int batch;
    private final int keepIndex;      // -1: the input too
    private final Act[] outputs;      // per layer, kept ones only (plus the last)
    private final byte[][] argmax;    // per pool layer above keepIndex
    private Act input;                // kept when keepIndex == -1
    private boolean closed;

    CpuForwardPass(CpuNetwork net, int batch, int keepIndex) {
        this.net = net;
        this.batch = batch;
        this.keepIndex = keepIndex;
        this.outputs = new Act[net.layers.size()];
        this.argmax = new byte[net.layers.size()][];
    }

    private Act newAct(int channels, int rows, int size, boolean spatial, String what) {
        return new Act(net.buffers.take(Act.floats(channels, rows, size, spatial), what), channels, rows, size, spatial);
    }

    private void release(Act a) { if (a != null) net.buffers.give(a.buf); }

    void run(Tensor x) {
        Architecture arch = net.arch;
        Act cur = newAct(arch.inputChannels(), batch, arch.inputSize(), true, "input");
        copyPadded(x, cur);
        if (keepIndex == -1) input = cur;
        runLayers(cur, 0);
    }

    /** Runs the layers above {@code start} on its given output (keeping nothing for backward). */
    void runFrom(int start, Tensor activation) {
        LayerSpec l = net.layers.get(start);
        int n = activation.dim(0);
        Act cur;
        if (l.isSpatial()) {
            cur = newAct(l.outChannels(), n, l.outSize(), true, l.name() + " given");
            copyPadded(activation, cur);
        } else {
            cur = newAct(l.outChannels(), n, 1, false, l.name() + " given");
            cur.buf.put(0, activation.data(), 0, n * l.outChannels());
        }
        outputs[start] = cur;
        runLayers(cur, start + 1);
    }

    /** An NCHW tensor into a spatial Act of the same shape, with the zero border the convolutions read. */
    private static void copyPadded(Tensor x, Act a) {
        int s = a.size, w2 = s + 2, c = a.channels;
        float[] d = x.data();
        FloatBuffer buf = a.buf;
        float[] row = new float[w2];
        for (int ch = 0; ch < c; ch++) {
            for (int b = 0; b < a.batch; b++) {
                int plane = a.at(ch, b, -1, -1);
                java.util.Arrays.fill(row, 0f);
                buf.put(plane, row, 0, w2);
                buf.put(plane + (w2 - 1) * w2, row, 0, w2);
                for (int y = 0; y < s; y++) {
                    System.arraycopy(d, ((b * c + ch) * s + y) * s, row, 1, s);
                    buf.put(plane + (y + 1) * w2, row, 0, w2);
                }
            }
        }
    }

    private void runLayers(Act first, int from) {
        Act prev = first;
        for (int i = from; i < net.layers.size(); i++) {
            LayerSpec l = net.layers.get(i);
            boolean fused = fusesPool(i);
            long c0 = PROFILE ? ConvBenchmark.cpuNanos(CPU_TIMES) : 0, t0 = PROFILE ? System.nanoTime() : 0;
            Act out = fused ? forwardConvPool(i, prev) : forwardLayer(i, l, prev);
            if (PROFILE) {
                double ms = (System.nanoTime() - t0) / 1e6, cpu = (ConvBenchmark.cpuNanos(CPU_TIMES) - c0) / 1e6;
                String how = l.kind() != LayerKind.CONV3X3 ? "" : forwardF2(i) != null ? "winograd"
                        : net.winograd4Forward[i] != null ? (fused ? "w4x4+pool" : "wino4x4") : "direct";
                System.err.printf("  forward %-14s %-9s %8.2f ms %8.2f ms CPU %7.1f GFLOP/s%n", l.name(), how, ms, cpu,
                        2.0 * l.macs() * batch / ms / 1e6);
            }
            boolean keepPrev = (i - 1 >= keepIndex && i - 1 >= 0) || (i == 0 && keepIndex == -1);
            if (!keepPrev) release(prev);
            if (i > 0 && !keepPrev) outputs[i - 1] = null;
            if (fused) i++;   // the pooling layer ran too; the convolution's output was never made (and is not kept)
            outputs[i] = out;
            prev = out;
        }
    }

    /**
     * Whether layer i (an F(4x4) convolution with ReLU) and the 2x2 max pooling after it run as one ({@link Winograd4Conv#forwardPooled}):
     * when the convolution's output is not kept, i.e. below the layer the pass keeps from. Forward-only passes and the CAM
     * methods' passes fuse blocks 1-4's last convolutions with their pooling; passes that keep everything (input
     * gradients) run F(2x2) there and do not fuse.
     */
    private boolean fusesPool(int i) {
        return i < keepIndex && i + 1 < net.layers.size() && net.layers.get(i).kind() == LayerKind.CONV3X3 && net.layers.get(i).relu()
                && net.layers.get(i + 1).kind() == LayerKind.MAXPOOL2
                && forwardF2(i) == null && net.winograd4Forward[i] != null;
    }

    /** Layer i's F(4x4) convolution and the pooling after it, fused: the pooling layer's output (its argmax kept as forwardLayer keeps it). */
    private Act forwardConvPool(int i, Act in) {
        LayerSpec pool = net.layers.get(i + 1);
        Act out = newAct(pool.outChannels(), batch, pool.outSize(), true, pool.name());
        byte[] am = new byte[pool.outChannels() * batch * pool.outSize() * pool.outSize()];
        net.winograd4.forwardPooled(in, out, am, net.winograd4Forward[i], ((ConvWeights) net.weights[i]).bias);
        if (i + 1 > keepIndex) argmax[i + 1] = am;
        return out;
    }

    /**
     * The F(2x2, 3x3) kernel layer {@code i}'s forward runs on, or null (F(4x4) or direct). A pass whose backward
     * reaches the input (input gradients: vanilla, guided, deconvnet, SmoothGrad, Integrated Gradients, guided
     * Grad-CAM) runs F(2x2) also where F(4x4) would run: an input gradient follows every ReLU and max-pool decision of
     * the forward, and F(4x4)'s larger rounding flips more of the decisions that sit within rounding of a tie
     * (full-size VGG16 against float64: SmoothGrad 7.0e-3 and Integrated Gradients 1.0e-2 with F(4x4) forwards,
     * 3.9e-4 and 2.3e-4 with F(2x2), PyTorch float32 2.7e-3 and 3.0e-3; docs/SPEED.md). Passes that stop at a layer
     * (the CAM methods) keep F(4x4). The F(2x2) kernel is the one the backward-data convolution uses.
     */
    private WinogradWeights forwardF2(int i) {
        if (net.winogradForward[i] != null) return net.winogradForward[i];
        return keepIndex == -1 && net.winograd4Forward[i] != null ? net.winogradBackward(i) : null;
    }

    private Act forwardLayer(int i, LayerSpec l, Act in) {
        LayerOps ops = net.ops;
        switch (l.kind()) {
            case CONV3X3 -> {
                Act out = newAct(l.outChannels(), batch, l.outSize(), true, l.name());
                ConvWeights w = (ConvWeights) net.weights[i];
                WinogradWeights f2 = forwardF2(i);
                if (f2 == null && net.winograd4Forward[i] != null) {
                    net.winograd4.forward(in, out, net.winograd4Forward[i], w.bias, l.relu());
                } else if (f2 != null) {
                    net.winograd.forward(in, out, f2, w.bias, l.relu());
                } else {
                    ops.convForward(in, out, w, l.relu());
                }
                return out;
            }
            case MAXPOOL2 -> {
                Act out = newAct(l.outChannels(), batch, l.outSize(), true, l.name());
                byte[] am = new byte[l.outChannels() * batch * l.outSize() * l.outSize()];
                ops.maxPoolForward(in, out, am);
                if (i > keepIndex) argmax[i] = am;
                return out;
            }
            case GAP -> {
                Act out = newAct(l.outChannels(), batch, 1, false, l.name());
                ops.gapForward(in, out);
                return out;
            }
            case FC -> {
                FloatBuffer x;
                boolean tmp = in.spatial;
                if (tmp) {
                    x = net.buffers.take((long) batch * l.inVolume(), "flatten");
                    ops.flatten(in, x, ((FcWeights) net.weights[i]).inputMajor);
                } else {
                    x = in.buf;
                }
                Act out = newAct(l.outChannels(), batch, 1, false, l.name());
                ops.fcForward(x, batch, (FcWeights) net.weights[i], l.relu(), out.buf);
                if (tmp) net.buffers.give(x);
                return out;
            }
        }
        throw new IllegalStateException("unhandled layer kind " + l.kind());
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("forward pass is closed");
        net.checkOpen();
    }

    @Override public int batchSize() { return batch; }

    @Override
    public Tensor logits() {
        checkOpen();
        int last = net.layers.size() - 1;
        if (net.arch.numClasses() == 0) throw new IllegalStateException(net.arch.name() + " has no classifier head (notop weights): no logits");
        return toTensor(outputs[last]);
    }

    @Override
    public Tensor activation(String layer) {
        checkOpen();
        if (Architecture.INPUT.equals(layer)) {
            if (input == null) throw new IllegalStateException("the input was not kept (forward with keepFrom=input)");
            return toTensor(input);
        }
        int i = net.arch.indexOf(layer);
        if (outputs[i] == null) {
            throw new IllegalStateException("activation of '" + layer + "' was not kept: forward with keepFrom at or below it");
        }
        return toTensor(outputs[i]);
    }

    /** Internal layout to NCHW (spatial) or (N, C) tensors. */
    private Tensor toTensor(Act a) {
        if (!a.spatial) {
            float[] out = new float[a.batch * a.channels];
            a.buf.get(0, out, 0, out.length);
            return new Tensor(out, a.batch, a.channels);
        }
        int s = a.size;
        float[] out = new float[a.batch * a.channels * s * s];
        for (int b = 0; b < a.batch; b++) {
            for (int c = 0; c < a.channels; c++) {
                for (int y = 0; y < s; y++) a.buf.get(a.at(c, b, y, 0), out, ((b * a.channels + c) * s + y) * s, s);
            }
        }
        return new Tensor(out, a.batch, a.channels, s, s);
    }

    @Override
    public Gradients backward(BackwardRequest req) {
        checkOpen();
        Architecture arch = net.arch;
        int stop = PassChecks.backward(arch, batch, keepIndex, req);
        Tensor seeds = req.seeds();
        int m = seeds.dim(0);
        int[] imageOf = req.imageOf();

        Map<String, Tensor> grads = new HashMap<>();
        Map<String, Tensor> wgrads = new HashMap<>();
        int last = net.layers.size() - 1;
        Act g = newAct(arch.numClasses(), m, 1, false, "seed gradients");
        g.buf.put(0, seeds.data(), 0, m * arch.numClasses());
        LayerOps ops = net.ops;
        try {
            for (int i = last; ; i--) {
                String name = net.layers.get(i).name();
                if (req.capture().contains(name) || i == stop) grads.put(name, toTensor(g));
                if (i == stop) break;
                LayerSpec l = net.layers.get(i);
                if (l.relu()) ops.reluBackward(g, outputs[i], imageOf, req.rule());
                Act below = i == 0 ? input : outputs[i - 1];
                if (req.weightGradLayers().contains(name)) wgrads.putAll(weightGrads(i, l, g, below, imageOf));
                long t0 = PROFILE ? System.nanoTime() : 0;
                Act next = backwardLayer(i, l, g, imageOf);
                if (PROFILE) System.err.printf("  backward %-14s %8.2f ms%n", l.name(), (System.nanoTime() - t0) / 1e6);
                release(g);
                g = next;
                if (i == 0) {
                    grads.put(Architecture.INPUT, toTensor(g));
                    break;
                }
            }
        } finally {
            release(g);
        }
        return new Gradients(grads, wgrads);
    }

    /** The gradient w.r.t. the layer's input, from dz (the gradient at its pre-ReLU output). */
    private Act backwardLayer(int i, LayerSpec l, Act dz, int[] imageOf) {
        LayerOps ops = net.ops;
        int m = dz.batch;
        switch (l.kind()) {
            case CONV3X3 -> {
                Act dIn = newAct(l.inChannels(), m, l.inSize(), true, l.name() + " input gradient");
                WinogradWeights u = net.winogradBackward(i);
                if (u != null) {
                    net.winograd.backwardData(dz, dIn, u);
                } else if (l.inChannels() < LayerOps.IM2COL_BELOW) {
                    ops.convBackwardDataSmallCin(dz, dIn, (ConvWeights) net.weights[i]);
                } else {
                    ops.convBackwardData(dz, dIn, (ConvWeights) net.weights[i]);
                }
                return dIn;
            }
            case MAXPOOL2 -> {
                Act dIn = newAct(l.inChannels(), m, l.inSize(), true, l.name() + " input gradient");
                ops.maxPoolBackward(dz, dIn, argmax[i], batch, imageOf);
                return dIn;
            }
            case GAP -> {
                Act dIn = newAct(l.inChannels(), m, l.inSize(), true, l.name() + " input gradient");
                ops.gapBackward(dz, dIn);
                return dIn;
            }
            case FC -> {
                FcWeights w = (FcWeights) net.weights[i];
                if (i > 0 && net.layers.get(i - 1).isSpatial()) {
                    FloatBuffer flat = net.buffers.take((long) m * w.in, "flatten gradient");
                    ops.fcBackwardData(dz.buf, m, w, flat);
                    Act dIn = newAct(l.inChannels(), m, l.inSize(), true, l.name() + " input gradient");
                    ops.unflatten(flat, dIn, w.inputMajor);
                    net.buffers.give(flat);
                    return dIn;
                }
                Act dIn = newAct(w.in, m, 1, false, l.name() + " input gradient");
                ops.fcBackwardData(dz.buf, m, w, dIn.buf);
                return dIn;
            }
        }
        throw new IllegalStateException("unhandled layer kind " + l.kind());
    }

    private Map<String, Tensor> weightGrads(int i, LayerSpec l, Act dz, Act x, int[] imageOf) {
        if (x == null) throw new IllegalStateException("weight gradients of '" + l.name() + "' need its input kept (forward with keepFrom below it)");
        LayerOps ops = net.ops;
        int m = dz.batch;
        Act xs = newAct(x.channels, m, x.size, x.spatial, "gathered input");
        try {
            LayerOps.gather(x, imageOf, xs);
            float[] dk = new float[(int) org.gradcam4j.tensor.Tensor.count(l.kernelShape())];
            float[] db = l.bias() ? new float[l.outChannels()] : null;
            if (l.kind() == LayerKind.CONV3X3) {
                ops.convBackwardWeights(dz, xs, dk, db);
            } else {
                FcWeights w = (FcWeights) net.weights[i];
                FloatBuffer flat = xs.buf;
                FloatBuffer tmp = null;
                if (xs.spatial) {
                    tmp = net.buffers.take((long) m * w.in, "flatten");
                    ops.flatten(xs, tmp);
                    flat = tmp;
                }
                ops.fcBackwardWeights(dz.buf, flat, m, w.out, w.in, dk, db);
                if (tmp != null) net.buffers.give(tmp);
            }
            Map<String, Tensor> r = new HashMap<>();
            r.put(l.name() + "/kernel", new Tensor(dk, l.kernelShape()));
            if (db != null) r.put(l.name() + "/bias", new Tensor(db, l.outChannels()));
            return r;
        } finally {
            release(xs);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (int i = 0; i < outputs.length; i++) {
            release(outputs[i]);
            outputs[i] = null;
        }
        release(input);
        input = null;
    }
}
