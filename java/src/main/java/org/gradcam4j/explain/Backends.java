package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
import java.util.logging.Logger;
import org.gradcam4j.backend.Backend;
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
        switch (device) {
            case CUDA -> {
                try {
                    return verified(CudaBackend.open(0, precision));
                } catch (CudaUnavailableException e) {
                    throw new InvalidInputException("device cuda: " + e.getMessage()
                            + " (see `gradcam4j info`); use --device cpu or auto", e);
                }
            }
            case AUTO -> {
                try {
                    return verified(CudaBackend.open(0, precision));
                } catch (CudaUnavailableException e) {
                    LOG.fine(() -> "device auto: using the CPU: " + e.getMessage());
                } catch (CudaException e) {
                    LOG.warning(() -> "device auto: the CUDA backend failed, using the CPU: " + e.getMessage());
                }
            }
            default -> { }
        }
        return cpu(threads);
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
