package org.gradcam4j.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.PassChecks;
import org.gradcam4j.backend.StagedInput;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Tensor;

/**
 * A model on the cuDNN engine: parameters uploaded once at construction; activations of each forward pass in a
 * device arena reused by later passes. The one owner of its native handle. Thread-safe: native calls are
 * serialised on the backend (one stream and one set of library handles per device).
 */
public final class CudaNetwork implements Network {
    private final CudaBackend backend;
    private final Architecture arch;
    private final CudaPrecision precision;
    private final AtomicLong handle;

    /** The native input slots (CudnnNetwork::kInputSlots): which are handed out, and a permit per free one. */
    private final AtomicBoolean[] slotTaken = {new AtomicBoolean(), new AtomicBoolean()};
    private final Semaphore freeSlots = new Semaphore(slotTaken.length);
    /**
     * A permit per slot whose page-locked memory no caller is writing (handed out and neither ready nor closed):
     * {@link #close()} takes them all before it frees that memory, so a write still under way never lands in freed
     * memory.
     */
    private final Semaphore notWriting = new Semaphore(slotTaken.length);

    /**
     * How long {@link #stageInput} waits for a slot. In the explain pipeline a slot comes free when the forward pass
     * of the batch before the one waiting in line starts, well within this; after it (a caller holding both slots and
     * asking for a third) the caller takes the plain path, which gives the same results.
     */
    static final long SLOT_WAIT_SECONDS = 5;

    /** The SmoothGrad noise on the device (seed, samples; 0 samples: none). Read and written under the backend's lock. */
    private long noiseSeed;
    private int noiseSamples;

    CudaNetwork(CudaBackend backend, Model model, CudaPrecision precision) {
        this.backend = backend;
        this.arch = model.architecture();
        this.precision = precision;
        List<LayerSpec> layers = arch.layers();
        int[] table = new int[layers.size() * 7];
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            int[] row = {l.kind().ordinal(), l.inChannels(), l.inSize(), l.outChannels(), l.outSize(), l.relu() ? 1 : 0, l.bias() ? 1 : 0};
            System.arraycopy(row, 0, table, i * 7, 7);
        }
        long h = backend.call(() -> CudnnEngineNative.createNetwork(backend.contextHandle(), table, arch.inputChannels(),
                arch.inputSize(), precision.ordinal()));
        this.handle = new AtomicLong(h);
        try {
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec l = layers.get(i);
                if (!l.hasWeights()) continue;
                float[] kernel = model.weights().kernel(l.name()).data();
                float[] bias = l.bias() ? model.weights().bias(l.name()).data() : null;
                int layer = i;
                backend.run(() -> CudnnEngineNative.upload(handle(), layer, kernel, bias));
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override public Architecture architecture() { return arch; }

    CudaBackend backend() { return backend; }

    CudaPrecision precision() { return precision; }

    /**
     * The native pointer. Read it only inside a {@link CudaBackend#call} (the backend's lock), in the same call
     * that uses it: {@link #close()} frees it under that lock, so a pointer read outside could be freed by another
     * thread before the queued call runs.
     */
    long handle() {
        long h = handle.get();
        if (h == 0) throw new IllegalStateException("network is closed");
        return h;
    }

    @Override
    public ForwardPass forward(Tensor input, String keepFrom) {
        int keep = PassChecks.forward(arch, input, keepFrom);
        int n = input.dim(0);
        float[] values = input.data();
        // The input goes straight into the engine's page-locked buffer (a direct ByteBuffer over it), then up with an
        // asynchronous copy ordered before the layers; write and forward under one lock (the buffer may move later).
        int pass = backend.call(() -> {
            long h = handle();
            java.nio.ByteBuffer staged = CudnnEngineNative.inputBuffer(h, values.length).order(java.nio.ByteOrder.nativeOrder());
            staged.asFloatBuffer().put(values);
            return CudnnEngineNative.forwardStaged(h, n, keep);
        });
        return new CudaForwardPass(this, n, keep, pass);
    }

    /**
     * Double-buffered input: one of two page-locked slots, which the caller fills through a direct buffer; its
     * {@link StagedInput#ready()} starts the upload on the network's copy stream (asynchronous: it overlaps whatever
     * the device computes meanwhile, typically the previous batch's backward and CAM step), and
     * {@link #forward(StagedInput, String)} has the engine's stream wait for that upload by an event. Waits up to
     * {@link #SLOT_WAIT_SECONDS} for a free slot; empty if none comes free, or if the thread is interrupted.
     */
    @Override
    public Optional<StagedInput> stageInput(int n) {
        if (n < 1) throw new IllegalArgumentException("batch size must be positive: " + n);
        int floats = Math.multiplyExact(n, arch.inputChannels() * arch.inputSize() * arch.inputSize());
        try {
            if (!freeSlots.tryAcquire(SLOT_WAIT_SECONDS, TimeUnit.SECONDS)) return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        int slot = 0;
        while (!slotTaken[slot].compareAndSet(false, true)) slot++;  // a permit guarantees a free slot
        int s = slot;
        if (!notWriting.tryAcquire()) {  // only while close() holds them all
            freeSlot(s);
            throw new IllegalStateException("network is closed");
        }
        try {
            ByteBuffer b = backend.call(() -> CudnnEngineNative.slotBuffer(handle(), s, floats));
            return Optional.of(new Staged(s, n, b.order(ByteOrder.nativeOrder()).asFloatBuffer()));
        } catch (RuntimeException | Error e) {
            notWriting.release();
            freeSlot(s);
            throw e;
        }
    }

    private void freeSlot(int slot) {
        slotTaken[slot].set(false);
        freeSlots.release();
    }

    @Override
    public ForwardPass forward(StagedInput input, String keepFrom) {
        if (!(input instanceof Staged s) || s.network() != this) {
            throw new IllegalArgumentException("the staged input was not staged by this network");
        }
        if (!s.isReady()) throw new IllegalStateException("the staged input is " + (s.closed ? "closed" : "not ready"));
        int keep = PassChecks.keepIndex(arch, keepFrom);
        int pass = backend.call(() -> CudnnEngineNative.forwardSlot(handle(), s.slot, s.n, keep));
        return new CudaForwardPass(this, s.n, keep, pass);
    }

    /** One slot handed out; the native side also checks every state this class tracks. */
    private final class Staged implements StagedInput {
        final int slot, n;
        private volatile FloatBuffer values;
        private volatile boolean ready, closed;
        private boolean writing = true;  // guarded by this

        Staged(int slot, int n, FloatBuffer values) {
            this.slot = slot;
            this.n = n;
            this.values = values;
        }

        CudaNetwork network() { return CudaNetwork.this; }

        @Override public int batch() { return n; }

        @Override
        public FloatBuffer values() {
            FloatBuffer v = values;
            if (v == null) throw new IllegalStateException("the staged input is " + (closed ? "closed" : "ready: its values are on their way"));
            return v;
        }

        @Override
        public synchronized void ready() {
            if (closed) throw new IllegalStateException("the staged input is closed");
            if (ready) return;
            values = null;
            writingDone();
            backend.run(() -> CudnnEngineNative.uploadSlot(handle(), slot, n));
            ready = true;
        }

        private void writingDone() {
            if (writing) {
                writing = false;
                notWriting.release();
            }
        }

        @Override public boolean isReady() { return ready && !closed; }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            values = null;
            writingDone();
            freeSlot(slot);
        }
    }

    /** The copies are made on the device from one uploaded image. */
    @Override
    public java.util.Optional<ForwardPass> forwardWarped(Tensor image, float[] fill, double[] affine, boolean[] identity, String keepFrom) {
        int s = arch.inputSize(), c = arch.inputChannels(), n = identity.length;
        if (image.rank() != 3 || image.dim(0) != c || image.dim(1) != s || image.dim(2) != s) {
            throw new IllegalArgumentException("image must be (" + c + " x " + s + " x " + s + "), got " + image);
        }
        if (n == 0 || affine.length != 6 * n || fill.length != c) throw new IllegalArgumentException("warp parameters do not match " + n + " copies");
        int keep = PassChecks.keepIndex(arch, keepFrom);
        byte[] id = new byte[n];
        for (int k = 0; k < n; k++) id[k] = (byte) (identity[k] ? 1 : 0);
        int pass = backend.call(() -> CudnnEngineNative.forwardWarped(handle(), image.data(), fill, affine, id, n, keep));
        return java.util.Optional.of(new CudaForwardPass(this, n, keep, pass));
    }

    /**
     * The copies are made on the device from the one uploaded image (and the recipe's small inputs: Score-CAM's
     * activation, the path's alphas, the fill); SmoothGrad's noise, drawn on the host as on the CPU path, goes up once
     * per seed and sample count and stays there for later images.
     */
    @Override
    public ForwardPass forwardCopies(Tensor image, InputCopies copies, int from, int to, String keepFrom) {
        copies.check(arch, image, from, to);
        if (copies instanceof InputCopies.PathPoints p && !p.perChannel(image.dim(0))) {
            return forward(copies.make(image, from, to), keepFrom);   // an image baseline: the kernel takes one value per channel
        }
        int keep = PassChecks.keepIndex(arch, keepFrom), n = to - from;
        float[] x = image.data();
        int pass = backend.call(() -> {
            long h = handle();
            if (copies instanceof InputCopies.ScoreCamMasks m) {
                Tensor a = m.activation();
                return CudnnEngineNative.forwardCopies(h, 0, x, from, n, keep, a.data(),
                        new int[] {a.dim(0), a.dim(1), a.dim(2), m.alignCorners() ? 1 : 0}, new double[] {m.eps()}, 0);
            }
            if (copies instanceof InputCopies.PathPoints p) {
                return CudnnEngineNative.forwardCopies(h, 1, x, from, n, keep, p.baseline(), new int[0],
                        java.util.Arrays.copyOfRange(p.alphas(), from, to), 0);
            }
            if (copies instanceof InputCopies.Occluded o) {
                return CudnnEngineNative.forwardCopies(h, 2, x, from, n, keep, o.fill(), new int[] {o.patch(), o.stride()},
                        new double[0], 0);
            }
            InputCopies.Noisy z = (InputCopies.Noisy) copies;   // the interface is sealed: the last kind
            if (noiseSamples != z.samples() || noiseSeed != z.seed()) {
                noiseSamples = 0;
                CudnnEngineNative.uploadNoise(h, z.seed(), z.samples(), z.z());
                noiseSeed = z.seed();
                noiseSamples = z.samples();
            }
            return CudnnEngineNative.forwardCopies(h, 3, x, from, n, keep, null, new int[] {z.samples()},
                    new double[] {z.sigma()}, z.seed());
        });
        return new CudaForwardPass(this, n, keep, pass);
    }

    /**
     * Ablation-CAM's passes on the device: the batch of activations goes up once, the layers above {@code layer} and
     * the head run there, and only the logits come back.
     */
    @Override
    public Optional<Tensor> forwardFrom(String layer, Tensor activations) {
        int i = PassChecks.forwardFrom(arch, layer, activations);
        int n = activations.dim(0);
        float[] values = activations.data(), logits = new float[n * arch.numClasses()];
        backend.run(() -> CudnnEngineNative.forwardFrom(handle(), i, values, n, logits));
        return Optional.of(new Tensor(logits, n, arch.numClasses()));
    }

    /** Uploads one layer's new parameters into the existing device allocation (training). */
    @Override
    public boolean updateParameters(String layer, Tensor kernel, Tensor bias) {
        int i = PassChecks.parameters(arch, layer, kernel, bias);
        float[] k = kernel.data(), b = bias == null ? null : bias.data();
        backend.run(() -> CudnnEngineNative.upload(handle(), i, k, b));
        return true;
    }

    /** Device memory held by this network and the device's free / total, for logs and benchmarks. */
    public MemoryUse memory() {
        long[] m = backend.call(() -> CudnnEngineNative.memory(handle()));
        return new MemoryUse(m[0], m[1], m[2], m[3], m[4], m[5]);
    }

    /** The cuDNN algorithm chosen for each layer, direction and batch size so far. */
    public String algorithms() {
        return backend.call(() -> CudnnEngineNative.algorithms(handle()));
    }

    /** Bytes. */
    public record MemoryUse(long parameters, long arenas, long scratch, long workspace, long deviceFree, long deviceTotal) {
        public long total() { return parameters + arenas + scratch + workspace; }
    }

    /**
     * Frees the native network under the backend's lock, so no call of another thread can still be using it. Waits
     * first (up to {@link #SLOT_WAIT_SECONDS}) until no staged input is being written, since the slots' memory goes
     * with the network.
     */
    @Override
    public void close() {
        boolean quiet;
        try {
            quiet = notWriting.tryAcquire(slotTaken.length, SLOT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            quiet = false;
        }
        try {
            backend.runEvenIfFailed(() -> {
                long h = handle.getAndSet(0);
                if (h != 0) CudnnEngineNative.freeNetwork(h);
            });
        } finally {
            if (quiet) notWriting.release(slotTaken.length);
            backend.closed(this);
        }
    }
}
