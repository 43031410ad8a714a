package org.gradcam4j.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.localize.Submission;

/**
 * The ILSVRC submission file(s) of {@code --localize}, built on the driver from the committed Parquet rows: the format
 * of {@code gradcam4j localize} (docs/ALGORITHMS.md section 6): per image, sorted by path, the guesses
 * "class_id xmin ymin xmax ymax" (1-based inclusive) of its classes in rank order, the box being the map's first box
 * or the whole image when the map is all zero.
 */
final class Submissions {
    private Submissions() {}

    /** A submission file written: its map method, where it is, and its text. */
    record Written(String method, Path file, String text) {}

    /** Writes one file per map method (submission.txt, or submission.METHOD.txt with several). */
    static List<Written> write(SparkSession spark, Path parquet, Path out, List<String> methods, int[] classIds) throws IOException {
        List<String> maps = new ArrayList<>();
        List<org.gradcam4j.method.Method> parsed = org.gradcam4j.method.Method.parseList(methods, true);
        for (org.gradcam4j.method.Method m : parsed) if (m.isCam()) maps.add(m.token());
        for (org.gradcam4j.method.Method m : parsed) if (m.isAugmented()) maps.add(m.token());
        List<Written> written = new ArrayList<>();
        FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
        for (String method : maps) {
            Map<String, TreeMap<Integer, Submission.Guess>> byImage = new TreeMap<>();
            List<Row> rows = spark.read().parquet(ExplainJob.escapeGlob(parquet.toString())).where(org.apache.spark.sql.functions.col("method").equalTo(method))
                    .select("path", "rank", "class_index", "width", "height", "boxes").collectAsList();
            for (Row r : rows) {
                List<HeatmapBoxes.PixelBox> found = new ArrayList<>();
                for (Row b : r.<Row>getList(5)) found.add(new HeatmapBoxes.PixelBox(b.getInt(0), b.getInt(1), b.getInt(2), b.getInt(3), b.getInt(4)));
                byImage.computeIfAbsent(r.getString(0), k -> new TreeMap<>())
                        .put(r.getInt(1), Submission.Guess.of(classIds[r.getInt(2)], found, r.getInt(3), r.getInt(4)));
            }
            StringBuilder text = new StringBuilder();
            for (TreeMap<Integer, Submission.Guess> guesses : byImage.values()) {
                text.append(Submission.format(new ArrayList<>(guesses.values()))).append('\n');
            }
            Path file = new Path(out, maps.size() == 1 ? "submission.txt" : "submission." + method + ".txt");
            Path tmp = new Path(out, "." + file.getName() + ".tmp");
            try (OutputStream o = fs.create(tmp, true)) {
                o.write(text.toString().getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(file, false);
            if (!fs.rename(tmp, file)) throw new IOException("cannot rename " + tmp + " to " + file);
            written.add(new Written(method, file, text.toString()));
        }
        return written;
    }
}
