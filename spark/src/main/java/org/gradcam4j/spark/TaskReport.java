package org.gradcam4j.spark;

import java.io.Serializable;

/**
 * What one finished task of {@link ExplainJob} did, sent to the driver through an accumulator: where it ran (executor,
 * the GPU address Spark assigned it, the device the policy chose and, for a CPU fallback, why), how many images it
 * finished, and when it ran (wall clock of its JVM, milliseconds since the epoch): {@code readyMillis} is when its model
 * and explainer were ready (the first task of an executor loads the model; later ones find it cached), so
 * {@code readyMillis .. endMillis} is the task's own work.
 *
 * @param gpuAddress null when Spark assigned none
 * @param device     "cpu" or "cuda:N"; null when the task had no images
 * @param fallback   the device policy's reason for using the CPU when a GPU was possible, else null
 */
public record TaskReport(String executor, long taskAttempt, int partition, String gpuAddress, String device, String fallback,
                         int images, long startMillis, long readyMillis, long endMillis) implements Serializable {
    /** Whether the two tasks ran at the same time on the same executor. */
    public boolean overlaps(TaskReport o) {
        return executor.equals(o.executor) && startMillis < o.endMillis && o.startMillis < endMillis;
    }
}
