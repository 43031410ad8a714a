package org.gradcam4j.localize;

import org.gradcam4j.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Scores an ILSVRC classification-with-localisation submission by the devkit's rules
 * ({@code eval_flat.m}, {@code eval_localization.m} of the ILSVRC2012-2015 devkits):
 * <ul>
 *   <li>line {@code i} of the submission, line {@code i} of the label file (the competition id of image
 *       {@code i}) and the {@code i}-th ground-truth XML file in name order describe the same image
 *       ({@code ILSVRC2012_val_00000001.xml} ...);</li>
 *   <li>classification: guess {@code j} is right when its class is the image's label; top-k error is the share
 *       of images none of whose first {@code k} guesses is right;</li>
 *   <li>localisation: guess {@code j} is right when some ground-truth object has its class (the XML's wnid,
 *       mapped to a competition id) and a box whose overlap {@code IoU >= 0.5}, boxes counted in inclusive pixels
 *       ({@code width = xmax - xmin + 1}); top-k error likewise. Images listed in an optional blacklist are left
 *       out of the localisation figures only, as the devkit does.</li>
 * </ul>
 * Everything streams: one submission line and one XML file at a time.
 */
public final class IlsvrcScorer {
    /** The overlap a box needs to count. */
    public static final double MIN_IOU = 0.5;

    private IlsvrcScorer() {}

    /** A ground-truth object, 1-based inclusive pixel coordinates as in the XML. */
    public record GroundTruthBox(String wnid, double xmin, double ymin, double xmax, double ymax) {}

    /**
     * The figures.
     *
     * @param images          images scored for classification
     * @param localized       images scored for localisation (blacklisted ones left out)
     * @param top1Cls         errors: classification top-1, top-5, localisation top-1, top-5 (counts)
     */
    public record Scores(int images, int localized, int top1Cls, int top5Cls, int top1Loc, int top5Loc) {
        public double top1ClassificationError() { return rate(top1Cls, images); }
        public double top5ClassificationError() { return rate(top5Cls, images); }
        public double top1LocalizationError() { return rate(top1Loc, localized); }
        public double top5LocalizationError() { return rate(top5Loc, localized); }

        private static double rate(int n, int of) { return of == 0 ? Double.NaN : (double) n / of; }

        /** A small table, percentages. */
        public String table() {
            return String.format(Locale.ROOT, "%-16s %8s %8s%n%-16s %7.2f%% %7.2f%%%n%-16s %7.2f%% %7.2f%%%nimages: %d (localisation: %d)%n",
                    "error", "top-1", "top-5",
                    "classification", 100 * top1ClassificationError(), 100 * top5ClassificationError(),
                    "localisation", 100 * top1LocalizationError(), 100 * top5LocalizationError(),
                    images, localized);
        }
    }

    /**
     * @param submission  the submission file
     * @param xmlDir      the folder of ground-truth XML files (all {@code *.xml}, name order)
     * @param labels      the label file: one competition id per line, image order
     * @param ids         wnid to competition id, for the XMLs' class names
     * @param blacklist   1-based image numbers left out of localisation (may be empty)
     * @param partial     score a submission shorter than the ground truth (its first lines); otherwise that is
     *                    an error
     * @throws IllegalArgumentException for malformed or mismatched files, naming the file (and line)
     */
    public static Scores score(Path submission, Path xmlDir, Path labels, CompetitionIds ids, Set<Integer> blacklist, boolean partial)
            throws IOException {
        try (BufferedReader sub = Files.newBufferedReader(submission, StandardCharsets.UTF_8)) {
            return score(sub, submission.toString(), xmlDir, labels, ids, blacklist, partial);
        }
    }

    /**
     * As {@link #score(Path, Path, Path, CompetitionIds, Set, boolean)}, the submission read from {@code sub} (on any file
     * system; {@code submission} names it in messages).
     */
    public static Scores score(BufferedReader sub, String submission, Path xmlDir, Path labels, CompetitionIds ids,
                               Set<Integer> blacklist, boolean partial) throws IOException {
        return score(sub, submission, GroundTruthFiles.LOCAL, xmlDir.toString(), labels.toString(), ids, blacklist, partial);
    }

    /**
     * As {@link #score(BufferedReader, String, Path, Path, CompetitionIds, Set, boolean)}, the ground truth read
     * through {@code files} (any file system: the Spark job reads it through Hadoop's).
     */
    public static Scores score(BufferedReader sub, String submission, GroundTruthFiles files, String xmlDir, String labels,
                               CompetitionIds ids, Set<Integer> blacklist, boolean partial) throws IOException {
        List<String> xmls = xmlFiles(files, xmlDir);
        int n = 0, localized = 0, c1 = 0, c5 = 0, l1 = 0, l5 = 0;
        try (BufferedReader lab = new BufferedReader(new InputStreamReader(files.open(labels), StandardCharsets.UTF_8))) {
            DocumentBuilder parser = parser();
            for (String line; (line = sub.readLine()) != null; ) {
                if (line.isBlank() && n >= xmls.size()) continue; // trailing blank lines
                int i = n + 1;
                String where = submission + ":" + i;
                if (n >= xmls.size()) {
                    throw new InvalidInputException(submission + " has more lines than the " + xmls.size() + " ground-truth files in " + xmlDir);
                }
                List<Submission.Guess> guesses = Submission.parse(line, where);
                int label = readLabel(lab, labels, i);
                List<GroundTruthBox> truth;
                try (InputStream xml = files.open(xmls.get(n))) {
                    truth = readXml(parser, xml, xmls.get(n));
                }
                boolean[] clsRight = new boolean[guesses.size()], locRight = new boolean[guesses.size()];
                for (int j = 0; j < guesses.size(); j++) {
                    Submission.Guess g = guesses.get(j);
                    clsRight[j] = g.classId() == label;
                    for (GroundTruthBox b : truth) {
                        if (ids.idOf(b.wnid()) == g.classId() && iou(g, b) >= MIN_IOU) {
                            locRight[j] = true;
                            break;
                        }
                    }
                }
                n++;
                if (!anyOfFirst(clsRight, 1)) c1++;
                if (!anyOfFirst(clsRight, Submission.GUESSES)) c5++;
                if (!blacklist.contains(i)) {
                    localized++;
                    if (!anyOfFirst(locRight, 1)) l1++;
                    if (!anyOfFirst(locRight, Submission.GUESSES)) l5++;
                }
            }
        }
        if (n < xmls.size() && !partial) {
            throw new InvalidInputException(submission + " has " + n + " lines for " + xmls.size() + " ground-truth images in " + xmlDir
                    + " (an incomplete run? --partial scores the lines there are)");
        }
        if (n == 0) throw new InvalidInputException(submission + " holds no lines");
        return new Scores(n, localized, c1, c5, l1, l5);
    }

    private static boolean anyOfFirst(boolean[] right, int k) {
        for (int j = 0; j < Math.min(k, right.length); j++) if (right[j]) return true;
        return false;
    }

    private static int readLabel(BufferedReader lab, String labels, int i) throws IOException {
        String l = lab.readLine();
        if (l == null) throw new InvalidInputException(labels + " has fewer lines than the submission (no label for image " + i + ")");
        try {
            return Integer.parseInt(l.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(labels + ":" + i + ": expected a class id, got '" + l.strip() + "'");
        }
    }

    /** Overlap of a guess and a ground-truth box, both inclusive pixel ranges (the devkit's {@code +1}). */
    public static double iou(Submission.Guess g, GroundTruthBox b) {
        double iw = Math.min(g.xmax(), b.xmax()) - Math.max(g.xmin(), b.xmin()) + 1;
        double ih = Math.min(g.ymax(), b.ymax()) - Math.max(g.ymin(), b.ymin()) + 1;
        if (iw <= 0 || ih <= 0) return 0;
        double inter = iw * ih;
        double ua = (g.xmax() - g.xmin() + 1.0) * (g.ymax() - g.ymin() + 1.0) + (b.xmax() - b.xmin() + 1) * (b.ymax() - b.ymin() + 1) - inter;
        return inter / ua;
    }

    /** The {@code *.xml} files of a folder, by name. */
    static List<String> xmlFiles(GroundTruthFiles files, String dir) throws IOException {
        if (!files.isFolder(dir)) throw new InvalidInputException("ground truth: " + dir + " is not a folder");
        List<String> out = new ArrayList<>();
        for (String p : files.files(dir)) if (GroundTruthFiles.fileName(p).toLowerCase(Locale.ROOT).endsWith(".xml")) out.add(p);
        out.sort(Comparator.comparing(GroundTruthFiles::fileName));
        if (out.isEmpty()) throw new InvalidInputException("ground truth: no .xml files in " + dir);
        return out;
    }

    /** A DOM parser with DTDs and external entities off (annotation files are data, not documents to resolve). */
    static DocumentBuilder parser() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.ErrorHandler() { // report through the exception, not on stderr
                @Override public void warning(org.xml.sax.SAXParseException e) { }
                @Override public void error(org.xml.sax.SAXParseException e) throws SAXException { throw e; }
                @Override public void fatalError(org.xml.sax.SAXParseException e) throws SAXException { throw e; }
            });
            return b;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no usable XML parser", e);
        }
    }

    /**
     * The objects of one PASCAL-VOC style annotation: {@code <object><name>wnid</name><bndbox><xmin>..</xmin>
     * <ymin>..</ymin><xmax>..</xmax><ymax>..</ymax></bndbox></object>}.
     *
     * @throws IllegalArgumentException naming the file, for anything malformed
     */
    public static List<GroundTruthBox> readXml(DocumentBuilder parser, Path xml) throws IOException {
        try (InputStream in = Files.newInputStream(xml)) {
            return readXml(parser, in, xml.toString());
        }
    }

    /** As {@link #readXml(DocumentBuilder, Path)}, from a stream; {@code xml} names the file in messages. */
    public static List<GroundTruthBox> readXml(DocumentBuilder parser, InputStream in, String xml) throws IOException {
        Document doc;
        try {
            doc = parser.parse(in);
        } catch (SAXException e) {
            throw new InvalidInputException("ground truth " + xml + " is not well-formed XML: " + e.getMessage());
        }
        List<GroundTruthBox> out = new ArrayList<>();
        NodeList objects = doc.getDocumentElement().getElementsByTagName("object");
        for (int k = 0; k < objects.getLength(); k++) {
            Element o = (Element) objects.item(k);
            String where = "ground truth " + xml + ", object " + (k + 1);
            String name = childText(o, "name", where);
            Element box = child(o, "bndbox", where);
            double xmin = number(box, "xmin", where), ymin = number(box, "ymin", where);
            double xmax = number(box, "xmax", where), ymax = number(box, "ymax", where);
            if (xmax < xmin || ymax < ymin) {
                throw new InvalidInputException(where + ": box " + xmin + "," + ymin + " .. " + xmax + "," + ymax + " has its corners swapped");
            }
            out.add(new GroundTruthBox(name, xmin, ymin, xmax, ymax));
        }
        if (out.isEmpty()) throw new InvalidInputException("ground truth " + xml + " has no <object> with a box");
        return out;
    }

    private static Element child(Element parent, String tag, String where) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getTagName().equals(tag)) return e;
        }
        throw new InvalidInputException(where + ": no <" + tag + ">");
    }

    private static String childText(Element parent, String tag, String where) {
        String t = child(parent, tag, where).getTextContent().strip();
        if (t.isEmpty()) throw new InvalidInputException(where + ": empty <" + tag + ">");
        return t;
    }

    private static double number(Element parent, String tag, String where) {
        String t = childText(parent, tag, where);
        try {
            double v = Double.parseDouble(t);
            if (!Double.isFinite(v)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(where + ": <" + tag + "> is '" + t + "', not a number");
        }
    }

    /** 1-based image numbers, one per line (blank lines ignored). */
    public static Set<Integer> readBlacklist(Path file) throws IOException {
        return readBlacklist(GroundTruthFiles.LOCAL, file.toString());
    }

    /** As {@link #readBlacklist(Path)}, read through {@code files}. */
    public static Set<Integer> readBlacklist(GroundTruthFiles files, String file) throws IOException {
        Set<Integer> out = new HashSet<>();
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(files.open(file), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                lineNo++;
                if (l.isBlank()) continue;
                try {
                    out.add(Integer.parseInt(l.strip()));
                } catch (NumberFormatException e) {
                    throw new InvalidInputException(file + ":" + lineNo + ": expected an image number, got '" + l.strip() + "'");
                }
            }
        }
        return out;
    }
}
