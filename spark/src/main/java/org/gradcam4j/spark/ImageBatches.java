package org.gradcam4j.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.gradcam4j.cli.ExplainOptions;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.model.Model;

/**
 * A partition's input rows streamed through the executor's shared {@link Explainer} in batches of {@code --batch}:
 * the output rows of a batch are handed out before the next batch is decoded, so a task holds one batch of images at
 * a time. An image that cannot be decoded becomes the subclass's error output and the batch goes on. Shared by the
 * job ({@link ExplainPartition}) and {@link GradCamTransformer}.
 */
abstract class ImageBatches implements Iterator<Row> {
    private final Iterator<Row> input;
    private final Deque<Row> ready = new ArrayDeque<>();
    private boolean opened, finished;
    protected ExplainOptions.Plan plan;
    protected Explainer explainer;
    protected OutputRows.Placement where;
    /** The device policy's choice for this task's GPU address (null until the first batch). */
    protected ExecutorModels.Placement placement;
    /** When the model and explainer were ready for this task (ms since the epoch; 0 until then). */
    protected long readyMillis;

    ImageBatches(Iterator<Row> input) { this.input = input; }

    /** The options, parsed on this executor. */
    protected abstract ExplainOptions options();

    /** The model {@code options} name (cached per JVM). */
    protected abstract Model model(ExplainOptions options);

    /** Decodes an input row's image and checks its geometry. */
    protected abstract LoadedImage decode(Row in) throws ImageException;

    /** The output of an input row whose image could not be decoded. */
    protected abstract void failed(Row in, String error, Deque<Row> out);

    /** The output of an explained image; {@code boxes} is null unless boxes were asked for. */
    protected abstract void explained(Row in, LoadedImage image, ImageExplanation r,
                                      Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes, Deque<Row> out);

    /** Called once after the last input row. */
    protected void done() {}

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && input.hasNext()) nextBatch();
        if (ready.isEmpty() && !finished) {
            finished = true;
            done();
        }
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return ready.poll();
    }

    private void open() {
        if (opened) return;
        ExplainOptions o = options();
        Model model = model(o);
        plan = o.plan().forModel(model);
        String address = ExplainPartition.gpuAddress();
        placement = ExecutorModels.placement(plan.explainer().device(), address);
        explainer = ExecutorModels.explainer(o, plan.explainer(), model, placement);
        where = new OutputRows.Placement(explainer.backend().name().equals("cuda") ? placement.device() : "cpu", address);
        opened = true;
        opened(model);
        readyMillis = System.currentTimeMillis();
    }

    /** After the model and explainer are ready, before the first batch. */
    protected void opened(Model model) {}

    private void nextBatch() {
        open();
        List<Row> rows = new ArrayList<>();
        List<LoadedImage> batch = new ArrayList<>();
        while (batch.size() < plan.explainer().maxBatch() && input.hasNext()) {
            Row r = input.next();
            try {
                batch.add(decode(r));
                rows.add(r);
            } catch (ImageException e) {
                failed(r, e.getMessage(), ready);
            }
        }
        if (batch.isEmpty()) return;
        List<ImageExplanation> results = explainer.explain(batch, plan.request());
        for (int i = 0; i < batch.size(); i++) {
            explained(rows.get(i), batch.get(i), results.get(i), boxes(results.get(i)), ready);
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
}
