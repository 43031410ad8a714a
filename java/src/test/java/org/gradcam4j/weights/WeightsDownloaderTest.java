package org.gradcam4j.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.gradcam4j.testing.FileServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WeightsDownloader} against a local server: complete downloads, checksum mismatches, transfers cut
 * short and resumed with Range, servers that ignore Range, stale partial files, stalls, and no server at all.
 * The file is 3 MiB of seeded random bytes: several network buffers, so a cut lands mid-stream.
 */
class WeightsDownloaderTest {
    static final int SIZE = 3 << 20, CUT = 1 << 20;

    @TempDir Path root;
    byte[] content;
    FileServer server;
    WeightsCache cache;
    PretrainedFile file;
    final List<String> messages = new CopyOnWriteArrayList<>();
    final WeightsDownloader.Listener listener = new WeightsDownloader.Listener() {
        @Override public void message(String line) { messages.add(line); }
    };

    @BeforeEach
    void serve() throws Exception {
        content = new byte[SIZE];
        new Random(7).nextBytes(content);
        server = new FileServer(content);
        cache = new WeightsCache(root.resolve("cache"));
        file = new PretrainedFile("vgg16", false, "vgg16_test.h5", server.url(), md5(content));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    private WeightsDownloader.Result fetch() throws IOException {
        return fetch(new WeightsDownloader());
    }

    private WeightsDownloader.Result fetch(WeightsDownloader d) throws IOException {
        return d.fetch(file, file.url(), cache, false, listener);
    }

    private List<String> cacheFiles() throws IOException {
        if (!Files.isDirectory(cache.dir())) return List.of();
        try (Stream<Path> s = Files.list(cache.dir())) {
            // the lock file is hidden and stays; it never holds data
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).sorted().toList();
        }
    }

    @Test
    void downloadsVerifiesAndThenUsesTheCache() throws Exception {
        WeightsDownloader.Result r = fetch();
        assertEquals(WeightsDownloader.Outcome.DOWNLOADED, r.outcome());
        assertEquals(cache.path(file), r.file());
        assertEquals(SIZE, r.transferred());
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(List.of("vgg16_test.h5"), cacheFiles(), "no .part left behind");
        assertEquals(WeightsCache.State.VERIFIED, cache.status(file).state());

        WeightsDownloader.Result again = fetch();
        assertEquals(WeightsDownloader.Outcome.ALREADY_CACHED, again.outcome());
        assertEquals(1, server.ranges().size(), "a verified cached file is not downloaded again");

        WeightsDownloader.Result forced = new WeightsDownloader().fetch(file, file.url(), cache, true, listener);
        assertEquals(WeightsDownloader.Outcome.DOWNLOADED, forced.outcome());
        assertEquals(2, server.ranges().size());
    }

    @Test
    void checksumMismatchLeavesNothing() throws Exception {
        byte[] corrupt = content.clone();
        corrupt[SIZE / 2] ^= 1;
        server.content(corrupt);
        WeightsException e = assertThrows(WeightsException.class, this::fetch);
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains(md5(corrupt)) && e.getMessage().contains(file.md5()), e.getMessage());
        assertTrue(e.getMessage().contains(server.url().toString()), e.getMessage());
        assertEquals(List.of(), cacheFiles(), "neither the file nor a .part");
    }

    @Test
    void cutTransferKeepsThePartAndTheNextRunResumesWithRange() throws Exception {
        server.cut(CUT, 1);
        DownloadException e = assertThrows(DownloadException.class, this::fetch);
        assertTrue(e.getMessage().contains(server.url().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("run the same command again to resume"), e.getMessage());
        assertFalse(Files.exists(cache.path(file)), "no file under the final name");
        long kept = Files.size(cache.partPath(file));
        assertTrue(kept > 0 && kept <= CUT, "part holds what arrived: " + kept);
        assertArrayEquals(Arrays.copyOf(content, (int) kept), Files.readAllBytes(cache.partPath(file)));
        assertEquals(WeightsCache.State.PARTIAL, cache.status(file).state());

        WeightsDownloader.Result r = fetch();
        assertEquals(WeightsDownloader.Outcome.RESUMED, r.outcome());
        assertEquals("bytes=" + kept + "-", server.ranges().get(1));
        assertEquals(SIZE - kept, r.transferred(), "only the rest was transferred");
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(List.of("vgg16_test.h5"), cacheFiles());
    }

    @Test
    void serverIgnoringRangeStartsOverCorrectly() throws Exception {
        server.cut(CUT, 1);
        assertThrows(DownloadException.class, this::fetch);
        assertTrue(Files.size(cache.partPath(file)) > 0);
        server.ignoreRange(true);
        WeightsDownloader.Result r = fetch();
        assertTrue(server.ranges().get(1).startsWith("bytes="), "it did ask for the rest");
        assertEquals(WeightsDownloader.Outcome.DOWNLOADED, r.outcome());
        assertEquals(SIZE, r.transferred());
        assertArrayEquals(content, Files.readAllBytes(r.file()), "the old prefix was replaced, not appended to");
        assertTrue(messages.stream().anyMatch(m -> m.contains("ignored the resume request")), messages.toString());
    }

    @Test
    void stalePartialFileIsDetectedAndDownloadedAgain() throws Exception {
        Files.createDirectories(cache.dir());
        byte[] stale = new byte[CUT];
        new Random(99).nextBytes(stale); // not a prefix of the file
        Files.write(cache.partPath(file), stale);
        WeightsDownloader.Result r = fetch();
        assertEquals(WeightsDownloader.Outcome.DOWNLOADED, r.outcome());
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(List.of("bytes=" + CUT + "-", "none"), server.ranges());
        assertTrue(messages.stream().anyMatch(m -> m.contains("stale")), messages.toString());
    }

    @Test
    void partialFileLongerThanTheFileStartsOver() throws Exception {
        Files.createDirectories(cache.dir());
        Files.write(cache.partPath(file), new byte[SIZE + 10]);
        WeightsDownloader.Result r = fetch(); // 416, then a plain GET
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(List.of("bytes=" + (SIZE + 10) + "-", "none"), server.ranges());
    }

    @Test
    void serverDownIsAClearOfflineError() throws Exception {
        URI url = server.url();
        server.close();
        DownloadException e = assertThrows(DownloadException.class, this::fetch);
        assertTrue(e.getMessage().startsWith("cannot download " + url + ": cannot connect to 127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
        assertEquals(url, e.url());
        assertEquals(List.of(), cacheFiles());
    }

    @Test
    void httpErrorNamesTheStatus() {
        server.status(404);
        DownloadException e = assertThrows(DownloadException.class, this::fetch);
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    }

    @Test
    void stalledTransferIsAbortedAndKeptForResuming() throws Exception {
        server.cut(CUT, 1).stallAtCut(20_000);
        WeightsDownloader d = new WeightsDownloader(Duration.ofSeconds(5), Duration.ofSeconds(1));
        DownloadException e = assertThrows(DownloadException.class, () -> fetch(d));
        assertTrue(e.getMessage().contains("no data received for 1 s"), e.getMessage());
        assertTrue(Files.size(cache.partPath(file)) > 0);
        assertEquals(WeightsDownloader.Outcome.RESUMED, fetch(d).outcome());
    }

    @Test
    void progressIsReportedToTheEnd() throws Exception {
        List<long[]> started = new ArrayList<>();
        long[] last = {-1};
        WeightsDownloader.Listener l = new WeightsDownloader.Listener() {
            @Override public void started(long offset, long total) { started.add(new long[] {offset, total}); }
            @Override public void progressed(long bytes) { last[0] = bytes; }
        };
        new WeightsDownloader().fetch(file, file.url(), cache, false, l);
        assertEquals(1, started.size());
        assertArrayEquals(new long[] {0, SIZE}, started.get(0));
        assertEquals(SIZE, last[0]);
    }

    @Test
    void kerasTableIsWellFormed() {
        assertEquals(4, PretrainedCatalog.KERAS.files().size());
        PretrainedFile v16 = PretrainedCatalog.KERAS.find("VGG16", false).orElseThrow();
        assertEquals("vgg16_weights_tf_dim_ordering_tf_kernels.h5", v16.fileName());
        assertEquals("https://github.com/fchollet/deep-learning-models/releases/download/v0.1/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                v16.url().toString());
        assertEquals("253f8cb515780f3b799900260a226db6", PretrainedCatalog.KERAS.find("vgg19", true).orElseThrow().md5());
    }
}
