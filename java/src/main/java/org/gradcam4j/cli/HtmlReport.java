package org.gradcam4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.io.AtomicFiles;
import org.gradcam4j.method.Method;
import org.gradcam4j.render.PngFiles;

/**
 * {@code OUT/report.html} for {@code explain --report}: one page for the whole run, built from the images'
 * summary.json files (so a {@code --resume} run, which skips finished images, still reports all of them).
 * Per image: a downscaled copy of the input ({@code OUT/IMG/original.png}), each method's image per class,
 * boxes where the summary has any, the top predictions, and links to the raw files.
 *
 * <p>The page needs nothing outside OUT: inline CSS, no scripts, no fonts, and every image and link relative to
 * OUT, so the folder can be moved, zipped or served as it is. It is written as XHTML-compatible HTML5 (void
 * elements closed, entities limited to XML's) so that tests can check it with an XML parser. A responsive
 * grid puts one tile per row on a phone and several on a desktop.
 */
final class HtmlReport {
    static final String FILE = "report.html";
    static final String ORIGINAL = "original.png";
    /** Longest side of original.png: enough for a tile on a high-density screen, small enough for many images. */
    static final int ORIGINAL_MAX_SIDE = 512;

    private final Path out;
    private final ImageLoader loader;

    HtmlReport(Path out, ImageLoader loader) {
        this.out = out;
        this.loader = loader;
    }

    /**
     * Writes the report.
     *
     * @param imageDirs the run's image folders (names relative to OUT), in input order; folders without a readable
     *                  summary.json are listed as missing
     * @param failures  messages for the inputs that failed in this run
     * @return the report file
     * @throws OutputException when original.png or the report cannot be written
     */
    Path write(List<String> imageDirs, List<String> failures) {
        List<Entry> entries = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String dir : imageDirs) {
            Path summary = out.resolve(dir).resolve(ExplanationWriter.SUMMARY);
            JsonNode s;
            try {
                s = Json.MAPPER.readTree(summary.toFile());
            } catch (IOException | RuntimeException e) {
                missing.add(dir + ": no readable " + ExplanationWriter.SUMMARY);
                continue;
            }
            entries.add(new Entry(dir, s, original(dir, s)));
        }
        Path report = out.resolve(FILE);
        try {
            AtomicFiles.write(report, page(entries, failures, missing).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new OutputException(report, e);
        }
        return report;
    }

    private record Entry(String dir, JsonNode summary, boolean hasOriginal) {}

    /**
     * Makes sure {@code OUT/dir/original.png} exists, from the input named in the summary; false when the input
     * can no longer be read (the page then says so instead of showing it).
     */
    private boolean original(String dir, JsonNode s) {
        Path png = out.resolve(dir).resolve(ORIGINAL);
        if (Files.isRegularFile(png)) return true;
        String source = s.path("imagePath").asText("");
        if (source.isEmpty()) return false;
        BufferedImage img;
        try {
            img = loader.load(Path.of(source)).image();
        } catch (ImageException e) {
            return false;
        }
        try {
            PngFiles.write(downscale(img, ORIGINAL_MAX_SIDE), png);
        } catch (IOException e) {
            throw new OutputException(png, e);
        }
        return true;
    }

    /** Halves with bilinear filtering until within 2x of the target, then one last bilinear step: no aliasing. */
    static BufferedImage downscale(BufferedImage img, int maxSide) {
        int w = img.getWidth(), h = img.getHeight();
        if (Math.max(w, h) <= maxSide) return img;
        double scale = (double) maxSide / Math.max(w, h);
        int tw = Math.max(1, (int) Math.round(w * scale)), th = Math.max(1, (int) Math.round(h * scale));
        BufferedImage cur = img;
        while (cur.getWidth() / 2 >= tw && cur.getHeight() / 2 >= th) {
            cur = scaled(cur, cur.getWidth() / 2, cur.getHeight() / 2);
        }
        return cur.getWidth() == tw && cur.getHeight() == th ? cur : scaled(cur, tw, th);
    }

    private static BufferedImage scaled(BufferedImage src, int w, int h) {
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return dst;
    }

    // ---- the page ----

    private static final String CSS = """
            :root { color-scheme: light; --ink: #1d1f23; --muted: #5d6470; --line: #d9dde3; --accent: #2a6fdb; }
            * { box-sizing: border-box; }
            body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f5f6f8; }
            header, main, footer, .failed { max-width: 1400px; margin: 0 auto; padding: 12px 16px; }
            h1 { font-size: 1.5rem; margin: 8px 0; }
            h2 { font-size: 1.15rem; margin: 0 0 4px; overflow-wrap: anywhere; }
            h3 { font-size: 1rem; margin: 16px 0 8px; }
            .meta, .path { color: var(--muted); font-size: 0.85rem; overflow-wrap: anywhere; }
            nav { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 0.9rem; }
            a { color: var(--accent); }
            section.image { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 16px 0; }
            .top { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; align-items: start; }
            @media (min-width: 720px) { .top { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); } }
            .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr)); gap: 12px; }
            figure { margin: 0; }
            .frame { position: relative; line-height: 0; background: #e9ecf0; }
            .frame img { width: 100%; height: auto; display: block; }
            img.small { image-rendering: pixelated; }
            .box { position: absolute; border: 2px solid #00e676; box-shadow: 0 0 0 1px #000; line-height: 1.2; }
            .box span { position: absolute; left: 0; top: 0; background: #00e676; color: #000; font-size: 0.7rem; padding: 0 3px; }
            figcaption { font-size: 0.85rem; padding: 4px 0; }
            .note { color: #9a3412; }
            table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
            th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: middle; }
            td.p { width: 40%; white-space: nowrap; }
            .bar { display: inline-block; height: 0.7em; background: var(--accent); margin-right: 6px; vertical-align: middle; }
            .files { font-size: 0.85rem; display: flex; flex-wrap: wrap; gap: 4px 10px; margin-top: 12px; }
            """;

    private String page(List<Entry> entries, List<String> failures, List<String> missing) {
        Html h = new Html();
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n")
                .raw("<title>gradcam4j report</title>\n<style>\n").raw(CSS).raw("</style>\n</head>\n<body>\n");
        h.raw("<header>\n<h1>gradcam4j report</h1>\n<p class=\"meta\">");
        int n = entries.size();
        h.text(n + " image" + (n == 1 ? "" : "s") + (failures.isEmpty() ? "" : ", " + failures.size() + " failed"));
        if (!entries.isEmpty()) {
            JsonNode first = entries.get(0).summary();
            h.text(" \u00b7 model " + first.path("model").path("architecture").asText("?") + " (" + first.path("model").path("source").asText("?") + ")")
                    .text(" \u00b7 layer " + first.path("layer").asText("?") + " \u00b7 score " + first.path("score").asText("?"));
        }
        h.text(" \u00b7 written " + ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).raw("</p>\n");
        if (n > 1) {
            h.raw("<nav>");
            for (Entry e : entries) h.raw("<a href=\"#").attr(anchor(e.dir())).raw("\">").text(e.dir()).raw("</a> ");
            h.raw("</nav>\n");
        }
        h.raw("</header>\n<main>\n");
        for (int i = 0; i < entries.size(); i++) image(h, entries.get(i), i > 0);
        h.raw("</main>\n");
        if (!failures.isEmpty() || !missing.isEmpty()) {
            h.raw("<section class=\"failed\">\n<h2>Not in this report</h2>\n<ul>\n");
            for (String f : failures) h.raw("<li>").text(f).raw("</li>\n");
            for (String m : missing) h.raw("<li>").text(m).raw("</li>\n");
            h.raw("</ul>\n</section>\n");
        }
        h.raw("<footer class=\"meta\">Made by gradcam4j explain --report from the summary.json files; "
                + "overlays and gradient images are the PNGs next to them.</footer>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void image(Html h, Entry e, boolean lazy) {
        JsonNode s = e.summary();
        String dir = e.dir();
        int width = s.path("width").asInt(0), height = s.path("height").asInt(0);
        Set<String> files = new LinkedHashSet<>();
        s.path("files").forEach(f -> files.add(f.asText()));

        h.raw("<section class=\"image\" id=\"").attr(anchor(dir)).raw("\">\n<h2>").text(dir).raw("</h2>\n<p class=\"path\">")
                .text(s.path("image").asText("")).raw("</p>\n<p class=\"meta\">")
                .text(width + " \u00d7 " + height + " " + s.path("format").asText("") + " \u00b7 "
                        + s.path("model").path("architecture").asText("?") + " \u00b7 layer " + s.path("layer").asText("?")
                        + " \u00b7 resize " + s.path("preprocessing").path("resize").asText("?"))
                .raw("</p>\n<div class=\"top\">\n<figure>");
        if (e.hasOriginal()) {
            h.raw("<div class=\"frame\">");
            img(h, dir + "/" + ORIGINAL, "original image " + dir, lazy, false);
            boxes(h, s.path("boxes"), width, height);
            h.raw("</div><figcaption>original</figcaption>");
        } else {
            h.raw("<figcaption class=\"note\">original image not readable any more: ").text(s.path("image").asText("")).raw("</figcaption>");
        }
        h.raw("</figure>\n");
        predictions(h, s.path("predictions"));
        h.raw("</div>\n");

        List<String> methods = new ArrayList<>();
        s.path("methods").forEach(m -> methods.add(m.asText()));
        for (JsonNode c : s.path("classes")) {
            int k = c.path("index").asInt();
            h.raw("<h3>").text("class " + k + " \u00b7 " + c.path("name").asText("") + " (" + c.path("id").asText("") + ")"
                    + " \u00b7 p " + number(c.path("probability")) + " \u00b7 logit " + number(c.path("logit"))).raw("</h3>\n");
            h.raw("<div class=\"grid\">\n");
            for (String m : methods) {
                String png = m + "-c" + k + ".png";
                if (!files.contains(png)) continue;
                boolean cam = isCam(m);
                JsonNode info = cam ? c.path("maps").path(m) : c.path("gradients").path(m);
                h.raw("<figure><div class=\"frame\">");
                img(h, dir + "/" + png, displayName(m) + ", class " + k, lazy, !cam);
                if (cam) { // overlays are at the original's size, so boxes in its pixels land right
                    boxes(h, c.path("boxes"), width, height);
                    boxes(h, info.path("boxes"), width, height);
                }
                h.raw("</div><figcaption>").text(displayName(m));
                if (info.path("empty").asBoolean(false)) h.raw(" <span class=\"note\">(empty map)</span>");
                if (info.path("zero").asBoolean(false)) h.raw(" <span class=\"note\">(zero gradient)</span>");
                h.raw("</figcaption></figure>\n");
            }
            String panel = "panel-c" + k + ".png";
            if (files.contains(panel)) {
                h.raw("<figure><div class=\"frame\">");
                img(h, dir + "/" + panel, "panel, class " + k, lazy, false);
                h.raw("</div><figcaption>panel</figcaption></figure>\n");
            }
            h.raw("</div>\n");
        }

        h.raw("<p class=\"files\">raw files: ");
        link(h, dir + "/" + ExplanationWriter.SUMMARY, ExplanationWriter.SUMMARY);
        for (String f : files) if (f.endsWith(".npz")) link(h, dir + "/" + f, f);
        h.raw("</p>\n</section>\n");
    }

    private static void predictions(Html h, JsonNode predictions) {
        h.raw("<table>\n<thead><tr><th>#</th><th>class</th><th>probability</th></tr></thead>\n<tbody>\n");
        for (JsonNode p : predictions) {
            double prob = p.path("probability").asDouble(0);
            h.raw("<tr><td>").text(p.path("rank").asText("")).raw("</td><td>")
                    .text(p.path("name").asText("") + " (" + p.path("index").asText("") + ")").raw("</td><td class=\"p\">")
                    .raw("<span class=\"bar\" style=\"width: ").raw(String.format(Locale.ROOT, "%.1f", Math.max(0, Math.min(1, prob)) * 60))
                    .raw("%\"></span>").text(String.format(Locale.ROOT, "%.2f%%", prob * 100)).raw("</td></tr>\n");
        }
        h.raw("</tbody>\n</table>\n");
    }

    /**
     * Boxes over an image, placed in percent of the original's size so that they follow the scaled image. A box
     * is {@code {x0, y0, x1, y1}} in original pixels (the {@code Box} convention) or {@code {x, y, width, height}},
     * with an optional {@code label}.
     */
    private static void boxes(Html h, JsonNode boxes, int width, int height) {
        if (!boxes.isArray() || width <= 0 || height <= 0) return;
        for (JsonNode b : boxes) {
            double x0, y0, x1, y1;
            if (b.has("x0")) {
                x0 = b.path("x0").asDouble(); y0 = b.path("y0").asDouble(); x1 = b.path("x1").asDouble(); y1 = b.path("y1").asDouble();
            } else if (b.has("width")) {
                x0 = b.path("x").asDouble(); y0 = b.path("y").asDouble();
                x1 = x0 + b.path("width").asDouble(); y1 = y0 + b.path("height").asDouble();
            } else {
                continue;
            }
            h.raw("<div class=\"box\" style=\"").raw(String.format(Locale.ROOT, "left: %.3f%%; top: %.3f%%; width: %.3f%%; height: %.3f%%",
                    100 * x0 / width, 100 * y0 / height, 100 * (x1 - x0) / width, 100 * (y1 - y0) / height)).raw("\">");
            String label = b.path("label").asText("");
            if (!label.isEmpty()) h.raw("<span>").text(label).raw("</span>");
            h.raw("</div>");
        }
    }

    private static void img(Html h, String path, String alt, boolean lazy, boolean small) {
        h.raw("<img src=\"").attr(relativeUrl(path)).raw("\" alt=\"").attr(alt).raw("\"");
        if (small) h.raw(" class=\"small\"");
        if (lazy) h.raw(" loading=\"lazy\"");
        h.raw(" />");
    }

    private static void link(Html h, String path, String text) {
        h.raw("<a href=\"").attr(relativeUrl(path)).raw("\">").text(text).raw("</a> ");
    }

    /** Whether a token names a map-type method (drawn large); an unknown token (an older run's) counts as a gradient. */
    private static boolean isCam(String token) {
        try {
            return !Method.parse(token).isGradient();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String displayName(String token) {
        try {
            return Method.parse(token).displayName();
        } catch (IllegalArgumentException e) {
            return token;
        }
    }

    private static String number(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%.4g", n.asDouble()) : "n/a";
    }

    /** A fragment id from a folder name: letters, digits, '-' and '_' kept, anything else '_'. */
    static String anchor(String dir) {
        return "img-" + dir.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /**
     * A relative URL for a path under OUT: each segment percent-encoded (UTF-8) except RFC 3986's unreserved
     * characters, so names with spaces, '#', '%' or non-ASCII letters still resolve.
     */
    static String relativeUrl(String path) {
        StringBuilder b = new StringBuilder();
        for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '~' || c == '/') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    /** Builds the page; {@link #text} and {@link #attr} escape for XML and HTML alike. */
    private static final class Html {
        private final StringBuilder b = new StringBuilder(1 << 16);

        Html raw(String s) { b.append(s); return this; }

        Html text(String s) { escape(s); return this; }

        Html attr(String s) { escape(s); return this; }

        private void escape(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '&' -> b.append("&amp;");
                    case '<' -> b.append("&lt;");
                    case '>' -> b.append("&gt;");
                    case '"' -> b.append("&quot;");
                    case '\'' -> b.append("&#39;");
                    default -> {
                        // control characters are not allowed in XML 1.0 (nor meaningful here)
                        if (c < 0x20 && c != '\n' && c != '\t') b.append('\uFFFD');
                        else b.append(c);
                    }
                }
            }
        }

        @Override public String toString() { return b.toString(); }
    }
}
