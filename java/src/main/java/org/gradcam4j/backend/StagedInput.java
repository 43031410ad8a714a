package org.gradcam4j.backend;

import java.nio.FloatBuffer;

/**
 * A batch's network input written straight into memory its backend owns (on the CUDA backend: page-locked host
 * memory that the device copies from asynchronously), so that the preprocessing writes each value once and the
 * next batch can go up to the device while the current one computes.
 *
 * <p>Life: {@link Network#stageInput} hands it out; its owner writes {@link #values()} (N x C x S x S, the layout of
 * {@link Network#forward(org.gradcam4j.tensor.Tensor, String)}'s input), then calls {@link #ready()}, after which the
 * backend may start moving the values; {@link Network#forward(StagedInput, String)} runs the pass; {@link #close()}
 * gives the memory back (once the pass has been started the pass no longer needs it). The buffer that
 * {@link #values()} returned must not be touched after {@link #ready()} or {@link #close()}: the backend reuses that
 * memory. One owner at a time (a pipeline's reader fills it and hands it to the network stage).
 */
public interface StagedInput extends AutoCloseable {
    /** N, the batch size. */
    int batch();

    /**
     * Where the input goes, absolute indices {@code 0 .. N*C*S*S - 1} (its capacity).
     *
     * @throws IllegalStateException after {@link #ready()} or {@link #close()}
     */
    FloatBuffer values();

    /** Every value is written: the backend may start moving them (idempotent). */
    void ready();

    /** Whether {@link #ready()} was called and {@link #close()} was not. */
    boolean isReady();

    /** Gives the memory back to the backend (idempotent). */
    @Override
    void close();
}
