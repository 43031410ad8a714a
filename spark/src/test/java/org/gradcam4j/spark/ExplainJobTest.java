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
        assertEquals(7, s[0].skipped());
        assertEquals(0, s[0].explained() + s[0].failed());
        assertEquals(before, rows().size());
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

    @Test
    void namesAreTheClis() {
        Map<String, String> n = ExplainJob.outputNames(List.of("file:/a/x.png", "file:/a/b/x.png", "file:/a/y.jpg"));
        Map<String, String> expected = new HashMap<>(Map.of("file:/a/x.png", "x", "file:/a/b/x.png", "x_b", "file:/a/y.jpg", "y"));
        assertEquals(expected, n);
    }
}
