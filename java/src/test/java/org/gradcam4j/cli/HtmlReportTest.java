package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code explain --report} on the 32 x 32 random network: the page parses as XML, every image and link resolves
 * inside OUT (also after OUT is moved), a --resume run reports the skipped images too, boxes in a summary are
 * drawn, and, where Chromium is installed, a headless browser renders something that is not blank.
 */
class HtmlReportTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir Path root;
    Path in, out;

    @BeforeEach
    void images() throws IOException {
        in = root.resolve("in");
        out = root.resolve("out");
        CliRun.image(in.resolve("a.png"), 40, 30, "png");
        CliRun.image(in.resolve("b c#1.png"), 32, 48, "png"); // a name that needs percent-encoding in a URL
        Files.write(in.resolve("broken.png"), "not an image".getBytes(StandardCharsets.US_ASCII));
    }

    private CliRun explain(String... extra) {
        List<String> args = new ArrayList<>(List.of("explain", in.toString(), "--weights", "random:narrow", "--out", out.toString(),
                "-q", "--report", "--method", "gradcam,gradcampp,guided", "--top-k", "2", "--save", "png,npz,json", "--panel"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void pageIsWellFormedAndEveryReferenceResolvesEvenAfterMovingOut() throws Exception {
        CliRun r = explain();
        assertEquals(1, r.exit(), r.toString()); // broken.png failed
        Path report = out.resolve("report.html");
        assertTrue(r.out().contains("report: " + report), r.toString());
        String html = Files.readString(report);
        assertTrue(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />"));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("url("), "no external resources");
        assertFalse(html.contains("<script"), "no scripts");
        assertTrue(html.contains("broken.png"), "the failed input is listed");

        Document doc = parse(html);
        NodeList sections = doc.getElementsByTagName("section");
        Set<String> ids = ids(doc);
        assertTrue(ids.contains(HtmlReport.anchor("a")) && ids.contains(HtmlReport.anchor("b c#1")), ids.toString());
        List<String> srcs = attributes(doc, "img", "src");
        // per image: original, 2 classes x (gradcam, gradcampp, guided, panel)
        assertEquals(2 * (1 + 2 * 4), srcs.size(), srcs.toString());
        assertTrue(srcs.contains("b%20c%231/original.png"), srcs.toString());
        checkResolves(out, doc, ids);
        assertTrue(sections.getLength() >= 2);

        // original.png is the input, downscaled only when large: here the same size
        BufferedImage original = ImageIO.read(out.resolve("a/original.png").toFile());
        assertEquals(40, original.getWidth());
        assertEquals(30, original.getHeight());

        Path moved = root.resolve("elsewhere/out-copy");
        Files.createDirectories(moved.getParent());
        Files.move(out, moved);
        checkResolves(moved, parse(Files.readString(moved.resolve("report.html"))), ids);
    }

    @Test
    void resumedRunReportsEveryImageAndDrawsBoxes() throws Exception {
        assertEquals(1, explain().exit());
        // boxes, as a later stage may add them to summary.json: on the original and on one class's overlays
        Path summary = out.resolve("a/summary.json");
        ObjectNode s = (ObjectNode) Json.MAPPER.readTree(summary.toFile());
        s.putArray("boxes").addObject().put("x0", 4).put("y0", 3).put("x1", 24).put("y1", 18).put("label", "<b>&");
        ((ObjectNode) s.get("classes").get(0)).putArray("boxes").addObject().put("x", 10).put("y", 0).put("width", 20).put("height", 15);
        Files.write(summary, Json.MAPPER.writeValueAsBytes(s));
        Files.delete(out.resolve("report.html"));
        Files.delete(out.resolve("a/original.png"));

        CliRun r = explain("--resume");
        assertTrue(r.out().contains("3 images: 0 explained, 2 skipped (complete), 1 failed"), r.toString());
        String html = Files.readString(out.resolve("report.html"));
        Document doc = parse(html);
        assertEquals(18, attributes(doc, "img", "src").size(), "both skipped images are in the report");
        checkResolves(out, doc, ids(doc));
        assertTrue(html.contains("left: 10.000%; top: 10.000%; width: 50.000%; height: 50.000%"), "x0/y0/x1/y1 box on the original");
        assertTrue(html.contains("&lt;b&gt;&amp;"), "labels are escaped");
        // the class box on that class's two CAM overlays (not on the network-size gradient image)
        assertEquals(2, count(html, "left: 25.000%; top: 0.000%; width: 50.000%; height: 50.000%"));
    }

    @Test
    void reportNeedsSummaries() {
        CliRun r = CliRun.of("explain", in.toString(), "--weights", "random:narrow", "--out", out.toString(), "--report", "--save", "png");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--report needs json"), r.toString());
        assertFalse(Files.exists(out), "checked before any work");
    }

    @Test
    void downscaleKeepsAspectAndBound() {
        BufferedImage big = new BufferedImage(2000, 900, BufferedImage.TYPE_INT_RGB);
        BufferedImage small = HtmlReport.downscale(big, 512);
        assertEquals(512, small.getWidth());
        assertEquals(230, small.getHeight());
        assertEquals("a%20b/%C3%A9%23.png", HtmlReport.relativeUrl("a b/\u00e9#.png"));
    }

    /**
     * Chromium renders the page headless to a PNG that is not one flat colour and has the variety of rendered
     * images. Skipped where Chromium is not installed (CI installs Debian's chromium).
     */
    @Test
    void headlessChromiumRendersThePage() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": browser check skipped");
        assertEquals(1, explain().exit());
        Path shot = root.resolve("shot.png");
        Path profile = Files.createDirectories(root.resolve("chromium-profile"));
        Path log = root.resolve("chromium.log");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--screenshot=" + shot, "--window-size=1280,900",
                out.resolve("report.html").toUri().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s:\n" + Files.readString(log));
        }
        assertTrue(Files.isRegularFile(shot), "no screenshot; chromium said:\n" + Files.readString(log));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(shot)));
        assertEquals(1280, img.getWidth());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) for (int x = 0; x < img.getWidth(); x += 2) colours.add(img.getRGB(x, y) & 0xffffff);
        assertTrue(colours.size() > 1, "the screenshot is one flat colour");
        // text alone gives a few dozen greys; the overlays and the generated images give hundreds of colours
        assertTrue(colours.size() > 200, "too few colours for rendered images: " + colours.size());
    }

    // ---- helpers ----

    static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    static List<String> attributes(Document doc, String tag, String attribute) {
        List<String> l = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) l.add(((Element) nodes.item(i)).getAttribute(attribute));
        return l;
    }

    static Set<String> ids(Document doc) {
        Set<String> ids = new HashSet<>();
        NodeList all = doc.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            String id = ((Element) all.item(i)).getAttribute("id");
            if (!id.isEmpty()) ids.add(id);
        }
        return ids;
    }

    /** Every img src and a href is a relative path to an existing file under {@code dir}, or a fragment on the page. */
    static void checkResolves(Path dir, Document doc, Set<String> ids) {
        List<String> refs = new ArrayList<>(attributes(doc, "img", "src"));
        refs.addAll(attributes(doc, "a", "href"));
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            if (ref.startsWith("#")) {
                assertTrue(ids.contains(ref.substring(1)), "no element with id " + ref);
                continue;
            }
            assertFalse(ref.contains(":") || ref.startsWith("/") || ref.contains(".."), "not a relative path inside OUT: " + ref);
            Path target = dir.resolve(URLDecoder.decode(ref.replace("+", "%2B"), StandardCharsets.UTF_8));
            assertTrue(Files.isRegularFile(target), ref + " -> " + target + " does not exist");
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
