package org.gradcam4j.cli;

import java.io.PrintWriter;
import java.text.DecimalFormat;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.gradcam4j.weights.WeightsDownloader;

/**
 * Progress of one download on stderr, in MiB: the progressbar library's redrawn bar when stderr is a terminal,
 * otherwise (a log, CI) or with {@code --quiet} a plain line at most every {@value Progress#PLAIN_INTERVAL_S}
 * seconds. Called from the HTTP client's threads, hence synchronized.
 */
final class DownloadProgress implements WeightsDownloader.Listener, AutoCloseable {
    private static final long MIB = 1 << 20;

    private final String task;
    private final boolean bar;
    private final PrintWriter err;
    private ProgressBar progressBar;
    private long start, lastLine, offset, total = -1, bytes;

    DownloadProgress(String task, boolean quiet, PrintWriter err) {
        this.task = task;
        this.bar = !quiet && Progress.stderrIsTerminal();
        this.err = err;
    }

    @Override
    public synchronized void message(String line) {
        if (progressBar != null) err.print("\r\033[K"); // the bar redraws itself on its next tick
        err.println(line);
        err.flush();
    }

    @Override
    public synchronized void started(long offset, long total) {
        closeBar();
        this.offset = offset;
        this.total = total;
        this.bytes = offset;
        start = lastLine = System.nanoTime();
        if (bar) {
            progressBar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" MiB", MIB).showSpeed(new DecimalFormat("0.0")).setSpeedUnit(ChronoUnit.SECONDS)
                    .startsFrom(offset, Duration.ZERO).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        } else {
            err.println(task + ": " + (offset > 0 ? "resuming at " + mib(offset) + ", " : "") + "downloading "
                    + (total >= 0 ? mib(total) : "(size unknown)"));
            err.flush();
        }
    }

    @Override
    public synchronized void progressed(long bytes) {
        this.bytes = bytes;
        if (progressBar != null) {
            progressBar.stepTo(bytes);
            return;
        }
        long now = System.nanoTime();
        if (now - lastLine >= Progress.PLAIN_INTERVAL_S * 1_000_000_000L) {
            lastLine = now;
            double seconds = (now - start) / 1e9, rate = (bytes - offset) / seconds;
            StringBuilder line = new StringBuilder(task).append(": ").append(mib(bytes));
            if (total > 0) {
                line.append(" of ").append(mib(total)).append(" (").append(100 * bytes / total).append("%)");
            }
            line.append(String.format(Locale.ROOT, ", %.1f MiB/s", rate / MIB));
            if (total > 0 && rate > 0) line.append(", ETA ").append(Progress.clock(Duration.ofSeconds(Math.round((total - bytes) / rate))));
            err.println(line);
            err.flush();
        }
    }

    @Override
    public synchronized void ended() {
        if (progressBar == null) {
            err.println(task + ": " + mib(bytes - offset) + " received" + (total >= 0 ? ", " + mib(bytes) + " of " + mib(total) + " on disk" : ""));
            err.flush();
        }
        closeBar();
    }

    private void closeBar() {
        if (progressBar != null) {
            progressBar.close();
            progressBar = null;
        }
    }

    @Override
    public synchronized void close() {
        closeBar();
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }
}
