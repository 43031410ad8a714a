package org.gradcam4j.cli;

import java.util.ArrayList;
import org.gradcam4j.InvalidInputException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.Score;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.ImageException;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.localize.HeatmapBoxes;
import org.gradcam4j.method.Method;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.render.Colormap;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of {@code gradcam4j explain} that say what to compute and what to write, as a picocli mixin: the
 * command line's {@code explain} and the Spark job ({@code org.gradcam4j.spark.ExplainJob}) both mix it in, so both
 * take the same names with the same meanings and the same checks. What differs (the inputs, {@code --out},
 * {@code --resume}, {@code --report}) stays with each command.
 */
public final class ExplainOptions {
    static final Set<String> SAVE_KINDS = Set.of("png", "npz", "json");

    @Option(names = "--method", split = ",", defaultValue = "gradcam", paramLabel = "M", completionCandidates = Method.Tokens.class,
            description = "comma list of: ${COMPLETION-CANDIDATES} (all: every method the network has) (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--class", split = ",", paramLabel = "C",
            description = "classes to explain in every image: index, class id (wnid) or name; comma list")
    List<String> classes;

    @Option(names = "--top-k", paramLabel = "K", description = "explain each image's K top predicted classes (default: 1)")
    Integer topK;

    @Option(names = "--layer", paramLabel = "L", description = "target layer of the CAM methods (default: the last convolution)")
    String layer;

    @Option(names = "--score", defaultValue = "logit", paramLabel = "S", description = "logit or probability (default: ${DEFAULT-VALUE})")
    String score;

    @Option(names = "--colormap", defaultValue = "jet", paramLabel = "NAME", description = "jet, turbo or viridis (default: ${DEFAULT-VALUE})")
    String colormap;

    @Option(names = "--opacity", defaultValue = "0.5", paramLabel = "A", description = "heat map weight in the overlay, 0..1 (default: ${DEFAULT-VALUE})")
    double opacity;

    @Option(names = "--save", split = ",", defaultValue = "png,json", paramLabel = "KIND",
            description = "comma list of png, npz, json (summary.json) (default: ${DEFAULT-VALUE})")
    List<String> save;

    @Option(names = "--panel", description = "also write panel-c<class>.png: image | heat map | overlay | gradient")
    boolean panel;

    @Option(names = "--boxes", description = "weak localisation: a box per map (threshold, largest component), drawn on the "
            + "overlay png and listed in summary.json in original-image pixels; implied by any --box-* option")
    boolean boxes;

    @Mixin BoxOptions boxOptions;

    @Mixin AugmentOptions augmentOptions;

    @Mixin MethodOptions methodOptions;

    @Mixin ModelOptions modelOptions;

    /**
     * Everything the options say, checked, before any model is loaded. Usage errors are IllegalArgumentException.
     *
     * @param all          {@code --method all}: every method of the network (CAM only on a GAP head), see {@link #forModel}
     * @param methodTokens the methods in output order: CAM family, augmented, gradients
     * @param save         png, npz and/or json; empty for {@code --save none}
     * @param boxes        weak-localisation settings, or null when no box is asked for
     */
    public record Plan(boolean all, List<String> methodTokens, Set<String> save, boolean panel, Colormap colormap,
                       double opacity, Score score, List<String> classes, ExplainRequest request,
                       HeatmapBoxes.Settings boxes, Explainer.Options explainer) {
        /**
         * The plan for a loaded model: class references resolved (an unknown one is an error) and {@code all}
         * narrowed to the methods this network has.
         */
        public Plan forModel(Model model) {
            if (request.targets().isTopK()) ModelOptions.checkTopK(request.targets().k(), model);
            if (classes != null) for (String ref : classes) if (!ref.isBlank()) model.labels().resolve(ref);
            if (!all) return this;
            List<String> tokens = tokens(Method.all(model.architecture().head() == Head.GAP));
            ExplainRequest r = new ExplainRequest(tokens, request.targets(), request.layer(), request.score(),
                    request.predictions(), request.augmentation(), request.methodSettings());
            return new Plan(false, List.copyOf(tokens), save, panel, colormap, opacity, score, classes, r, boxes, explainer);
        }

        /** The settings of the per-image file writer (png / npz / summary.json under OUT/IMG/). */
        public ExplanationWriter.Settings writerSettings() {
            return new ExplanationWriter.Settings(save, panel, colormap, opacity, score, methodTokens, explainer.resize(), boxes);
        }
    }

    /** Checks the options that need no model and returns what they ask for. */
    public Plan plan() {
        boolean all = methods.stream().anyMatch(m -> m.trim().equalsIgnoreCase(Method.ALL));
        List<String> methodTokens = tokens(parseMethods(methods, true));
        Set<String> saveKinds = new LinkedHashSet<>();
        for (String s : save) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || (t.equals("none") && save.size() == 1)) continue;
            if (!SAVE_KINDS.contains(t)) throw new InvalidInputException("unknown --save kind '" + s + "' (expected png, npz or json)");
            saveKinds.add(t);
        }
        Colormap cmap = Colormap.parse(colormap);
        if (!(opacity >= 0 && opacity <= 1)) throw new InvalidInputException("--opacity must be in 0..1, got " + opacity);
        Score sc = Score.parse(score);
        if (classes != null && topK != null) throw new InvalidInputException("give --class or --top-k, not both");
        if (topK != null && topK < 1) throw new InvalidInputException("--top-k must be >= 1, got " + topK);
        Explainer.Options options = modelOptions.explainerOptions();
        List<String> classRefs = classes == null ? null : classes.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        Targets targets = classRefs != null ? Targets.classes(classRefs) : Targets.topK(topK == null ? 1 : topK);
        ExplainRequest request = new ExplainRequest(methodTokens, targets, layer, sc, 5, augmentOptions.settings(), methodOptions.settings());
        var boxSettings = boxes || boxOptions.given() ? boxOptions.settings() : null;
        return new Plan(all, List.copyOf(methodTokens), Set.copyOf(saveKinds), panel, cmap, opacity, sc, classRefs, request,
                boxSettings, options);
    }

    /** The method list of --method, its errors named as the option's. */
    static List<Method> parseMethods(List<String> tokens, boolean gapHead) {
        try {
            return Method.parseList(tokens, gapHead);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--method: " + e.getMessage(), e);
        }
    }

    /** Method tokens in the table's order within the request (CAM maps first, then augmented, then gradients). */
    private static List<String> tokens(List<Method> methods) {
        List<String> out = new ArrayList<>();
        for (Method.Family f : Method.Family.values()) for (Method m : methods) if (m.family() == f) out.add(m.token());
        return out;
    }

    /** Turns weak localisation on (the Spark job's {@code --localize} implies it). */
    public void requireBoxes() { boxes = true; }

    /** The {@code --weights} value as given (a file, a Hadoop URI in the Spark job, vgg16, demo, random:...). */
    public String weights() { return modelOptions.weights; }

    /** The {@code --arch} value, or null. */
    public String arch() { return modelOptions.arch; }

    /** {@code --quiet}. */
    public boolean quiet() { return modelOptions.quiet; }

    /** Loads the model {@code --weights} names (a missing or bad file is a WeightsException with the loader's message). */
    public Model loadModel() { return ModelSource.resolve(modelOptions.weights, modelOptions.arch); }

    /** Loads the model from {@code weights} (a local copy of the file {@code --weights} names), with {@code --arch}. */
    public Model loadModel(String weights) { return ModelSource.resolve(weights, modelOptions.arch); }

    /**
     * Decodes an image held in memory and checks that it fits the input geometry (resize none), so that a batch never
     * fails as a whole; the error names {@code name}.
     */
    public static LoadedImage load(ImageLoader loader, Preprocessor pre, byte[] bytes, String name) throws ImageException {
        LoadedImage img = loader.load(bytes, name);
        pre.geometry(img.width(), img.height(), img.source());
        return img;
    }
}
