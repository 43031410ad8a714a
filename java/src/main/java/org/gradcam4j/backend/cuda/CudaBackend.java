package org.gradcam4j.backend.cuda;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.gradcam4j.augment.CudaSuperResolution;
import org.gradcam4j.augment.SeedAdamSuperResolution;
import org.gradcam4j.augment.SuperResolutionSolver;
import org.gradcam4j.augment.TvSuperResolution;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.DeviceOutOfMemoryException;
import org.gradcam4j.backend.Network;
import org.gradcam4j.model.Model;

/**
 * The CUDA backend: the cuDNN engine on one device. It opens only where the native library loads, the device
 * exists and the library was built with the cuDNN engine; otherwise {@link #open} says why.
 *
 * <p>Before the first model is loaded the engine is checked against the CPU backend on a small network
 * ({@link CudaSelfCheck}: logits, layer and input gradients under every ReLU rule, weight gradients); a device
 * whose results disagree is refused with the numbers, so a wrong GPU result never reaches a user.
 *
 * <p>Failures: a CUDA, cuDNN or cuBLAS error other than out-of-memory marks the backend failed, and every later
 * call fails fast with the first error (a kernel fault leaves the CUDA context unusable). Out-of-memory
 * ({@link CudaOutOfMemoryException} from the native side, raised to callers as the backend-neutral
 * {@link DeviceOutOfMemoryException} with it as the cause) leaves it usable: the caller may retry with a smaller
 * batch.
 *
 * <p>Thread-safety: all native calls on one backend are serialised (one stream and one set of library handles).
 */
public final class CudaBackend implements Backend {
    private final CudaRuntime.Device device;
    private final CudnnContext context;
    private final String libraries;
    private final String driver;
    private final CudaPrecision precision;
    private volatile CudaException failure;
    private volatile boolean checked;
    private final Set<CudaNetwork> networks = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    private CudaBackend(CudaRuntime.Device device, CudnnContext context, String libraries, String driver, CudaPrecision precision) {
        this.device = device;
        this.context = context;
        this.libraries = libraries;
        this.driver = driver;
        this.precision = precision;
    }

    /** The backend on device 0 in the default precision ({@link CudaPrecision#fromProperty()}). */
    public static CudaBackend open() { return open(0, CudaPrecision.fromProperty()); }

    /**
     * @throws CudaUnavailableException with {@link CudaRuntime.Status#reason()} (or a missing device index) as its message
     * @throws CudaException            when creating the engine context fails on an available device
     */
    public static CudaBackend open(int device, CudaPrecision precision) {
        CudaRuntime.Status s = CudaRuntime.status();
        if (!s.available()) throw new CudaUnavailableException(s.reason());
        s.requireDeviceIndex(device);
        CudnnContext context = CudnnContext.create(device);
        try {
            return new CudaBackend(s.devices().get(device), context, context.versions(),
                    "driver CUDA " + CudaRuntime.version(s.driverVersion()) + ", runtime " + CudaRuntime.version(s.runtimeVersion()),
                    precision);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    @Override
    public String name() { return "cuda"; }

    @Override
    public String description() {
        return "CUDA device " + device.describe() + "; " + precision.label() + "; " + libraries + "; " + driver;
    }

    public CudaRuntime.Device device() { return device; }

    /** The TV and seed solvers run on this device ({@link CudaSuperResolution}); others stay as they are. */
    @Override
    public SuperResolutionSolver superResolution(SuperResolutionSolver solver) {
        if (solver instanceof TvSuperResolution || solver instanceof SeedAdamSuperResolution) {
            return new CudaSuperResolution(solver, device.index());
        }
        return solver;
    }

    public CudaPrecision precision() { return precision; }

    /** {free, total} bytes of this device's memory now. */
    public long[] deviceMemory() { return call(() -> CudaNative.memoryInfo(device.index())); }

    /**
     * Uploads the model. The first call runs the self-check against the CPU backend ({@link #verify()}).
     *
     * @throws CudaException when the device fails or disagrees with the CPU backend
     */
    @Override
    public Network load(Model model) {
        verify();
        return loadUnchecked(model, precision);
    }

    /**
     * Runs the self-check against the CPU backend once per backend (later calls return at once).
     *
     * @throws CudaException when the device fails or disagrees with the CPU backend; the backend is then failed
     */
    public void verify() {
        context.handle();  // closed backend: IllegalStateException first
        if (checked) return;
        synchronized (this) {
            if (checked) return;
            CudaSelfCheck.Report r = CudaSelfCheck.run(this);
            if (!r.passed()) {
                CudaException e = new CudaException("the CUDA engine on " + device.describe()
                        + " disagrees with the CPU backend on its self-check network: " + r.summary());
                failure = e;
                throw e;
            }
            checked = true;
        }
    }

    /** Uploads without the self-check (the self-check itself, and tests that compare backends directly). */
    CudaNetwork loadUnchecked(Model model, CudaPrecision p) {
        CudaNetwork n = new CudaNetwork(this, model, p);
        networks.add(n);
        return n;
    }

    void closed(CudaNetwork n) { networks.remove(n); }

    long contextHandle() { return context.handle(); }

    /** Runs a native call: fails fast after an earlier device failure, records a new one. */
    synchronized <T> T call(Supplier<T> nativeCall) {
        CudaException f = failure;
        if (f != null) throw new CudaException("CUDA device " + device.index() + " failed earlier: " + f.getMessage(), f);
        try {
            return nativeCall.get();
        } catch (CudaOutOfMemoryException e) {
            throw new DeviceOutOfMemoryException("CUDA device " + device.index() + ": " + e.getMessage(), e);
        } catch (CudaException e) {
            if (e.api().isPresent()) failure = e;  // a library error; argument errors have no api part
            throw e;
        }
    }

    void run(Runnable nativeCall) {
        call(() -> {
            nativeCall.run();
            return null;
        });
    }

    /** For releasing native resources: runs even after a failure, and never throws. */
    synchronized void runEvenIfFailed(Runnable nativeCall) {
        try {
            nativeCall.run();
        } catch (RuntimeException ignored) {
            // freeing after a device failure may itself fail; the memory goes with the process
        }
    }

    /**
     * Closes the networks still open on this backend, then the device context, under the backend's lock: a call
     * queued on another thread either runs before (and completes) or finds the handles closed.
     */
    @Override
    public synchronized void close() {
        List<CudaNetwork> open;
        synchronized (networks) {
            open = List.copyOf(networks);
        }
        for (CudaNetwork n : open) n.close();
        context.close();
    }
}
