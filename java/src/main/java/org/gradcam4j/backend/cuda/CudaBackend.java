package org.gradcam4j.backend.cuda;

import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.Network;
import org.gradcam4j.model.Model;

/**
 * The CUDA backend: the cuDNN engine on one device. It opens only where the native library loads, the device
 * exists and the library was built with the cuDNN engine; otherwise {@link #open} says why. The engine's network
 * calls (upload weights, forward, backward from seeds) are designed in {@code native/cudnn_engine.h} but not
 * written yet, so {@link #load} refuses: there is no stand-in forward pass.
 */
public final class CudaBackend implements Backend {
    private final CudaRuntime.Device device;
    private final CudnnContext context;
    private final String libraries;
    private final String driver;

    private CudaBackend(CudaRuntime.Device device, CudnnContext context, String libraries, String driver) {
        this.device = device;
        this.context = context;
        this.libraries = libraries;
        this.driver = driver;
    }

    /** The backend on device 0. */
    public static CudaBackend open() { return open(0); }

    /**
     * @throws CudaUnavailableException with {@link CudaRuntime.Status#reason()} (or a missing device index) as its message
     * @throws CudaException            when creating the engine context fails on an available device
     */
    public static CudaBackend open(int device) {
        CudaRuntime.Status s = CudaRuntime.status();
        if (!s.available()) throw new CudaUnavailableException(s.reason());
        if (device < 0 || device >= s.devices().size()) {
            throw new CudaUnavailableException("CUDA device " + device + " requested, " + s.devices().size() + " present");
        }
        CudnnContext context = CudnnContext.create(device);
        try {
            return new CudaBackend(s.devices().get(device), context, context.versions(),
                    "driver CUDA " + CudaRuntime.version(s.driverVersion()) + ", runtime " + CudaRuntime.version(s.runtimeVersion()));
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    @Override
    public String name() { return "cuda"; }

    @Override
    public String description() {
        return "CUDA device " + device.describe() + "; " + libraries + "; " + driver;
    }

    public CudaRuntime.Device device() { return device; }

    @Override
    public Network load(Model model) {
        context.handle();  // closed backend: IllegalStateException first
        throw new UnsupportedOperationException("the cuDNN engine's forward/backward are not implemented yet");
    }

    @Override
    public void close() { context.close(); }
}
