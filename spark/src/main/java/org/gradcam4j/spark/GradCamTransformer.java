package org.gradcam4j.spark;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.gradcam4j.cli.ExplainOptions;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.model.Model;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Grad-CAM and friends as a Spark ML {@link Transformer}, for JVM pipelines (Java or Scala):
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("photos/");
 * Dataset<Row> explained = new GradCamTransformer()
 *         .setWeights("vgg16.h5").setMethods(new String[] {"gradcam", "gradcampp"}).setTopK(2)
 *         .setInputCol("content")
 *         .transform(images);
 * }</pre>
 *
 * The input column holds encoded image files ({@code binaryFile}'s {@code content}) or the struct of Spark's
 * {@code image} source. Two columns are added: {@code outputCol} (default {@code explanations}), an array with one
 * struct per class and method (the result fields of the job's Parquet rows: rank, class_index, class_id, class_name,
 * probability, logit, method, layer, layer_map, layer_map_shape, empty, boxes, device, gpu_address), and
 * {@code errorCol} (default {@code explain_error}), the reason an image could not be decoded (null otherwise). The
 * options are the command line's ({@code --method}, {@code --top-k}, {@code --batch}, {@code --device}...), parsed by
 * the same code; each executor loads the model once.
 */
public final class GradCamTransformer extends Transformer {
    private static final long serialVersionUID = 1L;

    private final String uid;
    // Spark ML finds a stage's params through its public no-argument methods that return a Param (Scala's vals)
    private final Param<String> weights;
    private final StringArrayParam methods;
    private final IntParam topK;
    private final IntParam batch;
    private final Param<String> device;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> errorCol;

    public GradCamTransformer() { this(Identifiable$.MODULE$.randomUID("gradcam")); }

    public GradCamTransformer(String uid) {
        this.uid = uid;
        weights = new Param<>(this, "weights", "weights file (any Hadoop file system), vgg16, vgg19, demo or random:...");
        methods = new StringArrayParam(this, "methods", "method tokens, as gradcam4j explain --method");
        topK = new IntParam(this, "topK", "explain each image's K top predicted classes");
        batch = new IntParam(this, "batch", "images per forward pass");
        device = new Param<>(this, "device", "auto, cpu or cuda");
        inputCol = new Param<>(this, "inputCol", "the image column: encoded bytes or Spark's image struct");
        outputCol = new Param<>(this, "outputCol", "the results column (array of structs)");
        errorCol = new Param<>(this, "errorCol", "the error column (null when the image was explained)");
        setDefault(methods, new String[] {"gradcam"});
        setDefault(topK, 1);
        setDefault(batch, 8);
        setDefault(device, "auto");
        setDefault(inputCol, "content");
        setDefault(outputCol, "explanations");
        setDefault(errorCol, "explain_error");
    }

    @Override
    public String uid() { return uid; }

    public Param<String> weights() { return weights; }
    public StringArrayParam methods() { return methods; }
    public IntParam topK() { return topK; }
    public IntParam batch() { return batch; }
    public Param<String> device() { return device; }
    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> errorCol() { return errorCol; }

    public GradCamTransformer setWeights(String v) { set(weights, v); return this; }
    public GradCamTransformer setMethods(String... v) { set(methods, v); return this; }
    public GradCamTransformer setTopK(int v) { set(topK, v); return this; }
    public GradCamTransformer setBatch(int v) { set(batch, v); return this; }
    public GradCamTransformer setDevice(String v) { set(device, v); return this; }
    public GradCamTransformer setInputCol(String v) { set(inputCol, v); return this; }
    public GradCamTransformer setOutputCol(String v) { set(outputCol, v); return this; }
    public GradCamTransformer setErrorCol(String v) { set(errorCol, v); return this; }

    /** The struct of one class and method. */
    public static final StructType RESULT = new StructType(java.util.Arrays.copyOfRange(OutputRows.resultFields(), 2,
            OutputRows.resultFields().length));

    /** The same options as the command line, so that they are checked (and later parsed on executors) by the same code. */
    List<String> arguments() {
        if (!isDefined(weights) || getOrDefault(weights) == null) throw new IllegalArgumentException("GradCamTransformer: setWeights first");
        return List.of("--weights", getOrDefault(weights), "--method", String.join(",", getOrDefault(methods)),
                "--top-k", String.valueOf(getOrDefault(topK)), "--batch", String.valueOf(getOrDefault(batch)),
                "--device", getOrDefault(device), "--save", "none");
    }

    @Command(name = "gradcam-transformer")
    static final class Options {
        @Mixin ExplainOptions explain;
    }

    static ExplainOptions parse(List<String> args) {
        Options o = new Options();
        new CommandLine(o).parseArgs(args.toArray(String[]::new));
        return o.explain;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = getOrDefault(inputCol);
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new IllegalArgumentException("GradCamTransformer: no input column '" + in + "' in " + schema.simpleString());
        }
        DataType t = schema.apply(in).dataType();
        if (!(t instanceof BinaryType) && !isImageStruct(t)) {
            throw new IllegalArgumentException("GradCamTransformer: input column '" + in + "' is " + t.simpleString()
                    + "; expected binary (binaryFile's content) or Spark's image struct");
        }
        for (String c : List.of(getOrDefault(outputCol), getOrDefault(errorCol))) {
            if (java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("GradCamTransformer: output column '" + c + "' already exists");
            }
        }
        return schema.add(DataTypes.createStructField(getOrDefault(outputCol), DataTypes.createArrayType(RESULT, false), true))
                .add(DataTypes.createStructField(getOrDefault(errorCol), DataTypes.StringType, true));
    }

    static boolean isImageStruct(DataType t) {
        if (!(t instanceof StructType s)) return false;
        List<String> names = java.util.Arrays.asList(s.fieldNames());
        return names.containsAll(List.of("origin", "height", "width", "nChannels", "data"));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        StructType out = transformSchema(df.schema());
        List<String> args = arguments();
        parse(args).plan();   // bad options fail here, on the driver
        int in = df.schema().fieldIndex(getOrDefault(inputCol));
        boolean struct = isImageStruct(df.schema().apply(in).dataType());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        Broadcast<SerializableConfiguration> hadoop = jsc.broadcast(new SerializableConfiguration(jsc.hadoopConfiguration()));
        return df.mapPartitions(new Partition(args, in, struct, hadoop), Encoders.row(out));
    }

    @Override
    public GradCamTransformer copy(ParamMap extra) { return defaultCopy(extra); }

    /** The executor side: the input rows with the two columns added. */
    private static final class Partition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final List<String> args;
        private final int column;
        private final boolean struct;
        private final Broadcast<SerializableConfiguration> hadoop;

        Partition(List<String> args, int column, boolean struct, Broadcast<SerializableConfiguration> hadoop) {
            this.args = List.copyOf(args);
            this.column = column;
            this.struct = struct;
            this.hadoop = hadoop;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            ImageLoader loader = new ImageLoader();
            return new ImageBatches(input) {
                @Override
                protected ExplainOptions options() { return ExecutorModels.options("transformer", args, GradCamTransformer::parse); }

                @Override
                protected Model model(ExplainOptions o) { return ExecutorModels.model(o, hadoop.value().value()); }

                @Override
                protected LoadedImage decode(Row r) throws ImageException {
                    if (r.isNullAt(column)) throw new ImageException("(null)", ImageException.Problem.EMPTY, "no image (null)");
                    if (!struct) return ExplainOptions.load(loader, explainer.preprocessor(), (byte[]) r.get(column), name(r));
                    LoadedImage img = fromImageStruct(r.getStruct(column));
                    explainer.preprocessor().geometry(img.width(), img.height(), img.source());
                    return img;
                }

                private String name(Row r) {
                    int p = java.util.Arrays.asList(r.schema().fieldNames()).indexOf("path");
                    return p >= 0 && !r.isNullAt(p) ? r.getString(p) : "image";
                }

                @Override
                protected void failed(Row r, String error, Deque<Row> out) { out.add(append(r, null, error)); }

                @Override
                protected void explained(Row r, LoadedImage image, ImageExplanation e,
                                         Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes, Deque<Row> out) {
                    List<Row> results = new ArrayList<>();
                    for (Object[] v : OutputRows.results(image.width(), image.height(), e, boxes, where)) {
                        results.add(RowFactory.create(java.util.Arrays.copyOfRange(v, 2, v.length)));
                    }
                    out.add(append(r, results.toArray(Row[]::new), null));
                }
            };
        }

        private static Row append(Row r, Row[] results, String error) {
            Object[] v = new Object[r.length() + 2];
            for (int i = 0; i < r.length(); i++) v[i] = r.get(i);
            v[r.length()] = results;
            v[r.length() + 1] = error;
            return RowFactory.create(v);
        }
    }

    /**
     * Spark's image struct (OpenCV layout: rows of B, G, R[, A] bytes, or one grey byte) as an sRGB image.
     */
    static LoadedImage fromImageStruct(Row s) throws ImageException {
        String origin = s.getAs("origin");
        int h = s.<Integer>getAs("height"), w = s.<Integer>getAs("width"), c = s.<Integer>getAs("nChannels");
        byte[] data = s.getAs("data");
        String name = origin == null ? "image" : origin;
        if (w <= 0 || h <= 0 || data == null || (long) w * h * c != data.length || (c != 1 && c != 3 && c != 4)) {
            throw new ImageException(name, ImageException.Problem.CORRUPT, "not a decoded image (" + w + " x " + h + " x " + c + ")");
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * c;
                int b = data[o] & 0xff, g = c == 1 ? b : data[o + 1] & 0xff, r = c == 1 ? b : data[o + 2] & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return new LoadedImage(img, name, "spark-image", 1);
    }
}
