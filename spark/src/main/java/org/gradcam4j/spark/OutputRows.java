package org.gradcam4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.GradientResult;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.tensor.Tensor;

/**
 * The rows of {@code OUT/explanations.parquet} (docs/SPARK.md, "Output"): one per image, class and method, and one
 * row with only {@code path}, {@code name} and {@code error} for an image that failed.
 */
public final class OutputRows {
    private OutputRows() {}

    /** A localisation box in original-image pixels, 0-based and inclusive (as in summary.json). */
    public static final StructType BOX = new StructType(new StructField[] {
            DataTypes.createStructField("xmin", DataTypes.IntegerType, false),
            DataTypes.createStructField("ymin", DataTypes.IntegerType, false),
            DataTypes.createStructField("xmax", DataTypes.IntegerType, false),
            DataTypes.createStructField("ymax", DataTypes.IntegerType, false),
            DataTypes.createStructField("pixels", DataTypes.IntegerType, false)});

    /** The result columns, shared by the job and {@link GradCamTransformer} (which has no path/name/error of its own). */
    static StructField[] resultFields() {
        return new StructField[] {
                DataTypes.createStructField("width", DataTypes.IntegerType, true),
                DataTypes.createStructField("height", DataTypes.IntegerType, true),
                DataTypes.createStructField("rank", DataTypes.IntegerType, true),
                DataTypes.createStructField("class_index", DataTypes.IntegerType, true),
                DataTypes.createStructField("class_id", DataTypes.StringType, true),
                DataTypes.createStructField("class_name", DataTypes.StringType, true),
                DataTypes.createStructField("probability", DataTypes.FloatType, true),
                DataTypes.createStructField("logit", DataTypes.FloatType, true),
                DataTypes.createStructField("method", DataTypes.StringType, true),
                DataTypes.createStructField("layer", DataTypes.StringType, true),
                DataTypes.createStructField("layer_map", DataTypes.createArrayType(DataTypes.FloatType, false), true),
                DataTypes.createStructField("layer_map_shape", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
                DataTypes.createStructField("empty", DataTypes.BooleanType, true),
                DataTypes.createStructField("boxes", DataTypes.createArrayType(BOX, false), true),
                DataTypes.createStructField("device", DataTypes.StringType, true),
                DataTypes.createStructField("gpu_address", DataTypes.StringType, true)};
    }

    /** The Parquet schema: path and name, the result columns, error. */
    public static final StructType SCHEMA;

    static {
        List<StructField> f = new ArrayList<>();
        f.add(DataTypes.createStructField("path", DataTypes.StringType, false));
        f.add(DataTypes.createStructField("name", DataTypes.StringType, true));
        f.addAll(List.of(resultFields()));
        f.add(DataTypes.createStructField("error", DataTypes.StringType, true));
        SCHEMA = new StructType(f.toArray(StructField[]::new));
    }

    /** Where a task ran: the device the policy chose ("cpu", "cuda:1") and the GPU address Spark assigned (or null). */
    record Placement(String device, String gpuAddress) {}

    /**
     * The result values of one image, one {@code Object[]} per class and method (CAM family first, then the gradient
     * methods, each in request order), laid out as {@link #resultFields()}.
     */
    static List<Object[]> results(int width, int height, ImageExplanation r, Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes,
                                  Placement where) {
        List<Object[]> out = new ArrayList<>();
        int rank = 0;
        for (ClassExplanation ce : r.classes()) {
            rank++;
            for (MapResult m : ce.maps().values()) {
                Tensor lm = m.layerMap();
                List<HeatmapBoxes.PixelBox> found = boxes == null ? null : boxes.get(m);
                out.add(new Object[] {width, height, rank, ce.classIndex(), ce.id(), ce.name(), ce.probability(), ce.logit(),
                        m.method(), r.layer(), lm.data().clone(), new int[] {lm.dim(0), lm.dim(1)}, m.empty(),
                        found == null ? null : boxRows(found), where.device(), where.gpuAddress()});
            }
            for (GradientResult g : ce.gradients().values()) {
                out.add(new Object[] {width, height, rank, ce.classIndex(), ce.id(), ce.name(), ce.probability(), ce.logit(),
                        g.method(), null, null, null, null, null, where.device(), where.gpuAddress()});
            }
        }
        return out;
    }

    /** Spark's row encoder takes arrays (or Scala sequences) for array columns, not java.util lists. */
    private static Row[] boxRows(List<HeatmapBoxes.PixelBox> found) {
        Row[] l = new Row[found.size()];
        for (int i = 0; i < l.length; i++) {
            HeatmapBoxes.PixelBox b = found.get(i);
            l[i] = RowFactory.create(b.xmin(), b.ymin(), b.xmax(), b.ymax(), b.area());
        }
        return l;
    }

    /** A full row: path, name, the result values, no error. */
    static Row row(String path, String name, Object[] result) {
        Object[] v = new Object[SCHEMA.size()];
        v[0] = path;
        v[1] = name;
        System.arraycopy(result, 0, v, 2, result.length);
        return RowFactory.create(v);
    }

    /** The row of an image that failed: path, name and the error; the result columns are null. */
    static Row error(String path, String name, String error) {
        Object[] v = new Object[SCHEMA.size()];
        v[0] = path;
        v[1] = name;
        v[v.length - 1] = error;
        return RowFactory.create(v);
    }
}
