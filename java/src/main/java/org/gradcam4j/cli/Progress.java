package org.gradcam4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a run over many images, on stderr: a redrawn bar with rate and ETA when stderr is a terminal,
 * otherwise (a log file, a pipe, CI) or with {@code --quiet} a plain line at most every
 * {@value #PLAIN_INTERVAL_S} seconds. Nothing for a single image. Messages printed during the run go through
 * {@link #message} so they do not land in the middle of the bar.
 */
abstract class Progress implements AutoCloseable {
    static final int PLAIN_INTERVAL_S = 10;

    final PrintWriter err;

    private Progress(PrintWriter err) { this.err = err; }

    static Progress start(String task, int total, boolean quiet, PrintWriter err) {
        if (total <= 1) return new Plain(task, total, err, false);
        if (!quiet && stderrIsTerminal()) return new Bar(task, total, err);
        return new Plain(task, total, err, true);
    }

    /** One more image done (explained, skipped or failed). */
    abstract void step();

    /** A line for the user (an error about one input), printed above the progress. */
    void message(String line) {
        err.println(line);
        err.flush();
    }

    @Override
    public abstract void close();

    /**
     * Java 17 cannot ask whether stderr alone is a terminal ({@code System.console()} looks at stdin and stdout),
     * so on Linux read where file descriptor 2 points; elsewhere fall back to the console check.
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) return false;
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            if (Files.exists(fd2, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (Exception e) {
            // not Linux, or /proc not readable: the console check below
        }
        return System.console() != null;
    }

    /** The terminal bar (me.tongfei:progressbar), drawn by its own thread on System.err. */
    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, int total, PrintWriter err) {
            super(err);
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" img", 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override void step() { bar.step(); }

        @Override
        void message(String line) {
            synchronized (System.err) {
                err.print("\r\033[K"); // clear the bar's line; it is redrawn on its next tick
                super.message(line);
            }
        }

        @Override public void close() { bar.close(); }
    }

    /** Plain periodic lines: {@code explain: 40/100 images (40%), 3.1 img/s, ETA 0:19}. */
    private static final class Plain extends Progress {
        private final String task;
        private final int total;
        private final boolean report;
        private final long start = System.nanoTime();
        private long lastLine = start;
        private int done;

        Plain(String task, int total, PrintWriter err, boolean report) {
            super(err);
            this.task = task;
            this.total = total;
            this.report = report;
        }

        @Override
        void step() {
            done++;
            long now = System.nanoTime();
            if (report && done < total && now - lastLine >= PLAIN_INTERVAL_S * 1_000_000_000L) {
                lastLine = now;
                double seconds = (now - start) / 1e9, rate = done / seconds;
                long eta = Math.round((total - done) / rate);
                err.println(String.format(Locale.ROOT, "%s: %d/%d images (%d%%), %.1f img/s, ETA %s", task, done, total,
                        100L * done / total, rate, clock(Duration.ofSeconds(eta))));
                err.flush();
            }
        }

        @Override public void close() { }
    }

    static String clock(Duration d) {
        long s = d.getSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
