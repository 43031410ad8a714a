package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.GradientResult;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.Box;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.localize.Boxes;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gradcam4j eval}: scores explanation methods on a dataset with ground-truth boxes ({@code DATA/boxes.csv},
 * as {@code gradcam4j canvases} writes it). Every map is of the image's ground-truth class.
 *
 * <ul>
 *   <li>localisation: box from the map (threshold x max, largest 8-connected component); a hit when IoU >= 0.5
 *       with the ground-truth box ("GT-known"); "top-1 loc" also needs the top-1 prediction right;</li>
 *   <li>pointing game: the map's maximum lies inside the ground-truth box;</li>
 *   <li>docs/ALGORITHMS.md section 7 on the first {@code --fidelity-images}: Average Drop %, % Increase in Confidence
 *       (image pixels multiplied by the normalised map), deletion / insertion AUC (pixels removed to black, or
 *       inserted into a black image, in decreasing map order over {@code --steps} equal steps; the class
 *       probability averaged over the steps' end points by the trapezoid rule).</li>
 * </ul>
 * Gradient-family methods (guided Grad-CAM and friends) are scored through their saliency map: the absolute
 * value summed over the colour channels, divided by its maximum. An image that cannot be read is reported and left
 * out (the scores are those of the data without it; exit 1). The loop runs through {@link BatchPipeline}: the next
 * batch is decoded while the network (explanations, fidelity passes) runs on this one and the previous one is scored.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score explanation methods against ground-truth boxes: localisation, pointing game, fidelity.",
                "DATA/boxes.csv lists file,class,xmin,ymin,xmax,ymax. Prints localisation accuracy at IoU >= 0.5, pointing game,",
                "Average Drop, Increase in Confidence and deletion/insertion AUC per method."})
final class EvalCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "folder with boxes.csv and the images it names")
    Path data;

    @Option(names = {"-m", "--methods"}, split = ",", paramLabel = "M,..", completionCandidates = org.gradcam4j.method.Method.Tokens.class,
            defaultValue = "cam,gradcam,gradcampp,guided-gradcam,guided-gradcampp",
            description = "methods to score, of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); cam needs a GAP head; augmented-* take --augment-copies etc.")
    List<String> methods;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "score the first N images only (0: all)")
    int limit;

    @Option(names = "--threshold", defaultValue = "0.15", paramLabel = "T", description = "box threshold as a fraction of the map's max (default: ${DEFAULT-VALUE})")
    double threshold;

    @Option(names = "--fidelity-images", defaultValue = "200", paramLabel = "N", description = "images for the fidelity metrics (default: ${DEFAULT-VALUE})")
    int fidelityImages;

    @Option(names = "--steps", defaultValue = "16", paramLabel = "K", description = "deletion/insertion steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Mixin ModelOptions modelOptions;

    @Mixin AugmentOptions augmentOptions;

    @Mixin MethodOptions methodOptions;

    @Mixin PipelineOption pipeline;

    /** Per-method sums. */
    static final class Score {
        int images, locHits, top1LocHits, pointingHits, empty, fidelity, increases;
        double iouSum, dropSum, deletionSum, insertionSum;
    }

    record Item(Path file, int label, Box box) {}

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (steps < 1 || fidelityImages < 0 || limit < 0) throw new InvalidInputException("--steps >= 1, --fidelity-images and --limit >= 0");
        Explainer.Options options = modelOptions.explainerOptions();
        Model model = modelOptions.loadModel();
        List<Item> items = readBoxes(data, model, limit);
        List<String> tokens = ExplainOptions.parseMethods(methods, model.architecture().head() == org.gradcam4j.model.Head.GAP)
                .stream().map(org.gradcam4j.method.Method::token).toList();
        Map<String, Score> scores = new LinkedHashMap<>();
        for (String m : tokens) scores.put(m, new Score());
        int[] counts = new int[3];   // scored, right, failed: written by the writer stage only
        ImageLoader loader = new ImageLoader();
        try (Explainer ex = Explainer.of(model, options);
             Progress progress = Progress.start("eval", items.size(), modelOptions.quiet, err)) {
            int[] fidelityLeft = {fidelityImages};   // the network stage's own: the first images read get the fidelity passes
            // decoding ahead and scoring behind the network (BatchPipeline); every sum below is added in input order
            new BatchPipeline<Input, Explainer.PreparedBatch, Scored>(items.size(), options.maxBatch(),
                    i -> ModelOptions.read(i, loader, ex.preprocessor(), items.get(i).file(), image -> new Input(items.get(i), image)),
                    batch -> ex.prepare(images(batch), request(tokens, batch)),
                    (batch, prepared) -> {
                        List<ImageExplanation> res = ExplainCommand.explainBatch(ex, images(batch), prepared, request(tokens, batch));
                        List<Scored> scored = new ArrayList<>();
                        for (int i = 0; i < batch.size(); i++) {
                            Map<String, double[]> probs = null;
                            if (fidelityLeft[0] > 0) {
                                fidelityLeft[0]--;
                                probs = new LinkedHashMap<>();
                                float[] pixels = ex.preprocessor().resizedRgb(batch.get(i).image().image(), res.get(i).geometry());
                                for (String m : tokens) {
                                    Tensor map = networkMap(res.get(i).classes().get(0), m);
                                    probs.put(m, fidelityProbabilities(ex, model.preprocessing(), pixels, map, batch.get(i).item().label()));
                                }
                            }
                            scored.add(new Scored(res.get(i), probs));
                        }
                        return scored;
                    },
                    new BatchPipeline.Writer<>() {
                        @Override public void failed(int index, String message) {
                            counts[2]++;
                            progress.message("error: " + message);
                            progress.step();
                        }

                        @Override public void done(int index, Input input, Scored result) {
                            counts[0]++;
                            if (score(input.item(), result, scores)) counts[1]++;
                            progress.step();
                        }
                    }).run(pipeline.sequential());
        }
        int scored = counts[0], failed = counts[2];
        if (scored == 0) {
            err.println("error: none of the " + items.size() + " images " + data.resolve("boxes.csv") + " lists could be read");
            err.flush();
            return Main.EXIT_SOME_FAILED;
        }
        out.printf(Locale.ROOT, "model: %s%ndata: %s, %d images%s; classification accuracy %.4f; box threshold %.2f of max; fidelity on %d images, %d steps%n",
                model.source(), data, scored, failed == 0 ? "" : " (" + failed + " more could not be read)", counts[1] / (double) scored,
                threshold, Math.min(fidelityImages, scored), steps);
        out.println("| method | loc acc (GT-known, IoU>=0.5) | top-1 loc acc | mean IoU | pointing game | empty maps | Average Drop % | Increase in Confidence % | deletion AUC (lower better) | insertion AUC (higher better) |");
        out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, Score> s : scores.entrySet()) {
            Score sc = s.getValue();
            double n = sc.images, f = Math.max(1, sc.fidelity);
            out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %d | %.2f | %.2f | %.4f | %.4f |%n", s.getKey(), sc.locHits / n,
                    sc.top1LocHits / n, sc.iouSum / n, sc.pointingHits / n, sc.empty, 100 * sc.dropSum / f, 100.0 * sc.increases / f,
                    sc.deletionSum / f, sc.insertionSum / f);
        }
        out.flush();
        return failed > 0 ? Main.EXIT_SOME_FAILED : Main.EXIT_OK;
    }

    /** An image of boxes.csv, decoded. */
    private record Input(Item item, LoadedImage image) {}

    /** The network stage's result for one image: its explanation and, on a fidelity image, each method's {@link #fidelityProbabilities}. */
    private record Scored(ImageExplanation explanation, Map<String, double[]> fidelity) {}

    private static List<LoadedImage> images(List<Input> batch) {
        return batch.stream().map(Input::image).toList();
    }

    /** Every method, each image's map of its ground-truth class. */
    private ExplainRequest request(List<String> tokens, List<Input> batch) {
        List<List<String>> targets = batch.stream().map(in -> List.of(Integer.toString(in.item().label()))).toList();
        return new ExplainRequest(tokens, Targets.perImage(targets), null, org.gradcam4j.explain.Score.LOGIT, 1,
                augmentOptions.settings(), methodOptions.settings());
    }

    /** Adds one image's localisation, pointing and fidelity results to every method's sums; whether its top-1 class is right. */
    private boolean score(Item it, Scored result, Map<String, Score> scores) {
        ImageExplanation e = result.explanation();
        boolean right = e.predictions().get(0).index() == it.label();
        ClassExplanation c = e.classes().get(0);
        for (Map.Entry<String, Score> s : scores.entrySet()) {
            Tensor netMap = networkMap(c, s.getKey());
            Tensor orig = e.geometry().mapToOriginal(netMap.reshape(1, netMap.dim(0), netMap.dim(1)));
            orig = orig.reshape(orig.dim(1), orig.dim(2));
            Score sc = s.getValue();
            sc.images++;
            Optional<Box> b = Boxes.fromMap(orig, threshold);
            if (b.isEmpty()) sc.empty++;
            double iou = b.map(x -> Boxes.iou(x, it.box())).orElse(0.0);
            sc.iouSum += iou;
            if (iou >= 0.5) { sc.locHits++; if (right) sc.top1LocHits++; }
            if (Boxes.pointingHit(orig, it.box())) sc.pointingHits++;
            if (result.fidelity() != null) fidelity(result.fidelity().get(s.getKey()), sc);
        }
        return right;
    }

    /** (S x S) the method's normalised map at network resolution, in [0, 1]. */
    static Tensor networkMap(ClassExplanation c, String method) {
        MapResult m = c.maps().get(method);
        if (m != null) return m.map();
        GradientResult g = c.gradients().get(method);
        if (g == null) throw new IllegalStateException("no result for method " + method);
        Tensor v = g.values();
        int s = v.dim(1) * v.dim(2);
        float[] out = new float[s];
        float max = 0;
        for (int p = 0; p < s; p++) {
            float a = Math.abs(v.data()[p]) + Math.abs(v.data()[s + p]) + Math.abs(v.data()[2 * s + p]);
            out[p] = a;
            max = Math.max(max, a);
        }
        if (max > 0) for (int p = 0; p < s; p++) out[p] /= max;
        return new Tensor(out, v.dim(1), v.dim(2));
    }

    /**
     * The class probabilities fidelity needs for one image and map: the image, the image times the map, then for each of
     * the {@code steps + 1} end points the deletion and the insertion image.
     */
    private double[] fidelityProbabilities(Explainer ex, Preprocessing pre, float[] rgb, Tensor map, int label) {
        int side = map.dim(0), plane = side * side;
        float[] m = map.data();
        Integer[] order = new Integer[plane];
        for (int i = 0; i < plane; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Float.compare(m[b], m[a]));
        List<float[]> inputs = new ArrayList<>();
        inputs.add(rgb);
        float[] masked = new float[3 * plane];
        for (int c = 0; c < 3; c++) for (int p = 0; p < plane; p++) masked[c * plane + p] = rgb[c * plane + p] * m[p];
        inputs.add(masked);
        for (int k = 0; k <= steps; k++) {
            int n = (int) Math.round((double) k * plane / steps);
            float[] del = rgb.clone(), ins = new float[3 * plane];
            for (int j = 0; j < n; j++) {
                int p = order[j];
                for (int c = 0; c < 3; c++) { del[c * plane + p] = 0; ins[c * plane + p] = rgb[c * plane + p]; }
            }
            inputs.add(del);
            inputs.add(ins);
        }
        return probabilities(ex, pre, inputs, side, label);
    }

    /** Adds Average Drop, Increase in Confidence, deletion and insertion AUC of one image and map ({@link #fidelityProbabilities}). */
    private void fidelity(double[] prob, Score sc) {
        double y = prob[0], o = prob[1];
        sc.fidelity++;
        sc.dropSum += Math.max(0, y - o) / y;
        if (y < o) sc.increases++;
        double del = 0, ins = 0;
        for (int k = 0; k <= steps; k++) {
            double w = k == 0 || k == steps ? 0.5 : 1;
            del += w * prob[2 + 2 * k];
            ins += w * prob[3 + 2 * k];
        }
        sc.deletionSum += del / steps;
        sc.insertionSum += ins / steps;
    }

    /** The class probability of each (3 x S x S) RGB 0..255 image. */
    private static double[] probabilities(Explainer ex, Preprocessing pre, List<float[]> rgbImages, int side, int label) {
        int plane = side * side, n = rgbImages.size();
        float[] x = new float[n * 3 * plane];
        for (int i = 0; i < n; i++) {
            float[] im = rgbImages.get(i);
            for (int rgb = 0; rgb < 3; rgb++) {
                int c = pre.channelOrder().rgbIndex(rgb);
                for (int p = 0; p < plane; p++) x[(i * 3 + c) * plane + p] = pre.apply(im[rgb * plane + p], c);
            }
        }
        double[] out = new double[n];
        Tensor logitsTensor = ex.logits(new Tensor(x, n, 3, side, side));
        float[] logits = logitsTensor.data();
        int k = logitsTensor.dim(1);
        for (int i = 0; i < n; i++) out[i] = Trainer.softmax(logits, i * k, k)[label];
        return out;
    }

    static List<Item> readBoxes(Path dir, Model model, int limit) throws IOException {
        Path csv = dir.resolve("boxes.csv");
        if (!Files.isRegularFile(csv)) throw new InvalidInputException(csv + " not found (expected file,class,xmin,ymin,xmax,ymax)");
        List<Item> items = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size() && (limit == 0 || items.size() < limit); i++) {
            String[] f = lines.get(i).split(",");
            if (f.length != 6) throw new InvalidInputException(csv + " line " + (i + 1) + ": expected 6 fields");
            int label = model.labels().resolve(f[1]);
            items.add(new Item(dir.resolve(f[0]), label, Box.ofPixels(Integer.parseInt(f[2].trim()), Integer.parseInt(f[3].trim()),
                    Integer.parseInt(f[4].trim()), Integer.parseInt(f[5].trim()))));
        }
        if (items.isEmpty()) throw new InvalidInputException(csv + " lists no images");
        return items;
    }
}
