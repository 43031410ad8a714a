package org.gradcam4j.backend.cpu;

import java.util.List;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.PassChecks;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Tensor;

/**
 * A model prepared for the CPU: weights rearranged once ({@link ConvWeights}, {@link FcWeights}), worker
 * threads and a buffer pool owned here. Thread-safe: concurrent forward passes are allowed (they share
 * the workers); each {@link ForwardPass} is for one thread.
 */
final class CpuNetwork implements Network {
    final Architecture arch;
    final List<LayerSpec> layers;
    final Object[] weights;  // ConvWeights / FcWeights / null per layer
    /** Per conv layer, the Winograd-domain kernel where that direction runs Winograd, else null (direct). */
    final WinogradWeights[] winogradForward;
    /** F(2x2) layouts of the backward-data convolutions; see {@link #winogradBackward(int)}. Guarded by this. */
    private final WinogradWeights[] winogradBackward;
    /**
     * The kernel of a layer whose F(2x2) layout only a pass reaching its input needs (its forward runs F(4x4)) and no
     * model file stored: the layout is made at the first such pass instead of at load (a Keras file's blocks 1-4, which
     * a CAM method never needs). Guarded by this; null once made.
     */
    private final Tensor[] winogradBackwardLater;
    /** Per conv layer, the F(4x4, 3x3) kernel ({@link Winograd4Conv#transform}) where the forward runs it, else null. */
    final java.nio.FloatBuffer[] winograd4Forward;
    final Winograd4Conv winograd4;
    final LayerOps ops;
    private final ConvAlgorithm algorithm;
    final WinogradConv winograd;
    final Buffers buffers = new Buffers();
    private volatile boolean closed;

    CpuNetwork(Model model, Workers workers, Sgemm gemm) { this(model, workers, gemm, ConvAlgorithm.fromProperty()); }

    CpuNetwork(Model model, Workers workers, Sgemm gemm, ConvAlgorithm algorithm) {
        this.arch = model.architecture();
        this.layers = arch.layers();
        this.ops = new LayerOps(workers, gemm);
        this.winograd = new WinogradConv(workers, gemm);
        this.winograd4 = new Winograd4Conv(workers, gemm);
        this.algorithm = algorithm;
        this.weights = new Object[layers.size()];
        this.winogradForward = new WinogradWeights[layers.size()];
        this.winogradBackward = new WinogradWeights[layers.size()];
        this.winogradBackwardLater = new Tensor[layers.size()];
        this.winograd4Forward = new java.nio.FloatBuffer[layers.size()];
        // the layers are rearranged independently, on all cores (part of what a user waits for at start-up)
        java.util.stream.IntStream.range(0, layers.size()).parallel().forEach(i -> {
            LayerSpec l = layers.get(i);
            if (!l.hasWeights()) return;
            Tensor kernel = model.weights().kernel(l.name());
            boolean conv = l.kind() == LayerKind.CONV3X3;
            Tensor stored = conv ? CpuLayouts.usableWinograd(model.weights().prepared(CpuLayouts.winogradKey(l.name())), kernel) : null;
            Tensor stored4 = conv ? CpuLayouts.usableWinograd4(model.weights().prepared(CpuLayouts.winograd4Key(l.name())), kernel) : null;
            prepare(i, kernel, l.bias() ? model.weights().bias(l.name()) : null, stored, stored4);
        });
    }

    /**
     * Rearranges one layer's canonical parameters for the CPU kernels.
     *
     * @param storedWinograd  the layer's Winograd layout as the model file stored it (checked against the kernel), or null
     * @param storedWinograd4 likewise its F(4x4) layout, or null
     */
    private void prepare(int i, Tensor kernel, Tensor bias, Tensor storedWinograd, Tensor storedWinograd4) {
        LayerSpec l = layers.get(i);
        if (l.kind() == LayerKind.CONV3X3) {
            boolean fwd4 = algorithm.winograd4Forward(l.inChannels(), l.outChannels(), l.inSize());
            boolean fwd = !fwd4 && algorithm.winogradForward(l.inChannels(), l.outChannels(), l.inSize());
            boolean bwd = algorithm.winogradBackwardData(l.inChannels(), l.outChannels(), l.inSize());
            boolean later = fwd4 && bwd && storedWinograd == null;
            WinogradWeights u = !(fwd || bwd) || later ? null : storedWinograd != null
                    ? new WinogradWeights(l.outChannels(), l.inChannels(), storedWinograd) : new WinogradWeights(kernel);
            winogradForward[i] = fwd ? u : null;
            synchronized (this) {
                winogradBackward[i] = bwd ? u : null;
                winogradBackwardLater[i] = later ? kernel : null;
            }
            winograd4Forward[i] = !fwd4 ? null : storedWinograd4 != null
                    ? Buffers.ready(storedWinograd4, "Winograd F(4x4) conv weights") : Winograd4Conv.transform(kernel);
            weights[i] = new ConvWeights(kernel, bias, !((fwd || fwd4) && bwd));
        } else if (l.kind() == LayerKind.FC) {
            weights[i] = new FcWeights(kernel, bias);
        }
    }

    /**
     * The F(2x2, 3x3) layout layer {@code i}'s backward-data convolution runs on (also the forward of a pass reaching
     * the input where F(4x4) would run), or null (direct); made here the first time when load left it for later.
     */
    synchronized WinogradWeights winogradBackward(int i) {
        if (winogradBackward[i] == null && winogradBackwardLater[i] != null) {
            winogradBackward[i] = new WinogradWeights(winogradBackwardLater[i]);
            winogradBackwardLater[i] = null;
        }
        return winogradBackward[i];
    }

    /** Training: replaces one layer's prepared weights. Not for use while another thread runs a pass. */
    @Override
    public boolean updateParameters(String layer, Tensor kernel, Tensor bias) {
        checkOpen();
        prepare(PassChecks.parameters(arch, layer, kernel, bias), kernel, bias, null, null);
        return true;
    }

    @Override public Architecture architecture() { return arch; }

    @Override
    public ForwardPass forward(Tensor input, String keepFrom) {
        if (closed) throw new IllegalStateException("network is closed");
        int keepIndex = PassChecks.forward(arch, input, keepFrom);
        CpuForwardPass pass = new CpuForwardPass(this, input.dim(0), keepIndex);
        try {
            pass.run(input);
        } catch (RuntimeException | Error e) {
            pass.close();
            throw e;
        }
        return pass;
    }

    @Override
    public java.util.Optional<Tensor> forwardFrom(String layer, Tensor activations) {
        if (closed) throw new IllegalStateException("network is closed");
        int start = PassChecks.forwardFrom(arch, layer, activations);
        try (CpuForwardPass pass = new CpuForwardPass(this, activations.dim(0), layers.size())) {
            pass.runFrom(start, activations);
            return java.util.Optional.of(pass.logits());
        }
    }

    void checkOpen() { if (closed) throw new IllegalStateException("network is closed"); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        buffers.clear();
        ops.workers().close();
    }
}
