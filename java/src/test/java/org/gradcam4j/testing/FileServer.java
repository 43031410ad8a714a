package org.gradcam4j.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTP server on 127.0.0.1 (a free port) serving one file at {@code /file.h5}, for download tests.
 * It honours {@code Range: bytes=N-} with 206 unless told to ignore ranges, and can break the next responses
 * off after a number of bytes, or stall, so that resuming can be tested. Every request's Range header (or
 * null) is recorded.
 */
public final class FileServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final List<String> ranges = Collections.synchronizedList(new ArrayList<>());
    private volatile byte[] content;
    private volatile boolean ignoreRange;
    private volatile int status = 200;
    private volatile long cutAfter = -1;
    private volatile int cutsLeft;
    private volatile long stallMillis;

    public FileServer(byte[] content) throws IOException {
        this.content = content;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/file.h5", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "file-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/file.h5");
    }

    public FileServer content(byte[] c) { content = c; return this; }

    /** Answer every request with the whole file (200), as servers without range support do. */
    public FileServer ignoreRange(boolean ignore) { ignoreRange = ignore; return this; }

    /** Answer with this status and an empty body (200 restores normal service). */
    public FileServer status(int s) { status = s; return this; }

    /** The next {@code times} responses declare their full length but close the connection after {@code bytes} body bytes. */
    public FileServer cut(long bytes, int times) { cutAfter = bytes; cutsLeft = times; return this; }

    /** After a cut, wait this long before closing (a stalled connection instead of a broken one). */
    public FileServer stallAtCut(long millis) { stallMillis = millis; return this; }

    /** The Range header of every request so far, in order ("none" when it had none). */
    public List<String> ranges() { synchronized (ranges) { return List.copyOf(ranges); } }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(range == null ? "none" : range);
            if (status != 200) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            byte[] c = content;
            long start = 0;
            Matcher m = range == null || ignoreRange ? null : RANGE.matcher(range);
            if (m != null && m.matches()) {
                start = Long.parseLong(m.group(1));
                if (start >= c.length) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + c.length);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (c.length - 1) + "/" + c.length);
                ex.sendResponseHeaders(206, c.length - start);
            } else {
                ex.getResponseHeaders().set("Accept-Ranges", ignoreRange ? "none" : "bytes");
                ex.sendResponseHeaders(200, c.length);
            }
            long n = c.length - start;
            boolean cut;
            synchronized (this) {
                cut = cutsLeft > 0 && cutAfter < n;
                if (cut) cutsLeft--;
            }
            OutputStream out = ex.getResponseBody();
            if (!cut) {
                out.write(c, (int) start, (int) n);
                return;
            }
            out.write(c, (int) start, (int) cutAfter);
            out.flush();
            if (stallMillis > 0) {
                try {
                    Thread.sleep(stallMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // closing with bytes still owed drops the connection: the client sees a body cut short
        } catch (IOException e) {
            // "insufficient bytes written": the cut itself, or a client that went away
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
