package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.gradcam4j.testing.FileServer;
import org.gradcam4j.weights.PretrainedCatalog;
import org.gradcam4j.weights.PretrainedFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gradcam4j weights fetch | list} end to end against a local server, with the checksum table swapped for
 * one that pins a generated file: exit codes, messages, and what the cache holds afterwards.
 */
class WeightsCommandTest {
    @TempDir Path root;
    Path cache;
    byte[] content;
    FileServer server;
    PretrainedFile vgg16;

    @BeforeEach
    void serve() throws Exception {
        content = new byte[1 << 20];
        new Random(3).nextBytes(content);
        server = new FileServer(content);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        // the real file names, a local address, the generated file's MD5
        vgg16 = new PretrainedFile("vgg16", false, "vgg16_weights_tf_dim_ordering_tf_kernels.h5", server.url(), md5);
        WeightsCommand.catalog = new PretrainedCatalog(List.of(vgg16,
                new PretrainedFile("vgg19", false, "vgg19_weights_tf_dim_ordering_tf_kernels.h5", server.url(), "0".repeat(32))));
        cache = root.resolve("cache");
    }

    @AfterEach
    void restore() {
        WeightsCommand.catalog = PretrainedCatalog.KERAS;
        server.close();
    }

    private CliRun fetch(String arch, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("weights", "fetch", arch, "--cache", cache.toString(),
                "--url", server.url().toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void fetchThenListThenFetchAgain() throws Exception {
        CliRun r = fetch("vgg16");
        assertEquals(0, r.exit(), r.toString());
        Path file = cache.resolve("weights/vgg16_weights_tf_dim_ordering_tf_kernels.h5");
        assertTrue(r.out().contains(file + " (downloaded, MD5 verified)"), r.toString());
        assertTrue(r.out().contains("--weights vgg16"), r.toString());
        assertTrue(r.err().contains("1.0 MiB received"), "plain progress lines when stderr is not a terminal: " + r);
        assertArrayEquals(content, Files.readAllBytes(file));

        CliRun list = CliRun.of("weights", "list", "--cache", cache.toString());
        assertEquals(0, list.exit(), list.toString());
        assertTrue(list.out().contains("cache: " + cache.resolve("weights")), list.toString());
        assertTrue(list.out().matches("(?s).*vgg16 +verified +1\\.0 MiB +vgg16_weights_tf_dim_ordering_tf_kernels\\.h5.*"), list.toString());
        assertTrue(list.out().matches("(?s).*vgg19 +absent.*"), list.toString());

        CliRun again = fetch("vgg16");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("already cached, MD5 verified"), again.toString());
        assertEquals(1, server.ranges().size());
    }

    @Test
    void checksumMismatchIsAWeightsError() throws Exception {
        CliRun r = fetch("vgg19");
        assertEquals(Main.EXIT_MODEL, r.exit(), r.toString());
        assertTrue(r.err().contains("checksum mismatch"), r.toString());
        assertFalse(Files.exists(cache.resolve("weights/vgg19_weights_tf_dim_ordering_tf_kernels.h5")));
        assertFalse(Files.exists(cache.resolve("weights/vgg19_weights_tf_dim_ordering_tf_kernels.h5.part")));
    }

    @Test
    void cutDownloadIsANetworkErrorAndListShowsThePart() {
        server.cut(100_000, 1);
        CliRun r = fetch("vgg16", "-q");
        assertEquals(Main.EXIT_NETWORK, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot download " + server.url()), r.toString());
        // the lock file goes with the run that held it, also when the download failed (issue 12, item 5)
        assertFalse(Files.exists(cache.resolve("weights/.vgg16_weights_tf_dim_ordering_tf_kernels.h5.lock")), r.toString());
        CliRun list = CliRun.of("weights", "list", "--cache", cache.toString());
        assertTrue(list.out().matches("(?s).*vgg16 +partial .*weights fetch vgg16` resumes it.*"), list.toString());
        CliRun resumed = fetch("vgg16");
        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.out().contains("download resumed and completed"), resumed.toString());
    }

    @Test
    void offlineNamesTheUrlAndTheCause() {
        URI url = server.url();
        server.close();
        CliRun r = CliRun.of("weights", "fetch", "vgg16", "--cache", cache.toString(), "--url", url.toString());
        assertEquals(Main.EXIT_NETWORK, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot download " + url + ": cannot connect to 127.0.0.1"), r.toString());
        assertTrue(r.err().contains("offline"), r.toString());
    }

    @Test
    void usageErrors() {
        assertEquals(Main.EXIT_USAGE, CliRun.of("weights").exit());
        CliRun arch = fetch("vgg13");
        assertEquals(Main.EXIT_USAGE, arch.exit(), arch.toString());
        assertTrue(arch.err().contains("vgg13") && arch.err().contains("vgg16 or vgg19"), arch.toString());
        CliRun url = CliRun.of("weights", "fetch", "vgg16", "--cache", cache.toString(), "--url", "ftp://example.org/x.h5");
        assertEquals(Main.EXIT_USAGE, url.exit(), url.toString());
    }

    @Test
    void unwritableCacheIsAnOutputError() throws Exception {
        Path blocker = Files.writeString(root.resolve("blocker"), "a file where the cache folder should be");
        CliRun r = CliRun.of("weights", "fetch", "vgg16", "--cache", blocker.toString(), "--url", server.url().toString());
        assertEquals(Main.EXIT_OUTPUT, r.exit(), r.toString());
        assertTrue(r.err().contains(blocker.toString()), r.toString());
    }

    @Test
    void bareNameResolvesToTheCacheOrSaysHowToFetch() throws Exception {
        String old = System.getProperty("gradcam4j.cache");
        System.setProperty("gradcam4j.cache", cache.toString());
        try {
            Path img = CliRun.image(root.resolve("in/a.png"), 32, 32, "png");
            CliRun missing = CliRun.of("classify", img.toString(), "--weights", "vgg16");
            assertEquals(Main.EXIT_MODEL, missing.exit(), missing.toString());
            assertTrue(missing.err().contains("gradcam4j weights fetch vgg16"), missing.toString());
            assertTrue(missing.err().contains(cache.resolve("weights/vgg16_weights_tf_dim_ordering_tf_kernels.h5").toString()), missing.toString());
            CliRun contradiction = CliRun.of("classify", img.toString(), "--weights", "vgg19", "--arch", "vgg16");
            assertEquals(Main.EXIT_USAGE, contradiction.exit(), contradiction.toString());

            // present: it is what the loader opens (these bytes are no HDF5 file, and the error names the cached path)
            assertEquals(0, fetch("vgg16").exit());
            CliRun loaded = CliRun.of("classify", img.toString(), "--weights", "VGG16");
            assertEquals(Main.EXIT_MODEL, loaded.exit(), loaded.toString());
            assertTrue(loaded.err().contains(cache.resolve("weights/vgg16_weights_tf_dim_ordering_tf_kernels.h5").toString()), loaded.toString());
            assertFalse(loaded.err().contains("not in the cache"), loaded.toString());
        } finally {
            if (old == null) System.clearProperty("gradcam4j.cache");
            else System.setProperty("gradcam4j.cache", old);
        }
    }
}
