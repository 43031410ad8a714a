package org.gradcam4j.weights;

import org.gradcam4j.io.FileLocks;
import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Downloads a {@link PretrainedFile} into a {@link WeightsCache}: the bytes go to {@code <file>.part}, a later
 * run resumes that file with an HTTP {@code Range} request (and starts over when the server ignores it), the
 * whole file's MD5 is checked against the pinned one, and only then is it renamed to its final name in one
 * step. A file under its final name is therefore never partial or corrupt; a checksum mismatch leaves nothing
 * behind.
 *
 * <p>Errors: {@link DownloadException} for the network and the server (offline, refused, HTTP errors, a
 * stall, a cut-off transfer: the {@code .part} is kept for resuming); {@link WeightsException} for a checksum
 * mismatch; {@link IOException} for this machine's files (cache not writable, disk full).
 */
public final class WeightsDownloader {
    /** Receives progress; called from the HTTP client's threads. */
    public interface Listener {
        /** A line for the user (resuming, starting over). */
        default void message(String line) {}

        /** Bytes start to flow: {@code offset} already on disk, {@code total} the whole file (-1 if unknown). */
        default void started(long offset, long total) {}

        /** {@code bytes} of the file are on disk now (offset included). */
        default void progressed(long bytes) {}

        /** The transfer ended (completed or not). */
        default void ended() {}
    }

    /** How a fetch ended. */
    public enum Outcome { ALREADY_CACHED, DOWNLOADED, RESUMED }

    /** @param transferred bytes received over the network in this run */
    public record Result(Path file, Outcome outcome, long transferred) {}

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final HttpClient client;
    private final Duration stallTimeout;

    /** Defaults: 30 s to connect, 60 s without a byte counts as a stall. */
    public WeightsDownloader() {
        this(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    public WeightsDownloader(Duration connectTimeout, Duration stallTimeout) {
        // HTTP/1.1: the release files are served as one plain ranged GET; nothing gains from HTTP/2 here.
        // Redirects: GitHub answers release downloads with a redirect to its storage host.
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(connectTimeout).build();
        this.stallTimeout = stallTimeout;
    }

    /**
     * Makes {@code file} present and verified in {@code cache}, downloading it from {@code url} (normally
     * {@code file.url()}; a mirror must serve the identical bytes, since the pinned checksum still applies).
     *
     * @param force download again even when a verified copy is cached, discarding any partial download
     */
    public Result fetch(PretrainedFile file, URI url, WeightsCache cache, boolean force, Listener listener) throws IOException {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new InvalidInputException("not an http(s) address: " + url);
        }
        Path target = cache.path(file), part = cache.partPath(file);
        Files.createDirectories(cache.dir());
        // one fetch per file at a time: two writers appending to the same .part would interleave
        Path lockFile = cache.dir().resolve("." + file.fileName() + ".lock");
        FileLocks.Held lock;
        try {
            lock = FileLocks.tryAcquire(lockFile); // deleted again when released, whatever the outcome
        } catch (FileLocks.HeldElsewhereException e) {
            throw new DownloadException(url, "another gradcam4j process" + (e.holderPid().isEmpty() ? "" : " (pid " + e.holderPid() + ")")
                    + " is downloading " + file.fileName() + " into " + cache.dir() + " (it holds " + lockFile + "); wait for it to finish", null);
        }
        try (lock) {
            if (force) {
                Files.deleteIfExists(target);
                Files.deleteIfExists(part);
            } else if (Files.isRegularFile(target)) {
                String md5 = WeightsCache.md5(target);
                if (md5.equals(file.md5())) return new Result(target, Outcome.ALREADY_CACHED, 0);
                listener.message(target + ": MD5 " + md5 + " is not the expected " + file.md5() + "; downloading it again");
                Files.delete(target);
            }
            long transferred = 0;
            boolean restarted = false;
            while (true) {
                Transfer t = transfer(url, part, listener);
                transferred += t.received();
                String md5 = WeightsCache.md5(part);
                if (md5.equals(file.md5())) {
                    move(part, target);
                    return new Result(target, t.resumed() ? Outcome.RESUMED : Outcome.DOWNLOADED, transferred);
                }
                if (t.resumed() && !restarted) {
                    // the partial file may have come from a different version of the file, or been damaged on disk
                    listener.message("MD5 mismatch after resuming " + file.fileName() + ": the partial download was stale; "
                            + "starting again from the beginning");
                    Files.deleteIfExists(part);
                    restarted = true;
                    continue;
                }
                long size = Files.size(part);
                Files.deleteIfExists(part);
                throw new WeightsException(url.toString(), "checksum mismatch: received " + size + " bytes with MD5 " + md5
                        + ", but " + file.fileName() + " has MD5 " + file.md5() + "; the download was deleted"
                        + (url.equals(file.url()) ? "" : " (does --url serve exactly this file?)"));
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** @param resumed whether the bytes were appended to an existing partial file */
    private record Transfer(long received, boolean resumed) {}

    /**
     * One GET into {@code part}: a ranged one when a partial file exists. Returns once the server's response has
     * been written and flushed to disk completely.
     */
    private Transfer transfer(URI url, Path part, Listener listener) throws IOException {
        for (int attempt = 0; ; attempt++) {
            long have = Files.isRegularFile(part) ? Files.size(part) : 0;
            if (have > 0 && attempt == 0) listener.message("resuming " + part.getFileName() + " at " + mib(have));
            HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(stallTimeout).header("User-Agent", "gradcam4j").GET();
            if (have > 0) rb.header("Range", "bytes=" + have + "-");
            PartFileHandler handler = new PartFileHandler(part, have, listener);
            HttpResponse<Long> response;
            try {
                response = await(client.sendAsync(rb.build(), handler), handler);
            } catch (DownloadFailure f) {
                if (handler.localFailure != null) throw handler.localFailure;
                throw network(url, f.getCause(), handler);
            } finally {
                if (handler.subscriber != null) listener.ended();
            }
            if (handler.localFailure != null) throw handler.localFailure;
            int status = response.statusCode();
            if (status == 416 && have > 0 && attempt == 0) {
                // the partial file is not a prefix the server can continue (as long as the file, or longer)
                listener.message("the server cannot continue the partial download; starting again from the beginning");
                Files.deleteIfExists(part);
                continue;
            }
            if (handler.problem != null) throw new DownloadException(url, handler.problem, null);
            if (status != 200 && status != 206) throw new DownloadException(url, "the server answered HTTP " + status + describeStatus(status), null);
            long size = Files.size(part);
            if (handler.total >= 0 && size != handler.total) {
                throw new DownloadException(url, "the transfer ended at " + mib(size) + " of " + mib(handler.total)
                        + "; the partial download is kept in " + part + ": run the same command again to resume", null);
            }
            return new Transfer(response.body(), handler.appending);
        }
    }

    /** Waits for the response, aborting the transfer when no byte arrived for {@link #stallTimeout}. */
    private HttpResponse<Long> await(CompletableFuture<HttpResponse<Long>> future, PartFileHandler handler) {
        while (true) {
            try {
                return future.get(250, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                PartFileSubscriber s = handler.subscriber;
                if (s != null && System.nanoTime() - s.lastActivity > stallTimeout.toNanos()) {
                    s.abort(new IOException("no data received for " + stallTimeout.toSeconds() + " s"));
                }
            } catch (ExecutionException | CompletionException e) {
                throw new DownloadFailure(e.getCause() == null ? e : e.getCause());
            } catch (InterruptedException e) {
                PartFileSubscriber s = handler.subscriber;
                if (s != null) s.abort(new IOException("interrupted"));
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new DownloadFailure(e);
            }
        }
    }

    private static final class DownloadFailure extends RuntimeException {
        DownloadFailure(Throwable cause) { super(cause); }
    }

    /** Words for a network failure: what happened, and whether a partial download is kept. */
    private static DownloadException network(URI url, Throwable cause, PartFileHandler handler) {
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String host = url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "");
        String problem;
        if (hasCause(cause, UnresolvedAddressException.class) || hasCause(cause, java.net.UnknownHostException.class)) {
            problem = "cannot resolve " + url.getHost() + " (offline, or no DNS?)";
        } else if (cause instanceof HttpConnectTimeoutException) {
            problem = "no connection to " + host + " within the connect timeout (offline, or a firewall?)";
        } else if (cause instanceof ConnectException) {
            problem = "cannot connect to " + host + ": " + describe(cause) + " (offline, or the address is wrong?)";
        } else if (cause instanceof HttpTimeoutException) {
            problem = "no answer from " + host + ": " + describe(cause);
        } else if (hasCause(cause, SSLException.class)) {
            problem = "TLS failure talking to " + host + ": " + describe(cause);
        } else if (cause instanceof InterruptedException) {
            problem = "interrupted";
        } else {
            problem = describe(cause);
        }
        PartFileSubscriber s = handler.subscriber;
        if (s != null && s.offset + s.written > 0) {
            String of = handler.total >= 0 ? " of " + mib(handler.total) : "";
            problem = "the transfer broke off at " + mib(s.offset + s.written) + of + ": " + problem
                    + "; the partial download is kept in " + s.part + ": run the same command again to resume";
        }
        return new DownloadException(url, problem, cause);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) if (type.isInstance(c)) return true;
        return false;
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = t.getCause();
            if (c != null && c != t) return describe(c);
            return t.getClass().getSimpleName();
        }
        return m;
    }

    private static String describeStatus(int status) {
        return switch (status) {
            case 403 -> " (forbidden)";
            case 404 -> " (not found: is the address right?)";
            case 410 -> " (gone)";
            case 429 -> " (too many requests: try again later)";
            case 500, 502, 503, 504 -> " (a server error: try again later)";
            default -> "";
        };
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /**
     * Decides, from the status and headers, whether the body continues the partial file (206 at the right
     * offset), replaces it (200: the server ignored the range) or is discarded (anything else).
     */
    private static final class PartFileHandler implements HttpResponse.BodyHandler<Long> {
        private final Path part;
        private final long have;
        private final Listener listener;
        volatile PartFileSubscriber subscriber;
        volatile IOException localFailure;
        volatile String problem;
        volatile boolean appending;
        volatile long total = -1;

        PartFileHandler(Path part, long have, Listener listener) {
            this.part = part;
            this.have = have;
            this.listener = listener;
        }

        @Override
        public BodySubscriber<Long> apply(HttpResponse.ResponseInfo info) {
            int status = info.statusCode();
            long offset;
            if (status == 200) {
                offset = 0;
                total = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (have > 0) listener.message("the server ignored the resume request: downloading the whole file again");
            } else if (status == 206 && have > 0) {
                String range = info.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range);
                if (!m.find() || Long.parseLong(m.group(1)) != have) {
                    problem = "the server answered the resume request at byte " + have + " with the range '" + range + "'";
                    return BodySubscribers.replacing(0L);
                }
                offset = have;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
                appending = true;
            } else {
                return BodySubscribers.replacing(0L);
            }
            try {
                FileChannel ch = offset > 0
                        ? FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                        : FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                PartFileSubscriber s = new PartFileSubscriber(part, ch, offset, listener, this);
                subscriber = s;
                listener.started(offset, total);
                return s;
            } catch (IOException e) {
                localFailure = e;
                return BodySubscribers.replacing(0L);
            }
        }
    }

    /**
     * Writes the body to the partial file as it arrives, one buffer list at a time (back-pressure: the next is
     * requested after the write), and forces it to disk at the end so a rename that follows is durable.
     */
    private static final class PartFileSubscriber implements BodySubscriber<Long> {
        final Path part;
        final long offset;
        private final FileChannel channel;
        private final Listener listener;
        private final PartFileHandler handler;
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private Flow.Subscription subscription;
        volatile long written;
        volatile long lastActivity = System.nanoTime();

        PartFileSubscriber(Path part, FileChannel channel, long offset, Listener listener, PartFileHandler handler) {
            this.part = part;
            this.channel = channel;
            this.offset = offset;
            this.listener = listener;
            this.handler = handler;
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (result.isDone()) s.cancel();
            else s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            synchronized (this) {
                if (result.isDone()) return;
                try {
                    for (ByteBuffer b : buffers) {
                        while (b.hasRemaining()) written += channel.write(b);
                    }
                } catch (IOException e) {
                    handler.localFailure = e;
                    fail(e);
                    return;
                }
                lastActivity = System.nanoTime();
            }
            listener.progressed(offset + written);
            subscription.request(1);
        }

        @Override
        public synchronized void onError(Throwable t) {
            fail(t);
        }

        @Override
        public synchronized void onComplete() {
            if (result.isDone()) return;
            try {
                channel.force(true);
                channel.close();
                result.complete(written);
            } catch (IOException e) {
                handler.localFailure = e;
                fail(e);
            }
        }

        @Override
        public CompletionStage<Long> getBody() { return result; }

        /** Stops the transfer from outside (a stall, an interrupt); the bytes so far stay in the partial file. */
        synchronized void abort(IOException why) {
            fail(why);
        }

        private void fail(Throwable t) {
            if (result.isDone()) return;
            if (subscription != null) subscription.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // the transfer already failed; the original cause is what matters
            }
            result.completeExceptionally(t);
        }
    }
}
