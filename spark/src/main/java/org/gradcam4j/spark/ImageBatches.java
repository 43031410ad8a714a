package org.gradcam4j.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * A partition's input rows streamed through the executor's shared {@link Explainer} in batches of {@code --batch}.
 * The next batch's rows are taken from the input on the task's thread and decoded on a helper thread of the task
 * while this batch is explained (as the CLI's pipeline decodes ahead; {@code -Dgradcam4j.pipeline=false} decodes on
 * the task's thread, one batch after another), so a task holds at most two batches of images. An image that cannot
 * be decoded becomes the subclass's error output, in input order, and the batch goes on. Shared by the job
 * ({@link ExplainPartition}) and {@link GradCamTransformer}.
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
    /** The thread decoding the next batch (null when decoding on the task's thread); its batch in {@link #ahead}. */
    private ExecutorService decoder;
    private Future<List<Decoded>> ahead;

    /** An input row and its image, or why it could not be decoded. */
    private record Decoded(Row row, LoadedImage image, String error) {}

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
        while (ready.isEmpty() && (ahead != null || input.hasNext())) nextBatch();
        if (ready.isEmpty() && !finished) {
            finished = true;
            stopDecoder();
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
        if (!"false".equalsIgnoreCase(org.gradcam4j.SystemProperty.PIPELINE.value())) {
            decoder = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "gradcam4j-decode-ahead");
                t.setDaemon(true);
                return t;
            });
        }
        readyMillis = System.currentTimeMillis();
    }

    /** After the model and explainer are ready, before the first batch. */
    protected void opened(Model model) {}

    private void nextBatch() {
        open();
        try {
            List<Decoded> current = ahead != null ? await(ahead) : decode(take());
            ahead = null;
            if (decoder != null && input.hasNext()) {
                List<Row> next = take();   // the input is read on the task's thread only
                ahead = decoder.submit(() -> decode(next));
            }
            List<Row> rows = new ArrayList<>();
            List<LoadedImage> batch = new ArrayList<>();
            for (Decoded d : current) {
                if (d.image() == null) {
                    failed(d.row(), d.error(), ready);
                } else {
                    rows.add(d.row());
                    batch.add(d.image());
                }
            }
            if (batch.isEmpty()) return;
            List<ImageExplanation> results = explainer.explain(batch, plan.request());
            for (int i = 0; i < batch.size(); i++) {
                explained(rows.get(i), batch.get(i), results.get(i), boxes(results.get(i)), ready);
            }
        } catch (RuntimeException | Error e) {
            stopDecoder();
            throw e;
        }
    }

    /** The next {@code --batch} input rows. */
    private List<Row> take() {
        List<Row> rows = new ArrayList<>();
        while (rows.size() < plan.explainer().maxBatch() && input.hasNext()) rows.add(input.next());
        return rows;
    }

    private List<Decoded> decode(List<Row> rows) {
        List<Decoded> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            try {
                out.add(new Decoded(r, decode(r), null));
            } catch (ImageException e) {
                out.add(new Decoded(r, null, e.getMessage()));
            }
        }
        return out;
    }

    private static List<Decoded> await(Future<List<Decoded>> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the next batch was decoded", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    private void stopDecoder() {
        if (decoder != null) decoder.shutdownNow();
        decoder = null;
        ahead = null;
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
