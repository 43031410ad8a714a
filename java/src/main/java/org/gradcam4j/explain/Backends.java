package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
import java.util.logging.Logger;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.DeviceOutOfMemoryException;
import org.gradcam4j.backend.Network;
import org.gradcam4j.model.Model;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.backend.cuda.CudaBackend;
import org.gradcam4j.backend.cuda.CudaException;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.backend.cuda.CudaUnavailableException;

/** The device-choice policy shared by the facade and the training command. */
public final class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());

    private Backends() {}

    /**
     * {@code cuda}: the CUDA backend on device 0, self-checked, or an error saying why it cannot run here.
     * {@code auto}: the same when it works, otherwise the CPU, with the reason logged at FINE (a CUDA failure on a
     * device that is present is logged as a warning). {@code cpu}: the CPU backend.
     *
     * @param threads CPU threads (0: all cores)
     */
    public static Backend open(Device device, int threads, CudaPrecision precision) {
        return choose(device, 0, threads, precision).backend();
    }

    /**
     * The backend the policy chose, and why {@code auto} fell back to the CPU.
     *
     * @param fallback under {@code auto} on the CPU: the reason CUDA was not used; otherwise null
     */
    public record Choice(Backend backend, String fallback) {}

    /**
     * The policy of {@link #open} on CUDA device {@code cudaDevice} (the one a cluster scheduler assigned, say), with
     * the reason of an {@code auto} fallback returned as well as logged.
     */
    public static Choice choose(Device device, int cudaDevice, int threads, CudaPrecision precision) {
        switch (device) {
            case CUDA -> {
                try {
                    return new Choice(verified(CudaBackend.open(cudaDevice, precision)), null);
                } catch (CudaUnavailableException e) {
                    throw new InvalidInputException("device cuda: " + e.getMessage()
                            + " (see `gradcam4j info`); use --device cpu or auto", e);
                }
            }
            case AUTO -> {
                try {
                    return new Choice(verified(CudaBackend.open(cudaDevice, precision)), null);
                } catch (CudaUnavailableException e) {
                    LOG.fine(() -> "device auto: using the CPU: " + e.getMessage());
                    return new Choice(cpu(threads), e.getMessage());
                } catch (CudaException e) {
                    LOG.warning(() -> "device auto: the CUDA backend failed, using the CPU: " + e.getMessage());
                    return new Choice(cpu(threads), "the CUDA backend failed: " + e.getMessage());
                }
            }
            default -> { return new Choice(cpu(threads), null); }
        }
    }

    /** A backend and the model loaded on it; the caller owns both. */
    public record Loaded(Backend backend, Network network) {}

    /**
     * {@link #open} and load the model. Under {@code auto}, a device backend that fails to load the model (too little
     * device memory for its weights, say) gives way to the CPU with a warning.
     */
    public static Loaded load(Model model, Device device, int threads, CudaPrecision precision) {
        Backend backend = open(device, threads, precision);
        try {
            return loadOn(backend, model);
        } catch (CudaException | DeviceOutOfMemoryException e) {
            if (device != Device.AUTO || backend instanceof CpuBackend) throw e;
            LOG.warning(() -> "device auto: the " + backend.name() + " backend could not load the model, using the CPU: " + e.getMessage());
            return loadOn(cpu(threads), model);
        }
    }

    /** Loads the model on {@code backend}; closes the backend when that fails. */
    public static Loaded loadOn(Backend backend, Model model) {
        try {
            return new Loaded(backend, backend.load(model));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** The CPU backend on {@code threads} threads (0: all cores). */
    public static CpuBackend cpu(int threads) {
        return new CpuBackend(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
    }

    private static CudaBackend verified(CudaBackend b) {
        try {
            b.verify();
            return b;
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }
}
