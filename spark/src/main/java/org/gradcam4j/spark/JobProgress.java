package org.gradcam4j.spark;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;

/**
 * The driver's progress report: images done / total, rate and ETA, printed every few seconds while the job runs.
 * "Done" is the images accumulator of the tasks that finished (Spark merges a task's updates once, when it
 * succeeds) plus the running tasks' own counts, which executors send with their heartbeats
 * ({@code spark.executor.heartbeatInterval}).
 */
final class JobProgress extends SparkListener implements AutoCloseable {
    private final LongAccumulator done;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long alreadyDone;
    private final Map<Long, Long> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final PrintWriter out;

    /**
     * @param total       the images of this run (not counting those skipped by --resume)
     * @param alreadyDone images of this run finished before {@code done} started counting (earlier chunks)
     */
    JobProgress(LongAccumulator done, long total, long alreadyDone, int seconds, PrintWriter out) {
        this.done = done;
        this.total = total;
        this.alreadyDone = alreadyDone;
        this.out = out;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gradcam4j-progress");
            t.setDaemon(true);
            return t;
        });
        if (seconds > 0) timer.scheduleAtFixedRate(this::report, seconds, seconds, TimeUnit.SECONDS);
    }

    long done() {
        long live = 0;
        for (long v : running.values()) live += v;
        return Math.min(total, alreadyDone + done.value() + live);
    }

    void report() {
        long d = done();
        double s = (System.nanoTime() - startNanos) / 1e9;
        double rate = s > 0 ? d / s : 0;
        String eta = rate > 0 && d < total ? formatSeconds((total - d) / rate) : "-";
        out.printf(Locale.ROOT, "explain: %d/%d images (%.0f%%), %.2f img/s, ETA %s%n", d, total,
                total == 0 ? 100.0 : 100.0 * d / total, rate, eta);
        out.flush();
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        var it = update.accumUpdates().iterator();
        while (it.hasNext()) {
            Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> t = it.next();
            long taskId = (Long) t._1();
            var infos = t._4().iterator();
            while (infos.hasNext()) {
                AccumulableInfo info = infos.next();
                if (info.id() == done.id() && info.update().isDefined()) {
                    Object v = info.update().get();
                    if (v instanceof Long l) running.put(taskId, l);
                }
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
