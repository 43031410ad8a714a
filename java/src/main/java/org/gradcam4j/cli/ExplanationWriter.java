package org.gradcam4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.augment.AffineWarp;
import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.augment.SuperResolutionSolver;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.GradientResult;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.explain.Score;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.io.AtomicFiles;
import org.gradcam4j.io.Npz;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.method.Method;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.Model;
import org.gradcam4j.render.BoxOutlines;
import org.gradcam4j.render.Colormap;
import org.gradcam4j.render.GradientImages;
import org.gradcam4j.render.HeatmapImages;
import org.gradcam4j.render.Panel;
import org.gradcam4j.render.PngFiles;
import org.gradcam4j.tensor.Tensor;

/**
 * Writes one image's outputs under {@code OUT/IMG/} following the output contract (README, "Output files"):
 * per class {@code c} and method {@code m}, {@code m-c<c>.png} and {@code m-c<c>.npz}, {@code panel-c<c>.png},
 * and {@code summary.json} last, listing the others. Every file is written atomically, so a file that exists is complete, and a
 * {@code summary.json} whose listed files all exist marks the image complete for {@code --resume}.
 */
public final class ExplanationWriter {
    public static final String SUMMARY = "summary.json";

    /**
     * What to write. {@code save} holds png, npz and/or json; {@code boxes} turns on weak localisation (null: off).
     */
    public record Settings(Set<String> save, boolean panel, Colormap colormap, double opacity, Score score, List<String> methods,
                    ResizeMode resize, HeatmapBoxes.Settings boxes) {
        Settings(Set<String> save, boolean panel, Colormap colormap, double opacity, Score score, List<String> methods, ResizeMode resize) {
            this(save, panel, colormap, opacity, score, methods, resize, null);
        }
    }

    private final Model model;
    private final Preprocessor preprocessor;
    private final Settings settings;

    public ExplanationWriter(Model model, Preprocessor preprocessor, Settings settings) {
        this.model = model;
        this.preprocessor = preprocessor;
        this.settings = settings;
    }

    /** A file name a summary.json may list: non-empty and without a path separator (nothing outside its folder). */
    private static boolean plainName(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.contains("\\");
    }

    /** The plain file names an existing summary.json in {@code dir} lists (none when it is missing or unreadable). */
    private static List<String> listedFiles(Path dir) {
        Path summary = dir.resolve(SUMMARY);
        if (!Files.isRegularFile(summary)) return new ArrayList<>();
        try (InputStream in = Files.newInputStream(summary)) {
            return listedFiles(in);
        } catch (IOException e) {
            return new ArrayList<>();   // unreadable: leave the folder's other files alone
        }
    }

    /**
     * The plain file names a summary.json (read from {@code summary}) lists: the files an earlier run wrote for the
     * image. None when it is unreadable or not ours (the folder's other files are then left alone).
     */
    public static List<String> listedFiles(InputStream summary) {
        List<String> names = new ArrayList<>();
        try {
            for (JsonNode f : Json.MAPPER.readTree(summary).path("files")) {
                String name = f.asText("");
                if (plainName(name) && !name.equals(SUMMARY)) names.add(name);
            }
        } catch (IOException | RuntimeException e) {
            // not ours or damaged: leave the folder's other files alone
        }
        return names;
    }

    /**
     * The files of an earlier run of an image ({@code previous}, from its summary.json) that this run did not write
     * ({@code written}): removed before the new summary.json is written, so that another method list or other classes
     * leave no outputs of the earlier run beside the new ones. Only files the earlier summary listed are touched.
     */
    public static List<String> superseded(List<String> previous, List<String> written) {
        return previous.stream().filter(name -> !written.contains(name)).toList();
    }

    /**
     * Whether {@code dir} holds a complete result for {@code source}: a readable summary.json, made from the same
     * file (absolute path) with the same method list, all of whose listed files exist.
     */
    static boolean isComplete(Path dir, Path source, List<String> methods) {
        Path summary = dir.resolve(SUMMARY);
        if (!Files.isRegularFile(summary)) return false;
        try {
            JsonNode root = Json.MAPPER.readTree(summary.toFile());
            if (!root.path("imagePath").asText("").equals(source.toAbsolutePath().normalize().toString())) return false;
            List<String> done = new ArrayList<>();
            root.path("methods").forEach(m -> done.add(m.asText("")));
            if (!done.equals(methods)) return false;  // another method list: the outputs differ, so redo the image
            JsonNode files = root.path("files");
            if (!files.isArray()) return false;
            for (JsonNode f : files) {
                String name = f.asText("");
                if (!plainName(name) || !Files.isRegularFile(dir.resolve(name))) return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // unreadable or not ours: computed again
        }
    }

    /**
     * Writes every output of one image into {@code dir}; a previous summary.json is removed first, so an
     * interrupted rewrite is never taken as complete.
     *
     * @return the file names written before summary.json (the list summary.json holds)
     * @throws OutputException when a file cannot be written
     */
    public List<String> write(Path dir, Path source, LoadedImage image, ImageExplanation r) {
        List<String> files = new ArrayList<>();
        List<String> previous = listedFiles(dir);
        try {
            Files.deleteIfExists(dir.resolve(SUMMARY));
        } catch (IOException e) {
            throw new OutputException(dir.resolve(SUMMARY), e);
        }
        boolean png = settings.save().contains("png"), npz = settings.save().contains("npz");
        BufferedImage view = settings.panel() ? preprocessor.networkView(image.image(), image.source()) : null;
        Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes = new java.util.IdentityHashMap<>();
        for (ClassExplanation ce : r.classes()) {
            String c = "-c" + ce.classIndex();
            MapResult firstMap = null;
            for (Map.Entry<String, MapResult> e : ce.maps().entrySet()) {
                MapResult m = e.getValue();
                if (firstMap == null) firstMap = m;
                Tensor original = m.mapInOriginal(); // (H x W)
                String base = e.getKey() + c;
                List<HeatmapBoxes.PixelBox> found = settings.boxes() == null ? null : HeatmapBoxes.find(original, settings.boxes());
                if (found != null) boxes.put(m, found);
                if (png) {
                    BufferedImage over = HeatmapImages.overlay(image.image(), original, settings.colormap(), settings.opacity());
                    if (found != null) BoxOutlines.draw(over, corners(found), BoxOutlines.DEFAULT_COLOUR);
                    png(dir, base + ".png", over, files);
                }
                if (npz) {
                    Npz.Builder b = Npz.builder().put("layer_map", m.layerMap());
                    if (m.weights() != null) b.put("weights", m.weights());
                    b.put("map", original);
                    if (m.augmented() != null) augmentedArrays(b, m);
                    npz(dir, base + ".npz", b, files);
                }
            }
            GradientResult firstGradient = null;
            for (Map.Entry<String, GradientResult> e : ce.gradients().entrySet()) {
                GradientResult g = e.getValue();
                if (firstGradient == null) firstGradient = g;
                String base = e.getKey() + c;
                if (png) png(dir, base + ".png", GradientImages.render(g.values(), ChannelOrder.RGB), files);
                if (npz) {
                    boolean guidedCam = Method.parse(e.getKey()).guidingCam().isPresent();
                    Npz.Builder b = Npz.builder().put(guidedCam ? "map" : "grad", toHwc(g.values()));
                    if (!Double.isNaN(g.completenessGap())) b.put("completeness_gap", new Tensor(new float[] {(float) g.completenessGap()}, 1));
                    npz(dir, base + ".npz", b, files);
                }
            }
            if (settings.panel()) png(dir, "panel" + c + ".png", panel(view, firstMap, firstGradient), files);
        }
        for (String name : superseded(previous, files)) {
            try {
                Files.deleteIfExists(dir.resolve(name));
            } catch (IOException e) {
                throw new OutputException(dir.resolve(name), e);
            }
        }
        if (settings.save().contains("json")) {
            Path summary = dir.resolve(SUMMARY);
            try {
                AtomicFiles.write(summary, Json.MAPPER.writeValueAsBytes(summary(source, image, r, files, boxes)));
            } catch (IOException e) {
                throw new OutputException(summary, e);
            }
        }
        return files;
    }

    /** image | heat map | overlay (the network's view) | gradient; the tiles that exist for the methods asked. */
    private BufferedImage panel(BufferedImage view, MapResult map, GradientResult gradient) {
        List<Panel.Tile> tiles = new ArrayList<>();
        tiles.add(new Panel.Tile("image", view));
        if (map != null) {
            String label = Method.parse(map.method()).displayName();
            tiles.add(new Panel.Tile(label, HeatmapImages.colorize(map.map(), settings.colormap())));
            tiles.add(new Panel.Tile("overlay", HeatmapImages.overlay(view, map.map(), settings.colormap(), settings.opacity())));
        }
        if (gradient != null) {
            tiles.add(new Panel.Tile(Method.parse(gradient.method()).displayName(), GradientImages.render(gradient.values(), ChannelOrder.RGB)));
        }
        return Panel.compose(tiles, view.getWidth() >= 200 ? 2 : 1);
    }

    private static List<int[]> corners(List<HeatmapBoxes.PixelBox> boxes) {
        List<int[]> out = new ArrayList<>();
        for (HeatmapBoxes.PixelBox b : boxes) out.add(new int[] {b.xmin(), b.ymin(), b.xmax(), b.ymax()});
        return out;
    }

    /**
     * The augmented methods' extra arrays: {@code copies} (N x h x w, every copy's raw Grad-CAM layer map),
     * {@code angles} (N, radians), {@code shifts} (N x 2, dx dy in pixels) and {@code aggregate} (S x S, the map
     * before normalisation: for augmented-tv the solver's solution).
     */
    private static void augmentedArrays(Npz.Builder b, MapResult m) {
        AugmentedGradCam.Result res = m.augmented();
        List<AffineWarp> warps = res.observations().warps();
        float[] angles = new float[warps.size()], shifts = new float[2 * warps.size()];
        for (int l = 0; l < warps.size(); l++) {
            angles[l] = (float) warps.get(l).angle();
            shifts[2 * l] = (float) warps.get(l).dx();
            shifts[2 * l + 1] = (float) warps.get(l).dy();
        }
        b.put("copies", res.observations().layerMaps());
        b.put("angles", new Tensor(angles, warps.size()));
        b.put("shifts", new Tensor(shifts, warps.size(), 2));
        AugmentedGradCam.Aggregation a = AugmentedGradCam.Aggregation.of(Method.parse(m.method()));
        if (res.maps().containsKey(a)) b.put("aggregate", res.maps().get(a));
    }

    private ObjectNode summary(Path source, LoadedImage image, ImageExplanation r, List<String> files,
                               Map<MapResult, List<HeatmapBoxes.PixelBox>> boxes) {
        ObjectNode o = Json.object();
        o.put("image", source.toString());
        o.put("imagePath", source.toAbsolutePath().normalize().toString());
        o.put("width", image.width());
        o.put("height", image.height());
        o.put("format", image.format());
        o.set("model", Json.model(model));
        ObjectNode pre = Json.preprocessing(model.preprocessing(), settings.resize(), model.architecture().inputSize());
        var g = r.geometry();
        pre.putObject("crop").put("x", g.cropX()).put("y", g.cropY()).put("width", g.cropWidth()).put("height", g.cropHeight());
        o.set("preprocessing", pre);
        o.put("layer", r.layer());
        o.put("score", Json.lower(settings.score()));
        ArrayNode methods = o.putArray("methods");
        settings.methods().forEach(methods::add);
        o.set("predictions", Json.predictions(r.predictions()));
        ArrayNode classes = o.putArray("classes");
        for (ClassExplanation ce : r.classes()) {
            ObjectNode c = classes.addObject();
            c.put("index", ce.classIndex());
            c.put("id", ce.id());
            c.put("name", ce.name());
            Json.put(c, "logit", ce.logit());
            Json.put(c, "probability", ce.probability());
            ObjectNode maps = c.putObject("maps");
            for (MapResult m : ce.maps().values()) {
                ObjectNode mo = maps.putObject(m.method());
                mo.put("empty", m.empty());
                Json.put(mo, "layerMapMax", max(m.layerMap()));
                if (m.augmented() != null) augmentedJson(mo, m);
                List<HeatmapBoxes.PixelBox> found = boxes.get(m);
                if (found != null) boxesJson(mo, found);
            }
            ObjectNode grads = c.putObject("gradients");
            for (GradientResult gr : ce.gradients().values()) {
                ObjectNode go = grads.putObject(gr.method());
                double maxAbs = maxAbs(gr.values());
                go.put("zero", maxAbs == 0);
                Json.put(go, "maxAbs", maxAbs);
                if (!Double.isNaN(gr.completenessGap())) Json.put(go, "completenessGap", gr.completenessGap());
            }
        }
        ArrayNode f = o.putArray("files");
        files.forEach(f::add);
        return o;
    }

    /** Per augmented map: the copies, seed and, for augmented-tv, the solver's report. */
    private void augmentedJson(ObjectNode mo, MapResult m) {
        AugmentedGradCam.Result res = m.augmented();
        ObjectNode a = mo.putObject("augmented");
        a.put("copies", res.observations().warps().size());
        a.put("seed", res.settings().seed());
        a.put("emptyCopies", res.observations().emptyCopies());
        SuperResolutionSolver.Solution sol = res.solution();
        if (sol != null && Method.AUGMENTED_TV.token().equals(m.method())) {
            ObjectNode so = a.putObject("solver");
            so.put("name", res.settings().solver().name());
            so.put("iterations", sol.iterations());
            so.put("innerIterations", sol.innerIterations());
            Json.put(so, "objective", sol.objective());
            if (!Double.isNaN(sol.relativeGap())) Json.put(so, "relativeGap", sol.relativeGap());
            so.put("converged", sol.converged());
            Json.put(so, "seconds", sol.seconds());
        }
    }

    /** Boxes in original-image pixels, 0-based and inclusive; an empty map has none and says so. */
    private void boxesJson(ObjectNode mo, List<HeatmapBoxes.PixelBox> found) {
        ObjectNode bo = mo.putObject("localization");
        Json.put(bo, "threshold", settings.boxes().threshold());
        bo.put("components", settings.boxes().allComponents() ? "all" : "largest");
        bo.put("coordinates", "original image pixels, 0-based, inclusive");
        ArrayNode arr = bo.putArray("boxes");
        for (HeatmapBoxes.PixelBox b : found) {
            arr.addObject().put("xmin", b.xmin()).put("ymin", b.ymin()).put("xmax", b.xmax()).put("ymax", b.ymax()).put("pixels", b.area());
        }
        if (found.isEmpty()) bo.put("note", "the map is all zero: no box");
    }

    private static void png(Path dir, String name, BufferedImage img, List<String> files) {
        Path p = dir.resolve(name);
        try {
            PngFiles.write(img, p);
        } catch (IOException e) {
            throw new OutputException(p, e);
        }
        files.add(name);
    }

    private static void npz(Path dir, String name, Npz.Builder b, List<String> files) {
        Path p = dir.resolve(name);
        try {
            b.write(p);
        } catch (IOException e) {
            throw new OutputException(p, e);
        }
        files.add(name);
    }

    /** (3 x H x W) to (H x W x 3), channel order kept (RGB). */
    static Tensor toHwc(Tensor chw) {
        int h = chw.dim(1), w = chw.dim(2), plane = h * w;
        float[] src = chw.data(), dst = new float[src.length];
        for (int c = 0; c < 3; c++) for (int i = 0; i < plane; i++) dst[i * 3 + c] = src[c * plane + i];
        return new Tensor(dst, h, w, 3);
    }

    private static double max(Tensor t) {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : t.data()) m = Math.max(m, v);
        return m;
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }
}
