package org.gradcam4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.gradcam4j.cli.Main;
import org.gradcam4j.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job in local mode ({@code local[2]}) against {@code gradcam4j explain} on the same folder: the same
 * floats in the Parquet rows and the same side files; a corrupt image becomes an error row and the rest complete;
 * resume skips what is there; bad weights fail before any task runs.
 *
 * <p>Identical floats need identical batches: the CPU backend's GEMM blocks its work by the batch's size, so an
 * image explained in a batch of 2 and in a batch of 6 differs by float rounding (last bits). Both runs here use
 * {@code --batch 1}; a batched job run is compared to the same CLI output to float tolerance.
 */
class ExplainJobTest {
    static final String METHODS = "gradcam,gradcampp,cam,vanilla";
    @TempDir static Path tmp;
    static Path images, cliOut, jobOut;
    static SparkSession spark;
    static ExplainJob.Summary summary;

    @BeforeAll
    static void runBoth() throws Exception {
        spark = LocalSpark.get();
        images = LocalSpark.samples(tmp.resolve("in"));
        Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5});
        cliOut = tmp.resolve("cli");
        jobOut = tmp.resolve("job");
        StringWriter cliErr = new StringWriter();
        int cli = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(cliErr), "explain", images.toString(),
                "--weights", "demo", "--method", METHODS, "--top-k", "2", "--save", "npz,json", "--boxes", "-q", "--batch", "1",
                "--out", cliOut.toString());
        assertEquals(Main.EXIT_SOME_FAILED, cli, cliErr.toString());   // the broken image
        ExplainJob.Summary[] s = new ExplainJob.Summary[1];
        int job = ExplainJob.run(s, "--input", images.toString(), "--weights", "demo", "--method", METHODS, "--top-k", "2",
                "--save", "npz,json", "--boxes", "--batch", "1", "--progress-seconds", "0", "--out", jobOut.toString());
        assertEquals(Main.EXIT_SOME_FAILED, job);
        summary = s[0];
    }

    static List<Row> rows() { return rows(jobOut); }

    static List<Row> rows(Path out) {
        return spark.read().parquet(out.resolve(ExplainJob.PARQUET).toString()).collectAsList();
    }

    @Test
    void parquetHoldsTheCliFloats() throws Exception {
        compareWithCli(rows(), 0f);
    }

    @Test
    void batchedJobAgreesWithTheCliToRounding() throws Exception {
        Path out = tmp.resolve("job-batched");
        int code = ExplainJob.run("--input", images.toString(), "--weights", "demo", "--method", METHODS, "--top-k", "2",
                "--save", "none", "--boxes", "--batch", "3", "--progress-seconds", "0", "--out", out.toString());
        assertEquals(Main.EXIT_SOME_FAILED, code);
        compareWithCli(rows(out), 1e-5f);
    }

    /** Every row against the CLI's summary.json and npz files, to within {@code tol} times the map's largest value. */
    private static void compareWithCli(List<Row> rows, float tol) throws Exception {
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        for (Row r : rows) {
            if (r.getAs("error") != null) continue;
            String name = r.getAs("name");
            int cls = r.getAs("class_index");
            String method = r.getAs("method");
            JsonNode summaryJson = json.readTree(cliOut.resolve(name).resolve("summary.json").toFile());
            JsonNode c = null;
            for (JsonNode x : summaryJson.path("classes")) if (x.path("index").asInt() == cls) c = x;
            assertNotNull(c, name + " class " + cls + " is not among the CLI's top-2");
            float p = (float) c.path("probability").asDouble(), l = (float) c.path("logit").asDouble();
            assertEquals(p, (float) r.getAs("probability"), tol * Math.max(1e-3f, p));
            assertEquals(l, (float) r.getAs("logit"), tol * Math.max(1f, Math.abs(l)));
            Path npz = cliOut.resolve(name).resolve(method + "-c" + cls + ".npz");
            if (method.equals("vanilla")) {
                assertNull(r.getAs("layer_map"));
                continue;
            }
            var lm = Npz.read(npz).tensor("layer_map");
            List<Float> got = r.getList(r.fieldIndex("layer_map"));
            float[] g = new float[got.size()];
            for (int i = 0; i < g.length; i++) g[i] = got.get(i);
            float max = 0;
            for (float v : lm.data()) max = Math.max(max, Math.abs(v));
            assertArrayEquals(lm.data(), g, tol * max, npz.toString());
            assertEquals(List.of(lm.dim(0), lm.dim(1)), r.getList(r.fieldIndex("layer_map_shape")));
            // the box the CLI listed for this map
            JsonNode box = c.path("maps").path(method).path("localization").path("boxes").get(0);
            Row b = r.<Row>getList(r.fieldIndex("boxes")).get(0);
            if (tol == 0) {
                assertEquals(box.path("xmin").asInt(), b.getInt(0));
                assertEquals(box.path("ymax").asInt(), b.getInt(3));
            }
            checked++;
        }
        assertEquals(6 * 2 * 3, checked, "6 images x 2 classes x 3 map methods");
        assertEquals(6 * 2 * 4 + 1, rows.size(), "one row per image, class and method, and the error row");
    }

    /**
     * The job lists a folder as binaryFile does (recursive; hidden files and non-images left out) and keeps the path
     * column's form for names that a URI escapes (a space, %, #, non-ASCII): every image gets its row, no error, and the
     * CLI's output folder name.
     */
    @Test
    void awkwardFileNamesAreListedAndNamedAsTheCliNamesThem() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("awkward").resolve("in"));
        Path sample = LocalSpark.samples(tmp.resolve("awkward").resolve("one"));
        Path png;
        try (Stream<Path> s = Files.list(sample)) {
            png = s.filter(p -> p.toString().endsWith(".png")).sorted().findFirst().orElseThrow();
        }
        List<String> names = List.of("a b%20c.png", "sub/\u00e9 x#1.png", "sub/deeper/plain.png");
        for (String n : names) Files.copy(png, Files.createDirectories(in.resolve(n).getParent()).resolve(in.resolve(n).getFileName()));
        Files.copy(png, in.resolve("_hidden.png"));
        Files.copy(png, in.resolve(".dot.png"));
        Files.writeString(in.resolve("notes.txt"), "not an image");
        Path cli = tmp.resolve("awkward").resolve("cli"), job = tmp.resolve("awkward").resolve("job");
        assertEquals(Main.EXIT_OK, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "explain", in.toString(),
                "--weights", "demo", "--method", "gradcam", "--save", "json", "-q", "--out", cli.toString()));
        assertEquals(Main.EXIT_OK, ExplainJob.run("--input", in.toString(), "--weights", "demo", "--method", "gradcam", "--save", "json",
                "--progress-seconds", "0", "--out", job.toString()));
        Map<String, String> nameOf = new HashMap<>();
        for (Row r : rows(job)) {
            assertNull(r.getAs("error"), r.toString());
            nameOf.put(r.getAs("path"), r.getAs("name"));
        }
        assertEquals(names.size(), nameOf.size(), nameOf.toString());
        for (String n : names) {
            String path = new org.apache.hadoop.fs.Path(in.resolve(n).toUri()).toString();
            assertTrue(nameOf.containsKey(path), path + " has no row: " + nameOf.keySet());
            assertTrue(Files.isRegularFile(cli.resolve(nameOf.get(path)).resolve("summary.json")), "the CLI names " + n + " otherwise: " + nameOf);
            assertTrue(Files.isRegularFile(job.resolve(nameOf.get(path)).resolve("summary.json")), nameOf.get(path));
        }
    }

    @Test
    void sideFilesAreTheCliFiles() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> dirs = Files.list(cliOut)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Path j = jobOut.resolve(d.getFileName());
                assertEquals(json.readTree(d.resolve("summary.json").toFile()), json.readTree(j.resolve("summary.json").toFile()), d.toString());
                try (Stream<Path> files = Files.list(d)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".npz")).toList()) {
                        var a = Npz.read(f);
                        var b = Npz.read(j.resolve(f.getFileName()));
                        assertEquals(a.names(), b.names());
                        for (String n : a.names()) assertArrayEquals(a.tensor(n).data(), b.tensor(n).data(), 0f, f + " " + n);
                    }
                }
            }
        }
    }

    /**
     * --out on a Hadoop file system that java.nio cannot reach ({@link ElsewhereFileSystem}, scheme {@code elsewhere:}):
     * the side files are written through Hadoop's API (created under temporary names, renamed into place) and are those
     * of the run into a local folder; the Parquet rows are there too.
     */
    @Test
    void sideFilesGoThroughHadoopsFileSystem() throws Exception {
        spark.sparkContext().hadoopConfiguration().set("fs." + ElsewhereFileSystem.SCHEME + ".impl", ElsewhereFileSystem.class.getName());
        Path local = tmp.resolve("job-elsewhere");
        String uri = ElsewhereFileSystem.SCHEME + "://" + local.toAbsolutePath();
        ElsewhereFileSystem.CREATED.clear();
        int code = ExplainJob.run("--input", images.toString(), "--weights", "demo", "--method", METHODS, "--top-k", "2",
                "--save", "npz,json", "--boxes", "--batch", "1", "--progress-seconds", "0", "--out", uri);
        assertEquals(Main.EXIT_SOME_FAILED, code);
        assertFalse(Files.exists(Path.of(ElsewhereFileSystem.SCHEME + ":")), "nothing written by java.nio under a folder named after the scheme");
        assertEquals(rows().size(), spark.read().parquet(uri + "/" + ExplainJob.PARQUET).count());
        ObjectMapper json = new ObjectMapper();
        int files = 0;
        try (Stream<Path> dirs = Files.list(jobOut)) {
            for (Path d : dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().endsWith(".parquet")).toList()) {
                Path e = local.resolve(d.getFileName());
                Set<String> expected = new HashSet<>(), got = new HashSet<>();
                try (Stream<Path> f = Files.list(d)) { f.forEach(p -> expected.add(p.getFileName().toString())); }
                try (Stream<Path> f = Files.list(e)) { f.forEach(p -> got.add(p.getFileName().toString())); }
                assertEquals(expected, got, e + ": the same files, no temporaries left");
                assertEquals(json.readTree(d.resolve("summary.json").toFile()), json.readTree(e.resolve("summary.json").toFile()));
                for (String n : expected) {
                    if (n.endsWith(".npz")) {
                        var a = Npz.read(d.resolve(n));
                        var b = Npz.read(e.resolve(n));
                        for (String t : a.names()) assertArrayEquals(a.tensor(t).data(), b.tensor(t).data(), 0f, n + " " + t);
                    }
                    // created through the file system under an attempt's temporary name, then renamed
                    String dir = e.toAbsolutePath().toString();
                    assertTrue(ElsewhereFileSystem.CREATED.stream().anyMatch(c -> c.startsWith(dir + "/." + n + ".") && c.endsWith(".tmp")),
                            n + " in " + dir + " was not created through Hadoop's API");
                    files++;
                }
            }
        }
        assertEquals(6 * (2 * 4 + 1), files, "6 images: per class 3 map npz + 1 gradient npz, and summary.json");
    }

    @Test
    void corruptImageIsAnErrorRowAndTheRestComplete() {
        List<Row> errors = rows().stream().filter(r -> r.getAs("error") != null).toList();
        assertEquals(1, errors.size());
        Row e = errors.get(0);
        assertTrue(((String) e.getAs("path")).endsWith("broken.png"));
        assertTrue(((String) e.getAs("error")).contains("broken.png"), (String) e.getAs("error"));
        assertNull(e.getAs("method"));
        Set<String> explained = new HashSet<>();
        for (Row r : rows()) if (r.getAs("error") == null) explained.add(r.getAs("name"));
        assertEquals(6, explained.size());
        assertEquals(6, summary.explained());
        assertEquals(1, summary.failed());
    }

    @Test
    void resumeSkipsWhatIsThere() {
        long before = rows().size();
        ExplainJob.Summary[] s = new ExplainJob.Summary[1];
        ExplainJob.run(s, "--input", images.toString(), "--weights", "demo", "--method", METHODS, "--top-k", "2",
                "--save", "npz,json", "--boxes", "--resume", "--progress-seconds", "0", "--out", jobOut.toString());
        assertEquals(6, s[0].skipped(), "the explained images");
        assertEquals(0, s[0].explained());
        assertEquals(1, s[0].failed(), "the broken image is tried again, and fails again");
        assertEquals(before, rows().size(), "its new error row replaces the old one");
    }

    /**
     * --resume tries failed images again: the first run has one undecodable image (an error row); a resumed run with
     * the image still broken leaves exactly one error row for it; once the file is mended, a resumed run explains it
     * (and only it), and the dataset holds every image exactly once, with no error row left.
     */
    @Test
    void resumeRetriesFailedImagesAndKeepsEachImageOnce() throws Exception {
        Path in = LocalSpark.samples(tmp.resolve("retry-in"));
        Path broken = in.resolve("zz-mended.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 9, 9, 9});
        Path out = tmp.resolve("retry-out");
        String[] args = {"--input", in.toString(), "--weights", "demo", "--method", "gradcam,vanilla", "--top-k", "2", "--save", "json",
                "--batch", "2", "--progress-seconds", "0", "--out", out.toString()};
        List<String> resumeArgs = new java.util.ArrayList<>(List.of(args));
        resumeArgs.add("--resume");
        ExplainJob.Summary[] s = new ExplainJob.Summary[1];
        assertEquals(Main.EXIT_SOME_FAILED, ExplainJob.run(s, args));
        assertEquals(1, s[0].failed());
        assertEquals(Main.EXIT_SOME_FAILED, ExplainJob.run(s, resumeArgs.toArray(String[]::new)));
        assertEquals(6, s[0].skipped());
        assertEquals(1, s[0].failed());
        assertOncePerImage(rows(out), 7, 1);

        Files.copy(in.resolve("canvas-coat.png"), broken, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(Main.EXIT_OK, ExplainJob.run(s, resumeArgs.toArray(String[]::new)));
        assertEquals(6, s[0].skipped());
        assertEquals(1, s[0].explained());
        assertEquals(0, s[0].failed());
        assertOncePerImage(rows(out), 7, 0);
        assertTrue(Files.isRegularFile(out.resolve("zz-mended").resolve("summary.json")));
        try (Stream<Path> files = Files.list(out.resolve(ExplainJob.PARQUET))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("_gradcam4j")), "no staging folder left");
        }
    }

    /** {@code images} images, {@code errors} of them with exactly one error row, the others one row per class and method. */
    private static void assertOncePerImage(List<Row> rows, int images, int errors) {
        Map<String, Integer> perKey = new HashMap<>();
        Set<String> paths = new HashSet<>(), failed = new HashSet<>();
        for (Row r : rows) {
            paths.add(r.getAs("path"));
            if (r.getAs("error") != null) failed.add(r.getAs("path"));
            perKey.merge(r.getAs("path") + " " + r.getAs("class_index") + " " + r.getAs("method"), 1, Integer::sum);
        }
        perKey.forEach((k, n) -> assertEquals(1, n, k));
        assertEquals(images, paths.size());
        assertEquals(errors, failed.size());
        assertEquals((images - errors) * 2 * 2 + errors, rows.size(), "2 classes x 2 methods per explained image, 1 row per failed one");
    }

    @Test
    void badWeightsFailAtOnceWithTheLoadersMessage() throws Exception {
        Path bad = tmp.resolve("bad.h5");
        Files.writeString(bad, "not an HDF5 file");
        StringWriter err = new StringWriter();
        long jobsBefore = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
        int code = runWithErr(err, "--input", images.toString(), "--weights", bad.toString(), "--out", tmp.resolve("bad-out").toString());
        assertEquals(Main.EXIT_MODEL, code, err.toString());
        assertTrue(err.toString().contains("bad.h5"), err.toString());
        assertEquals(jobsBefore, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length, "no Spark job ran");
        assertFalse(Files.exists(tmp.resolve("bad-out").resolve(ExplainJob.PARQUET)));
    }

    private static int runWithErr(StringWriter err, String... args) {
        var cl = new picocli.CommandLine(new ExplainJob());
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("error: " + Main.messageOf(ex));
            return Main.exitCodeOf(ex);
        });
        int code = cl.execute(args);
        cl.getErr().flush();
        return code;
    }

    @Test
    void localizeWritesTheSubmissionOfGradcam4jLocalize() throws Exception {
        Path valid = LocalSpark.samples(tmp.resolve("valid"));
        Path cliSubmission = tmp.resolve("localize.txt");
        assertEquals(Main.EXIT_OK, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "localize",
                valid.toString(), "--weights", "demo", "--ids", "index", "--batch", "1", "-q", "--out", cliSubmission.toString()));
        Path out = tmp.resolve("job-localize");
        assertEquals(Main.EXIT_OK, ExplainJob.run("--input", valid.toString(), "--weights", "demo", "--localize", "--ids", "index",
                "--top-k", "5", "--save", "none", "--batch", "1", "--progress-seconds", "0", "--out", out.toString()));
        List<String> expected = Files.readAllLines(cliSubmission);
        assertEquals(6, expected.size());
        assertEquals(expected, Files.readAllLines(out.resolve("submission.txt")));
    }

    /**
     * --localize with ground truth scores the submission as `gradcam4j score` would. The ground truth is made by hand
     * from the job's own guesses (line i of the submission: classes c_i1..c_i5 with boxes b_i1..b_i5, 1-based
     * inclusive), so that every case's outcome follows from the devkit's rules, whatever the model predicted:
     * <pre>
     * image  label   XML object                         cls top-1 / top-5   loc top-1 / top-5
     * 1      c_11    c_11, b_11                         right / right       right / right
     * 2      c_23    c_23, b_23                         wrong / right       wrong / right   (3rd guess)
     * 3      c_31    c_32, b_32                         right / right       wrong / right   (no c_31 object)
     * 4      999     c_41, b_41   (blacklisted)         wrong / wrong       left out of localisation
     * 5      c_51    c_51, b_51 twice as wide           right / right       right / right   (IoU = w h / 2 w h = 0.5, counts)
     * 6      c_61    c_61, b_61 twice as wide + 1 px    right / right       wrong / wrong   (IoU = w / (2w + 1) < 0.5)
     * </pre>
     * Classification over 6 images: top-1 wrong 2 (images 2, 4), top-5 wrong 1 (image 4). Localisation over the 5 not
     * blacklisted: top-1 wrong 3 (images 2, 3, 6), top-5 wrong 1 (image 6). Competition ids come from a hand-written
     * map-clsloc table (201..210 for the demo model's classes), so the XML's class names must go through it.
     */
    @Test
    void localizeScoresTheSubmissionAgainstGroundTruth() throws Exception {
        Path valid = LocalSpark.samples(tmp.resolve("scored"));
        List<String> wnids = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(Path.of("java/src/main/resources/org/gradcam4j/samples/classes.txt"))) {
            if (!l.isBlank()) wnids.add(l.split("\\s+")[0]);
        }
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < wnids.size(); i++) map.append(wnids.get(i)).append(' ').append(201 + i).append(" class").append(i).append('\n');
        Path mapFile = tmp.resolve("map_clsloc_demo.txt");
        Files.writeString(mapFile, map);
        Path out = tmp.resolve("job-scored");
        List<String> common = List.of("--input", valid.toString(), "--weights", "demo", "--localize", "--map-clsloc", mapFile.toString(),
                "--top-k", "5", "--save", "none", "--batch", "3", "--progress-seconds", "0", "--out", out.toString());
        assertEquals(Main.EXIT_OK, ExplainJob.run(common.toArray(String[]::new)));
        List<String> lines = Files.readAllLines(out.resolve("submission.txt"));
        assertEquals(6, lines.size());
        int[][][] g = new int[6][5][];   // [image][guess] = {class, xmin, ymin, xmax, ymax}
        for (int i = 0; i < 6; i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            assertEquals(25, f.length, lines.get(i));
            for (int j = 0; j < 5; j++) {
                g[i][j] = new int[5];
                for (int k = 0; k < 5; k++) g[i][j][k] = Integer.parseInt(f[5 * j + k]);
                assertTrue(g[i][j][0] >= 201 && g[i][j][0] <= 210, "competition id from the table: " + lines.get(i));
            }
        }
        Path xml = Files.createDirectories(tmp.resolve("scored-xml"));
        int[] label = {g[0][0][0], g[1][2][0], g[2][0][0], 999, g[4][0][0], g[5][0][0]};
        int[][] object = {g[0][0], g[1][2], g[2][1], g[3][0], wider(g[4][0], 0), wider(g[5][0], 1)};
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            labels.append(label[i]).append('\n');
            int[] o = object[i];
            Files.writeString(xml.resolve(String.format("val_%08d.xml", i + 1)), "<annotation><object><name>" + wnids.get(o[0] - 201)
                    + "</name><bndbox><xmin>" + o[1] + "</xmin><ymin>" + o[2] + "</ymin><xmax>" + o[3] + "</xmax><ymax>" + o[4]
                    + "</ymax></bndbox></object></annotation>");
        }
        Path labelFile = tmp.resolve("scored-labels.txt"), blacklist = tmp.resolve("scored-blacklist.txt");
        Files.writeString(labelFile, labels);
        Files.writeString(blacklist, "4\n");

        // the rerun explains nothing (--resume), rewrites the submission from the rows and scores it
        List<String> scored = new java.util.ArrayList<>(common);
        scored.addAll(List.of("--resume", "--ground-truth", xml.toString(), "--labels", labelFile.toString(), "--blacklist", blacklist.toString()));
        ExplainJob.Summary[] s = new ExplainJob.Summary[1];
        assertEquals(Main.EXIT_OK, ExplainJob.run(s, scored.toArray(String[]::new)));
        assertEquals(6, s[0].skipped());
        assertEquals(lines, Files.readAllLines(out.resolve("submission.txt")));
        var sc = s[0].scores().get("gradcam");
        assertNotNull(sc, "scores per map method: " + s[0].scores());
        assertEquals(new org.gradcam4j.localize.IlsvrcScorer.Scores(6, 5, 2, 1, 3, 1), sc);

        // the same ground truth and map-clsloc table on a file system java.nio cannot reach: read through Hadoop's API,
        // the same submission and scores
        spark.sparkContext().hadoopConfiguration().set("fs." + ElsewhereFileSystem.SCHEME + ".impl", ElsewhereFileSystem.class.getName());
        ElsewhereFileSystem.OPENED.clear();
        List<String> elsewhere = new java.util.ArrayList<>(common);
        elsewhere.set(elsewhere.indexOf("--map-clsloc") + 1, elsewhere(mapFile));
        elsewhere.addAll(List.of("--resume", "--ground-truth", elsewhere(xml), "--labels", elsewhere(labelFile), "--blacklist",
                elsewhere(blacklist)));
        assertEquals(Main.EXIT_OK, ExplainJob.run(s, elsewhere.toArray(String[]::new)));
        assertEquals(sc, s[0].scores().get("gradcam"));
        assertEquals(lines, Files.readAllLines(out.resolve("submission.txt")));
        Set<String> read = new HashSet<>(ElsewhereFileSystem.OPENED);
        assertTrue(read.contains(labelFile.toAbsolutePath().toString()) && read.contains(blacklist.toAbsolutePath().toString()), read.toString());
        assertTrue(read.contains(mapFile.toAbsolutePath().toString()), "--map-clsloc was not read through Hadoop's API: " + read);
        for (int i = 1; i <= 6; i++) {
            String x = xml.resolve(String.format("val_%08d.xml", i)).toAbsolutePath().toString();
            assertTrue(read.contains(x), x + " was not read through Hadoop's API: " + read);
        }
        StringWriter missing = new StringWriter();
        elsewhere.set(elsewhere.indexOf("--ground-truth") + 1, elsewhere(tmp.resolve("no-such-xml")));
        assertEquals(Main.EXIT_USAGE, runWithErr(missing, elsewhere.toArray(String[]::new)));
        assertTrue(missing.toString().contains("--ground-truth " + elsewhere(tmp.resolve("no-such-xml")) + " is not a folder"), missing.toString());
        StringWriter noMap = new StringWriter();
        List<String> badMap = new java.util.ArrayList<>(common);
        badMap.set(badMap.indexOf("--map-clsloc") + 1, elsewhere(tmp.resolve("no-such-map.txt")));
        badMap.add("--resume");
        assertEquals(Main.EXIT_USAGE, runWithErr(noMap, badMap.toArray(String[]::new)));
        assertTrue(noMap.toString().contains("--map-clsloc " + elsewhere(tmp.resolve("no-such-map.txt")) + ": no such file"), noMap.toString());

        // ground truth without --localize, or half of it, is a usage error
        StringWriter err = new StringWriter();
        assertEquals(Main.EXIT_USAGE, runWithErr(err, "--input", valid.toString(), "--weights", "demo", "--out", tmp.resolve("x").toString(),
                "--ground-truth", xml.toString(), "--labels", labelFile.toString()));
        assertTrue(err.toString().contains("--localize"), err.toString());
        err = new StringWriter();
        assertEquals(Main.EXIT_USAGE, runWithErr(err, "--input", valid.toString(), "--weights", "demo", "--out", tmp.resolve("x").toString(),
                "--localize", "--ground-truth", xml.toString()));
        assertTrue(err.toString().contains("--labels"), err.toString());
    }

    /** A local file or folder as a URI of the test-only {@code elsewhere:} file system ({@link ElsewhereFileSystem}). */
    private static String elsewhere(Path p) {
        return ElsewhereFileSystem.SCHEME + "://" + p.toAbsolutePath();
    }

    /**
     * A rerun with another method list into the same --out leaves only the new run's files in each image's folder,
     * on a local --out (the CLI's writer) and on a file system java.nio cannot reach (side files through Hadoop's
     * API) alike. The reference is `gradcam4j explain` itself, run the same two ways into a local folder: it removes the
     * files its earlier run's summary.json listed and the new run did not write.
     */
    @Test
    void rerunWithOtherMethodsLeavesOnlyTheNewRunsFiles() throws Exception {
        spark.sparkContext().hadoopConfiguration().set("fs." + ElsewhereFileSystem.SCHEME + ".impl", ElsewhereFileSystem.class.getName());
        Path in = LocalSpark.samples(tmp.resolve("rerun-in"));
        Path cli = tmp.resolve("rerun-cli"), local = tmp.resolve("rerun-job"), far = tmp.resolve("rerun-elsewhere");
        for (String methods : List.of("gradcam,vanilla", "gradcampp")) {
            List<String> common = List.of("--weights", "demo", "--method", methods, "--top-k", "2", "--save", "npz,json", "--batch", "2");
            List<String> cliArgs = new java.util.ArrayList<>(List.of("explain", in.toString(), "-q", "--out", cli.toString()));
            cliArgs.addAll(common);
            assertEquals(Main.EXIT_OK, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                    cliArgs.toArray(String[]::new)));
            for (String out : List.of(local.toString(), elsewhere(far))) {
                List<String> jobArgs = new java.util.ArrayList<>(List.of("--input", in.toString(), "--progress-seconds", "0", "--out", out));
                jobArgs.addAll(common);
                assertEquals(Main.EXIT_OK, ExplainJob.run(jobArgs.toArray(String[]::new)), out);
            }
            Map<String, Set<String>> expected = imageFiles(cli);
            assertEquals(6, expected.size());
            for (Set<String> files : expected.values()) {   // the CLI's own files: 2 classes x the methods, and summary.json
                assertEquals(2 * methods.split(",").length + 1, files.size(), files.toString());
                for (String f : files) assertTrue(f.equals("summary.json") || List.of(methods.split(",")).contains(f.substring(0, f.indexOf("-c"))), f);
            }
            assertEquals(expected, imageFiles(local), methods + ", local --out");
            assertEquals(expected, imageFiles(far), methods + ", --out through Hadoop's API");
        }
    }

    /** Per image folder under {@code out} (the Parquet dataset left out), the names of its files. */
    private static Map<String, Set<String>> imageFiles(Path out) throws java.io.IOException {
        Map<String, Set<String>> m = new java.util.TreeMap<>();
        try (Stream<Path> dirs = Files.list(out)) {
            for (Path d : dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().endsWith(".parquet")).toList()) {
                try (Stream<Path> f = Files.list(d)) {
                    m.put(d.getFileName().toString(), new java.util.TreeSet<>(f.map(p -> p.getFileName().toString()).toList()));
                }
            }
        }
        return m;
    }

    /** A guess {class, xmin, ymin, xmax, ymax} as an object twice as wide to the right, plus {@code extra} pixels. */
    private static int[] wider(int[] guess, int extra) {
        int w = guess[3] - guess[1] + 1;
        return new int[] {guess[0], guess[1], guess[2], guess[3] + w + extra, guess[4]};
    }

    @Test
    void namesAreTheClis() {
        Map<String, String> n = ExplainJob.outputNames(List.of("file:/a/x.png", "file:/a/b/x.png", "file:/a/y.jpg"));
        Map<String, String> expected = new HashMap<>(Map.of("file:/a/x.png", "x", "file:/a/b/x.png", "x_b", "file:/a/y.jpg", "y"));
        assertEquals(expected, n);
    }
}
