package org.gradcam4j.backend;

import org.gradcam4j.augment.SuperResolutionSolver;
import org.gradcam4j.model.Model;

/**
 * A compute backend (CPU or CUDA). It turns a {@link Model} into a {@link Network} whose weights are
 * prepared once (rearranged, uploaded) and which then runs batched forward and backward passes.
 * Every backend gives the same answers to float32 rounding; the CPU backend is the reference.
 */
public interface Backend extends AutoCloseable {
    /** Short name: {@code cpu} or {@code cuda}. */
    String name();

    /** A line describing the backend for logs and {@code gradcam4j info} (threads, BLAS, device...). */
    String description();

    /** Prepares a model for this backend. The network owns whatever it allocated; close it when done. */
    Network load(Model model);

    /**
     * The super-resolution solver to run on this backend for {@code solver} (Augmented Grad-CAM): the backend's own
     * version of the same algorithm where it has one (the CUDA backend solves on its device, step for step as the
     * CPU solver), else {@code solver} itself. A capability asked of the backend, so that callers need not know
     * which backend they run on.
     */
    default SuperResolutionSolver superResolution(SuperResolutionSolver solver) { return solver; }

    @Override
    default void close() {}
}
