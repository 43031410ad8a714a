package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gradcam4j.weights.PretrainedCatalog;
import org.gradcam4j.weights.PretrainedFile;
import org.gradcam4j.weights.WeightsCache;
import org.gradcam4j.weights.WeightsDownloader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gradcam4j weights fetch | list}: the pretrained Keras VGG files, downloaded into a cache, verified
 * against their pinned MD5s (see {@link PretrainedCatalog}), and then usable as {@code --weights vgg16}.
 */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = {"Download pretrained weights into the cache and list what it holds.",
                "Cache: --cache DIR, else $GRADCAM4J_CACHE, else ~/.cache/gradcam4j (files under DIR/weights/)."},
        subcommands = {WeightsCommand.Fetch.class, WeightsCommand.ListCached.class})
final class WeightsCommand implements Runnable {
    /** The files fetch and list know; tests put in their own (a local server, a generated file's MD5). */
    static volatile PretrainedCatalog catalog = PretrainedCatalog.KERAS;

    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: fetch or list");
    }

    static WeightsCache cache(Path dir) {
        return dir == null ? WeightsCache.atDefault() : new WeightsCache(dir);
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Download a Keras VGG weight file, verify its MD5, and keep it in the cache, with a model file beside it that loads without conversion.",
                    "An interrupted download is resumed by running the same command again.",
                    "Exit codes: 0 cached and verified; 3 checksum mismatch (nothing kept); 5 the cache cannot be written; "
                            + "6 network or server failure (a partial download is kept)."})
    static final class Fetch implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ARCH", description = "vgg16 or vgg19")
        String arch;

        @Option(names = "--notop", description = "the convolutional layers only (no fc1, fc2, predictions): the *_notop.h5 file")
        boolean notop;

        @Option(names = "--cache", paramLabel = "DIR", description = "cache folder (default: $GRADCAM4J_CACHE, else ~/.cache/gradcam4j)")
        Path cacheDir;

        @Option(names = "--url", paramLabel = "URL",
                description = "download from this address instead (a mirror: it must serve the identical file, the MD5 is still checked)")
        String url;

        @Option(names = "--force", description = "download again even when a verified copy is cached")
        boolean force;

        @Option(names = {"-q", "--quiet"}, description = "no progress bar: plain progress lines at most every 10 s")
        boolean quiet;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            PretrainedCatalog table = catalog;
            PretrainedFile file = table.find(arch, notop).orElseThrow(() -> new InvalidInputException(
                    "unknown architecture '" + arch + "' (expected " + table.archNames().replace("|", " or ") + ")"));
            URI from = url == null ? file.url() : parseUrl(url);
            WeightsCache cache = cache(cacheDir);
            WeightsDownloader.Result r;
            try (DownloadProgress progress = new DownloadProgress(file.name(), quiet, err)) {
                r = new WeightsDownloader().fetch(file, from, cache, force, progress);
            } catch (IOException e) {
                Path where = e instanceof FileSystemException f && f.getFile() != null ? Path.of(f.getFile()) : cache.dir();
                throw new OutputException(where, e);
            }
            String how = switch (r.outcome()) {
                case ALREADY_CACHED -> "already cached, MD5 verified";
                case DOWNLOADED -> "downloaded, MD5 verified";
                case RESUMED -> "download resumed and completed, MD5 verified";
            };
            out.println(file.name() + ": " + r.file() + " (" + how + ")");
            out.flush();
            try {
                // the same parameters laid out to be mapped: what --weights vgg16 then loads (weights/FORMAT.md)
                out.println(file.name() + ": model file " + cache.writeModel(file) + " (loads without conversion)");
            } catch (org.gradcam4j.weights.WeightsException e) {
                err.println("warning: no fast-loading model file (" + e.getMessage() + "); --weights " + file.arch()
                        + " reads the Keras file");
            }
            if (!file.notop()) {
                String env = cacheDir == null ? "" : " (with GRADCAM4J_CACHE=" + cacheDir + ")";
                out.println("use it with --weights " + file.arch() + env);
            }
            out.flush();
            return Main.EXIT_OK;
        }

        private static URI parseUrl(String s) {
            try {
                URI u = new URI(s.trim());
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) return u;
            } catch (URISyntaxException e) {
                // the message below says what is expected
            }
            throw new InvalidInputException("--url: not an http(s) address: " + s);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Show which weight files the cache holds, checking each one's MD5."})
    static final class ListCached implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--cache", paramLabel = "DIR", description = "cache folder (default: $GRADCAM4J_CACHE, else ~/.cache/gradcam4j)")
        Path cacheDir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            WeightsCache cache = cache(cacheDir);
            out.println("cache: " + cache.dir());
            for (PretrainedFile f : catalog.files()) {
                WeightsCache.Status s;
                try {
                    s = cache.status(f);
                } catch (IOException e) {
                    out.println(String.format(Locale.ROOT, "%-12s %-10s %s: cannot read: %s", f.name(), "unreadable", f.fileName(), Main.messageOf(e)));
                    continue;
                }
                String state = switch (s.state()) {
                    case VERIFIED -> "verified";
                    case CORRUPT -> "CORRUPT";
                    case PARTIAL -> "partial";
                    case ABSENT -> "absent";
                };
                String size = s.state() == WeightsCache.State.ABSENT ? "-" : DownloadProgress.mib(s.size());
                String note = switch (s.state()) {
                    case VERIFIED -> "";
                    case CORRUPT -> "  (MD5 " + s.md5() + ", expected " + f.md5() + ": fetch " + f.arch() + (f.notop() ? " --notop" : "") + " --force)";
                    case PARTIAL -> "  (.part: `gradcam4j weights fetch " + f.arch() + (f.notop() ? " --notop" : "") + "` resumes it)";
                    case ABSENT -> "";
                };
                out.println(String.format(Locale.ROOT, "%-12s %-9s %10s  %s%s", f.name(), state, size, f.fileName(), note));
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }
}
