package org.gradcam4j.localize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorer on hand-made ground truth with known answers, and its errors on malformed files. */
class IlsvrcScorerTest {
    @TempDir Path dir;
    static final CompetitionIds IDS = CompetitionIds.bundled();
    // three classes of map_clsloc.txt: id 1, 2, 3
    static final String FOX = "n02119789", SETTER = "n02100735", HUSKY = "n02110185";

    static String xml(String... objects) {
        StringBuilder sb = new StringBuilder("<annotation><filename>x</filename><size><width>100</width><height>80</height></size>");
        for (String o : objects) sb.append(o);
        return sb.append("</annotation>").toString();
    }

    static String object(String wnid, int xmin, int ymin, int xmax, int ymax) {
        return "<object><name>" + wnid + "</name><bndbox><xmin>" + xmin + "</xmin><ymin>" + ymin + "</ymin><xmax>" + xmax
                + "</xmax><ymax>" + ymax + "</ymax></bndbox></object>";
    }

    Path gt(String... xmls) throws IOException {
        Path g = dir.resolve("gt");
        Files.createDirectories(g);
        for (int i = 0; i < xmls.length; i++) Files.writeString(g.resolve(String.format("ILSVRC2012_val_%08d.xml", i + 1)), xmls[i]);
        return g;
    }

    Path file(String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, List.of(lines));
        return p;
    }

    @Test
    void competitionIdsFromTheBundledTable() {
        assertEquals(1, IDS.idOf(FOX));
        assertEquals(3, IDS.idOf(HUSKY));
        assertEquals(1000, IDS.size());
        assertEquals(SETTER, IDS.wnidOf(2));
        assertEquals(-1, IDS.idOf("n00000000"));
    }

    @Test
    void iouCountsInclusivePixels() {
        var g = new Submission.Guess(1, 1, 1, 10, 10);                       // 100 px
        assertEquals(1.0, IlsvrcScorer.iou(g, new IlsvrcScorer.GroundTruthBox(FOX, 1, 1, 10, 10)), 1e-12);
        assertEquals(50.0 / 100, IlsvrcScorer.iou(g, new IlsvrcScorer.GroundTruthBox(FOX, 1, 1, 10, 5)), 1e-12); // 50 of 100
        assertEquals(1.0 / 199, IlsvrcScorer.iou(g, new IlsvrcScorer.GroundTruthBox(FOX, 10, 10, 19, 19)), 1e-12); // one pixel shared
        assertEquals(0, IlsvrcScorer.iou(g, new IlsvrcScorer.GroundTruthBox(FOX, 11, 1, 20, 10)), 0);       // touching, not overlapping
    }

    /**
     * Four images, hand-scored:
     * 1. top guess right class and box: no error anywhere.
     * 2. right class only as guess 3, with a good box: top-1 errors, top-5 right (both).
     * 3. right class first but its box misses (IoU < 0.5): classification right, localisation wrong at top-1; guess 2
     *    has the right class and a box matching the SECOND ground-truth object: top-5 localisation right.
     * 4. no right class at all: every error; and image 4 is blacklisted, so it leaves the localisation figures.
     */
    @Test
    void scoresByTheDevkitRules() throws IOException {
        Path g = gt(
                xml(object(FOX, 11, 11, 50, 50)),
                xml(object(SETTER, 1, 1, 100, 80)),
                xml(object(HUSKY, 1, 1, 20, 20), object(HUSKY, 60, 40, 100, 80)),
                xml(object(FOX, 1, 1, 10, 10)));
        Path labels = file("labels.txt", "1", "2", "3", "1");
        Path sub = file("sub.txt",
                "1 11 11 50 50 2 1 1 5 5 3 1 1 5 5 4 1 1 5 5 5 1 1 5 5",
                "5 1 1 100 80 4 1 1 100 80 2 1 1 99 79 6 1 1 2 2 7 1 1 2 2",
                "3 30 30 59 59 3 61 41 100 80 8 1 1 2 2 9 1 1 2 2 10 1 1 2 2",
                "2 1 1 10 10 3 1 1 10 10 4 1 1 10 10 5 1 1 10 10 6 1 1 10 10");
        var s = IlsvrcScorer.score(sub, g, labels, IDS, Set.of(), false);
        assertEquals(4, s.images());
        assertEquals(2, s.top1Cls());   // images 2 and 4
        assertEquals(1, s.top5Cls());   // image 4
        assertEquals(3, s.top1Loc());   // images 2, 3, 4
        assertEquals(1, s.top5Loc());   // image 4
        var b = IlsvrcScorer.score(sub, g, labels, IDS, Set.of(4), false);
        assertEquals(3, b.localized());
        assertEquals(2, b.top1Loc());
        assertEquals(0, b.top5Loc());
        assertEquals(0.5, b.top1ClassificationError(), 0);
        assertTrue(b.table().contains("localisation"));
    }

    @Test
    void aBoxOfTheWrongClassDoesNotCount() throws IOException {
        // the box matches a fox, the guess says setter; the image label is setter
        Path g = gt(xml(object(FOX, 1, 1, 50, 50), object(SETTER, 60, 60, 100, 80)));
        var s = IlsvrcScorer.score(file("s.txt", "2 1 1 50 50"), g, file("l.txt", "2"), IDS, Set.of(), false);
        assertEquals(0, s.top1Cls());
        assertEquals(1, s.top1Loc());
    }

    @Test
    void malformedXmlIsAnErrorNamingTheFile() throws IOException {
        Path g = gt(xml(object(FOX, 1, 1, 5, 5)), "<annotation><object><name>" + FOX + "</name><bndbox><xmin>1</xmin>");
        var e = assertThrows(IllegalArgumentException.class,
                () -> IlsvrcScorer.score(file("s.txt", "1 1 1 5 5", "1 1 1 5 5"), g, file("l.txt", "1", "1"), IDS, Set.of(), false));
        assertTrue(e.getMessage().contains("ILSVRC2012_val_00000002.xml") && e.getMessage().contains("not well-formed"), e.getMessage());
    }

    @Test
    void missingAndBadFieldsAreErrorsNamingTheFile() throws IOException {
        Path g1 = gt(xml("<object><name>" + FOX + "</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax></bndbox></object>"));
        var e = assertThrows(IllegalArgumentException.class,
                () -> IlsvrcScorer.score(file("s.txt", "1 1 1 5 5"), g1, file("l.txt", "1"), IDS, Set.of(), false));
        assertTrue(e.getMessage().contains("ILSVRC2012_val_00000001.xml") && e.getMessage().contains("<ymax>"), e.getMessage());

        Files.writeString(g1.resolve("ILSVRC2012_val_00000001.xml"), xml(object(FOX, 1, 1, 5, 5).replace("<xmax>5", "<xmax>five")));
        e = assertThrows(IllegalArgumentException.class,
                () -> IlsvrcScorer.score(file("s.txt", "1 1 1 5 5"), g1, file("l.txt", "1"), IDS, Set.of(), false));
        assertTrue(e.getMessage().contains("'five'"), e.getMessage());
    }

    @Test
    void mismatchedLengthsAndBadLines() throws IOException {
        Path g = gt(xml(object(FOX, 1, 1, 5, 5)), xml(object(FOX, 1, 1, 5, 5)));
        Path labels = file("l.txt", "1", "1");
        var e = assertThrows(IllegalArgumentException.class,
                () -> IlsvrcScorer.score(file("s.txt", "1 1 1 5 5"), g, labels, IDS, Set.of(), false));
        assertTrue(e.getMessage().contains("--partial"), e.getMessage());
        assertEquals(1, IlsvrcScorer.score(file("s.txt", "1 1 1 5 5"), g, labels, IDS, Set.of(), true).images());
        e = assertThrows(IllegalArgumentException.class,
                () -> IlsvrcScorer.score(file("s.txt", "1 1 1 5", "1 1 1 5 5"), g, labels, IDS, Set.of(), false));
        assertTrue(e.getMessage().contains("s.txt:1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> IlsvrcScorer.score(file("s.txt", "1 0 1 5 5", "1 1 1 5 5"), g, labels, IDS, Set.of(), false));
        assertTrue(e.getMessage().contains("1-based"), e.getMessage());
    }

    @Test
    void submissionLinesAreOneBasedAndInclusive() {
        var box = new HeatmapBoxes.PixelBox(0, 0, 9, 4, 50); // pixels 0..9 x 0..4 (0-based)
        assertEquals("7 1 1 10 5", Submission.format(List.of(Submission.Guess.of(7, box))));
        assertEquals(List.of(new Submission.Guess(7, 1, 1, 10, 5)), Submission.parse("7 1 1 10 5\n", "x"));
        assertEquals("3 1 1 640 480", Submission.format(List.of(Submission.Guess.wholeImage(3, 640, 480))));
    }
}
