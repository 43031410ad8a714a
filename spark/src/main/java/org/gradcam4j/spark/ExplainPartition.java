package org.gradcam4j.spark;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.gradcam4j.cli.ExplainOptions;
import org.gradcam4j.cli.ExplanationWriter;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.model.Model;

/**
 * The executor side of {@link ExplainJob}: streams one partition of {@code binaryFile} rows through the executor's
 * shared {@link Explainer} in batches of {@code --batch}, yielding the Parquet rows of each batch before the next is
 * decoded, and writes the side files (png / npz / summary.json) when asked. Side files go straight to their final
 * names, each written atomically and with the same bytes by any attempt of the task, so a retried or speculative
 * attempt rewrites identical files instead of adding new ones (idempotent by name).
 */
final class ExplainPartition implements MapPartitionsFunction<Row, Row> {
    private final List<String> args;
    private final Broadcast<Map<String, String>> names;
    private final String sideFilesDir;
    private final Broadcast<SerializableConfiguration> hadoop;
    private final LongAccumulator done;
    private final CollectionAccumulator<String> perExecutor;

    /**
     * @param args         the job's command line: parsed again on the executor, so it sees the same options
     * @param names        each image path's output folder name (the CLI's names)
     * @param sideFilesDir the local folder for the side files, or null for none
     * @param done         images finished (explained or failed), for the driver's progress
     * @param perExecutor  one "executor id TAB images TAB seconds" entry per finished task
     */
    ExplainPartition(List<String> args, Broadcast<Map<String, String>> names, String sideFilesDir,
                     Broadcast<SerializableConfiguration> hadoop, LongAccumulator done, CollectionAccumulator<String> perExecutor) {
        this.args = List.copyOf(args);
        this.names = names;
        this.sideFilesDir = sideFilesDir;
        this.hadoop = hadoop;
        this.done = done;
        this.perExecutor = perExecutor;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new Batches(input);
    }

    /** The GPU address Spark assigned to this task ({@code spark.task.resource.gpu.amount}), or null. */
    static String gpuAddress() {
        TaskContext tc = TaskContext.get();
        if (tc == null) return null;
        ResourceInformation gpu = tc.resources().get("gpu").getOrElse(() -> null);
        return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
    }

    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Deque<Row> ready = new ArrayDeque<>();
        private final ImageLoader loader = new ImageLoader();
        private final long started = System.nanoTime();
        private ExplainOptions.Plan plan;
        private Explainer explainer;
        private ExplanationWriter writer;
        private OutputRows.Placement where;
        private int images;
        private boolean reported;

        Batches(Iterator<Row> input) { this.input = input; }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && input.hasNext()) nextBatch();
            if (ready.isEmpty() && !reported) {
                reported = true;
                String exec = SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
                perExecutor.add(exec + "\t" + images + "\t" + (System.nanoTime() - started) / 1e9);
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) throw new NoSuchElementException();
            return ready.poll();
        }

        private void open() {
            if (explainer != null) return;
            ExplainJob job = ExplainJob.parse(args);
            ExplainOptions.Plan p = job.plan();
            Model model = ExecutorModels.model(job.explain, hadoop.value().value());
            plan = p.forModel(model);
            String address = gpuAddress();
            ExecutorModels.Placement placement = ExecutorModels.placement(plan.explainer().device(), address);
            explainer = ExecutorModels.explainer(job.explain, plan.explainer(), model, placement);
            where = new OutputRows.Placement(explainer.backend().name().equals("cuda") ? placement.device() : "cpu", address);
            if (sideFilesDir != null && !plan.save().isEmpty()) {
                writer = new ExplanationWriter(model, explainer.preprocessor(), plan.writerSettings());
            }
        }

        private void nextBatch() {
            open();
            int batchSize = plan.explainer().maxBatch();
            List<String> paths = new ArrayList<>();
            List<LoadedImage> batch = new ArrayList<>();
            while (batch.size() < batchSize && input.hasNext()) {
                Row r = input.next();
                String path = r.getAs("path");
                byte[] content = r.getAs("content");
                try {
                    batch.add(ExplainOptions.load(loader, explainer.preprocessor(), content, path));
                    paths.add(path);
                } catch (ImageException e) {
                    ready.add(OutputRows.error(path, name(path), e.getMessage()));
                    finished();
                }
            }
            if (batch.isEmpty()) return;
            List<ImageExplanation> results = explainer.explain(batch, plan.request());
            for (int i = 0; i < batch.size(); i++) {
                String path = paths.get(i);
                LoadedImage img = batch.get(i);
                ImageExplanation r = results.get(i);
                if (writer != null) writer.write(Path.of(sideFilesDir).resolve(name(path)), ExplainJob.localPath(path), img, r);
                for (Object[] v : OutputRows.results(img.width(), img.height(), r, boxes(r), where)) {
                    ready.add(OutputRows.row(path, name(path), v));
                }
                finished();
            }
        }

        private Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes(ImageExplanation r) {
            if (plan.boxes() == null) return null;
            Map<MapResult, List<HeatmapBoxes.PixelBox>> m = new IdentityHashMap<>();
            for (ClassExplanation ce : r.classes()) {
                for (MapResult map : ce.maps().values()) m.put(map, HeatmapBoxes.find(map.mapInOriginal(), plan.boxes()));
            }
            return m;
        }

        private void finished() {
            images++;
            done.add(1);
        }

        private String name(String path) {
            String n = names.value().get(path);
            return n != null ? n : ExplainJob.localPath(path).getFileName().toString();
        }
    }
}
