package org.gradcam4j.spark;

import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
 * decoded, and writes the side files (png / npz / summary.json) when asked, through {@link SideFiles} (any Hadoop file
 * system; each file promoted atomically to its name, the same bytes from any attempt of the task).
 */
final class ExplainPartition implements MapPartitionsFunction<Row, Row> {
    private final List<String> args;
    private final Broadcast<Map<String, String>> names;
    private final SideFiles sideFiles;
    private final Broadcast<SerializableConfiguration> hadoop;
    private final LongAccumulator done;
    private final CollectionAccumulator<TaskReport> tasks;

    /**
     * @param args         the job's command line: parsed again on the executor, so it sees the same options
     * @param names        each image path's output folder name (the CLI's names)
     * @param sideFiles    where the side files go, or null for none
     * @param done         images finished (explained or failed), for the driver's progress
     * @param tasks        a report per finished task
     */
    ExplainPartition(List<String> args, Broadcast<Map<String, String>> names, SideFiles sideFiles,
                     Broadcast<SerializableConfiguration> hadoop, LongAccumulator done, CollectionAccumulator<TaskReport> tasks) {
        this.args = List.copyOf(args);
        this.names = names;
        this.sideFiles = sideFiles;
        this.hadoop = hadoop;
        this.done = done;
        this.tasks = tasks;
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

    private final class Batches extends ImageBatches {
        private final ImageLoader loader = new ImageLoader();
        private final long started = System.currentTimeMillis();
        private SideFiles.Task writer;
        private int images;

        Batches(Iterator<Row> input) { super(input); }

        @Override
        protected ExplainOptions options() { return ExecutorModels.options("job", args, ExplainJob::explainOptions); }

        @Override
        protected Model model(ExplainOptions o) { return ExecutorModels.model(o, hadoop.value().value()); }

        @Override
        protected void opened(Model model) {
            if (sideFiles != null && !plan.save().isEmpty()) {
                writer = sideFiles.open(new ExplanationWriter(model, explainer.preprocessor(), plan.writerSettings()), hadoop.value().value());
            }
        }

        @Override
        protected LoadedImage decode(Row r) throws ImageException {
            byte[] content = r.getAs("content");
            return ExplainOptions.load(loader, explainer.preprocessor(), content, r.getAs("path"));
        }

        @Override
        protected void failed(Row r, String error, Deque<Row> out) {
            String path = r.getAs("path");
            out.add(OutputRows.error(path, name(path), error));
            finished();
        }

        @Override
        protected void explained(Row in, LoadedImage img, ImageExplanation r, Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes,
                                 Deque<Row> out) {
            String path = in.getAs("path");
            if (writer != null) writer.write(name(path), ExplainJob.localPath(path), img, r);
            for (Object[] v : OutputRows.results(img.width(), img.height(), r, boxes, where)) out.add(OutputRows.row(path, name(path), v));
            finished();
        }

        @Override
        protected void done() {
            if (writer != null) writer.close();
            String exec = SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
            TaskContext tc = TaskContext.get();
            tasks.add(new TaskReport(exec, tc == null ? -1 : tc.taskAttemptId(), tc == null ? -1 : tc.partitionId(), gpuAddress(),
                    placement == null ? null : where.device(), placement == null ? null : placement.fallback(), images, started,
                    readyMillis == 0 ? started : readyMillis, System.currentTimeMillis()));
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
