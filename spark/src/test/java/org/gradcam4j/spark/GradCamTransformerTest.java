package org.gradcam4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.gradcam4j.cli.Main;
import org.gradcam4j.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML Transformer against {@code gradcam4j explain} on the same images (both with batches of one image, so
 * the floats are identical; see ExplainJobTest): on binaryFile rows and on Spark's image source.
 */
class GradCamTransformerTest {
    @TempDir static Path tmp;
    static Path images, cliOut;
    static SparkSession spark;

    @BeforeAll
    static void cli() throws Exception {
        spark = LocalSpark.get();
        images = LocalSpark.samples(tmp.resolve("in"));
        Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 9, 9, 9});
        cliOut = tmp.resolve("cli");
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "explain", images.toString(),
                "--weights", "demo", "--method", "gradcam,layercam", "--top-k", "2", "--save", "npz,json", "-q", "--batch", "1",
                "--out", cliOut.toString());
        assertEquals(Main.EXIT_SOME_FAILED, code);
    }

    static GradCamTransformer transformer() {
        return new GradCamTransformer().setWeights("demo").setMethods("gradcam", "layercam").setTopK(2).setBatch(1);
    }

    @Test
    void binaryFileRowsGetTheCliResults() throws Exception {
        Dataset<Row> in = spark.read().format("binaryFile").load(images.toString());
        List<Row> rows = transformer().setInputCol("content").transform(in).collectAsList();
        assertEquals(7, rows.size());
        int explained = 0;
        for (Row r : rows) {
            String path = r.getAs("path");
            if (path.endsWith("broken.png")) {
                assertNull(r.getAs("explanations"));
                assertTrue(((String) r.getAs("explain_error")).contains("broken.png"));
                continue;
            }
            String name = Path.of(path.substring(path.lastIndexOf('/') + 1).replace(".png", "")).toString();
            check(name, r);
            explained++;
        }
        assertEquals(6, explained);
    }

    @Test
    void sparkImageSourceRowsGetTheCliResults() throws Exception {
        Dataset<Row> in = spark.read().format("image").option("dropInvalid", true).load(images.toString());
        List<Row> rows = transformer().setInputCol("image").transform(in).collectAsList();
        assertEquals(6, rows.size());
        for (Row r : rows) {
            String origin = r.getStruct(r.fieldIndex("image")).getAs("origin");
            check(origin.substring(origin.lastIndexOf('/') + 1).replace(".png", ""), r);
        }
    }

    /** A row's results against the CLI's summary.json and npz files of image {@code name}. */
    private static void check(String name, Row r) throws Exception {
        assertNull(r.getAs("explain_error"));
        JsonNode summary = new ObjectMapper().readTree(cliOut.resolve(name).resolve("summary.json").toFile());
        List<Row> results = r.getList(r.fieldIndex("explanations"));
        assertEquals(2 * 2, results.size(), "2 classes x 2 methods");
        for (Row e : results) {
            int cls = e.getAs("class_index");
            JsonNode c = summary.path("classes").get((int) e.getAs("rank") - 1);
            assertEquals(c.path("index").asInt(), cls);
            assertEquals((float) c.path("logit").asDouble(), (float) e.getAs("logit"), 0f);
            var lm = Npz.read(cliOut.resolve(name).resolve(e.getAs("method") + "-c" + cls + ".npz")).tensor("layer_map");
            List<Float> got = e.getList(e.fieldIndex("layer_map"));
            float[] g = new float[got.size()];
            for (int i = 0; i < g.length; i++) g[i] = got.get(i);
            assertArrayEquals(lm.data(), g, 0f, name);
        }
    }

    @Test
    void badUsageIsReportedOnTheDriver() {
        Dataset<Row> in = spark.read().format("binaryFile").load(images.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> transformer().setInputCol("nope").transform(in));
        assertTrue(e.getMessage().contains("nope"));
        var m = assertThrows(IllegalArgumentException.class, () -> transformer().setMethods("gradkam").transform(in));
        assertNotNull(m.getMessage());
    }
}
