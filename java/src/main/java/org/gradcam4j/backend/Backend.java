package org.gradcam4j.backend;

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

    @Override
    default void close() {}
}
