package org.gradcam4j.method;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.gradcam4j.backend.ReluRule;

/**
 * The one method table: every explanation method, its command-line and file-name token, its family, the ReLU
 * rule of its backward pass and its weight function (docs/ALGORITHMS.md sections 3 to 5). A method name is
 * parsed here and nowhere else; {@code --method all}, the CLI help and the report's labels are generated from
 * this table, so a method added here reaches every part of the product.
 */
public enum Method {
    // ---- CAM family: a map at the target layer, from its activations (and gradients) ----
    GRADCAM("gradcam", "Grad-CAM", Family.CAM, ReluRule.GRADIENT, Weights.GRADIENT_MEAN),
    GRADCAM_PP("gradcampp", "Grad-CAM++", Family.CAM, ReluRule.GRADIENT, Weights.GRADCAM_PP),
    /** Grad-CAM++ as the authors' repository computes it (zero denominators to 1, per-channel alpha normalisation). */
    GRADCAM_PP_OFFICIAL("gradcampp-official", "Grad-CAM++ (official)", Family.CAM, ReluRule.GRADIENT, Weights.GRADCAM_PP_OFFICIAL),
    /** Class activation mapping: needs a global-average-pool + linear head, uses no gradients, keeps its sign. */
    CAM("cam", "CAM", Family.CAM, null, Weights.LINEAR_HEAD),
    HIRESCAM("hirescam", "HiResCAM", Family.CAM, ReluRule.GRADIENT, Weights.PER_POSITION_GRADIENT),
    XGRADCAM("xgradcam", "XGrad-CAM", Family.CAM, ReluRule.GRADIENT, Weights.XGRADCAM),
    LAYERCAM("layercam", "LayerCAM", Family.CAM, ReluRule.GRADIENT, Weights.PER_POSITION_POSITIVE_GRADIENT),
    /** Grad-CAM with the gradients negated: regions whose removal would raise the score. */
    COUNTERFACTUAL("counterfactual", "counterfactual Grad-CAM", Family.CAM, ReluRule.GRADIENT, Weights.NEGATIVE_GRADIENT_MEAN),
    /** The activations' first principal component over positions (no class score: one map per image). */
    EIGENCAM("eigencam", "Eigen-CAM", Family.CAM, null, Weights.EIGEN),
    /** The first principal component of gradient x activation. */
    EIGENGRADCAM("eigengradcam", "EigenGrad-CAM", Family.CAM, ReluRule.GRADIENT, Weights.EIGEN_GRADIENT),
    /** Channel weights from the scores of the input masked by each upsampled channel (one forward pass per channel). */
    SCORECAM("scorecam", "Score-CAM", Family.CAM, null, Weights.SCORE),
    /** Channel weights from the score drop when each channel is zeroed and forwarded from the target layer on. */
    ABLATIONCAM("ablationcam", "Ablation-CAM", Family.CAM, null, Weights.ABLATION),
    /** The score drop under a sliding black patch; its layer map is the grid of patch positions, its map per pixel. */
    OCCLUSION("occlusion", "Occlusion", Family.CAM, null, Weights.OCCLUSION),

    // ---- augmented Grad-CAM: Grad-CAM of warped copies, aggregated (docs/ALGORITHMS.md section 5) ----
    AUGMENTED_SINGLE("augmented-single", "Augmented Grad-CAM (single)", Family.AUGMENTED, ReluRule.GRADIENT, Weights.GRADIENT_MEAN),
    AUGMENTED_MAX("augmented-max", "Augmented Grad-CAM (max)", Family.AUGMENTED, ReluRule.GRADIENT, Weights.GRADIENT_MEAN),
    AUGMENTED_AVG("augmented-avg", "Augmented Grad-CAM (avg)", Family.AUGMENTED, ReluRule.GRADIENT, Weights.GRADIENT_MEAN),
    AUGMENTED_TV("augmented-tv", "Augmented Grad-CAM (TV super-resolution)", Family.AUGMENTED, ReluRule.GRADIENT, Weights.GRADIENT_MEAN),

    // ---- gradient family: dScore/dInput under one ReLU rule, optionally times a CAM map ----
    VANILLA("vanilla", "gradient", Family.GRADIENT, ReluRule.GRADIENT, Weights.NONE),
    GUIDED("guided", "guided backprop", Family.GRADIENT, ReluRule.GUIDED, Weights.NONE),
    DECONVNET("deconvnet", "deconvnet", Family.GRADIENT, ReluRule.DECONVNET, Weights.NONE),
    /** Guided backpropagation times the upsampled, max-normalised Grad-CAM of the same class. */
    GUIDED_GRADCAM("guided-gradcam", "guided Grad-CAM", Family.GRADIENT, ReluRule.GUIDED, Weights.NONE, GRADCAM),
    /** Guided backpropagation times the upsampled, max-normalised Grad-CAM++ of the same class. */
    GUIDED_GRADCAMPP("guided-gradcampp", "guided Grad-CAM++", Family.GRADIENT, ReluRule.GUIDED, Weights.NONE, GRADCAM_PP),
    /** The vanilla gradient averaged over noisy copies of the input (or its squared / VarGrad variant). */
    SMOOTHGRAD("smoothgrad", "SmoothGrad", Family.GRADIENT, ReluRule.GRADIENT, Sampling.NOISE),
    /** Guided backpropagation averaged over noisy copies of the input. */
    SMOOTHGRAD_GUIDED("smoothgrad-guided", "SmoothGrad (guided backprop)", Family.GRADIENT, ReluRule.GUIDED, Sampling.NOISE),
    /** The gradient integrated along the straight path from a baseline, times the input's difference from it. */
    INTEGRATED_GRADIENTS("integrated-gradients", "Integrated Gradients", Family.GRADIENT, ReluRule.GRADIENT, Sampling.PATH);

    /** What a method computes and which outputs it has (npz: CAM-type {@code layer_map} and {@code map}; gradient-type {@code grad}). */
    public enum Family {
        /**
         * A heat map: a layer map (at the target layer; Occlusion's is its grid of patch positions) and the map at the
         * input's size, divided by its maximum.
         */
        CAM,
        /** Grad-CAM over augmented copies of the input, aggregated at the input's size. */
        AUGMENTED,
        /** An image-shaped attribution (3 x S x S). */
        GRADIENT
    }

    /** Where a gradient-family method takes its input gradients: at the input itself, at noisy copies, along a path. */
    public enum Sampling { NONE, NOISE, PATH }

    /** How a CAM-family method turns the target layer's activations {@code A} (and gradients {@code g}) into its map. */
    public enum Weights {
        /** {@code w_k = mean_ij g}. */
        GRADIENT_MEAN,
        /** {@code w_k = -mean_ij g}. */
        NEGATIVE_GRADIENT_MEAN,
        /** {@code w_k = sum alpha ReLU(g)}, alpha with {@link Epsilons#GRADCAM_PP}. */
        GRADCAM_PP,
        /** The authors' Grad-CAM++ form. */
        GRADCAM_PP_OFFICIAL,
        /** {@code w_k = sum gA / (sum A + eps)}, eps {@link Epsilons#XGRADCAM}. */
        XGRADCAM,
        /** {@code w_k} the class's row of the linear head (CAM). */
        LINEAR_HEAD,
        /** No channel weights: {@code L = sum_k g^k * A^k} (HiResCAM). */
        PER_POSITION_GRADIENT,
        /** No channel weights: {@code L = sum_k ReLU(g^k) * A^k} (LayerCAM). */
        PER_POSITION_POSITIVE_GRADIENT,
        /** No channel weights: {@code L = ReLU(p)}, {@code p} the sign-fixed projection of {@code A} on its first principal axis. */
        EIGEN,
        /** As {@link #EIGEN}, of {@code g * A}. */
        EIGEN_GRADIENT,
        /** {@code w = softmax_k S(X * mask_k)} (or the paper's probability increase). */
        SCORE,
        /** {@code w_k = (y - y_k) / y}, {@code y_k} the score with channel {@code k} zeroed. */
        ABLATION,
        /** No channel weights: the score drop per patch position (not a target-layer map). */
        OCCLUSION,
        /** Not a CAM-family method. */
        NONE
    }

    private final String token;
    private final String displayName;
    private final Family family;
    private final ReluRule reluRule;
    private final Weights weights;
    private final Method guidingCam;
    private final Sampling sampling;

    Method(String token, String displayName, Family family, ReluRule reluRule, Weights weights) {
        this(token, displayName, family, reluRule, weights, null, Sampling.NONE);
    }

    Method(String token, String displayName, Family family, ReluRule reluRule, Weights weights, Method guidingCam) {
        this(token, displayName, family, reluRule, weights, guidingCam, Sampling.NONE);
    }

    Method(String token, String displayName, Family family, ReluRule reluRule, Sampling sampling) {
        this(token, displayName, family, reluRule, Weights.NONE, null, sampling);
    }

    Method(String token, String displayName, Family family, ReluRule reluRule, Weights weights, Method guidingCam, Sampling sampling) {
        this.token = token;
        this.displayName = displayName;
        this.family = family;
        this.reluRule = reluRule;
        this.weights = weights;
        this.guidingCam = guidingCam;
        this.sampling = sampling;
    }

    /** Where a gradient-family method takes its gradients ({@link Sampling#NONE} for every other method). */
    public Sampling sampling() { return sampling; }

    /** The file-name and command-line token, e.g. {@code gradcampp-official}. */
    public String token() { return token; }

    /** A human-readable name for labels and logs. */
    public String displayName() { return displayName; }

    public Family family() { return family; }

    /**
     * The rule every ReLU applies in this method's backward pass (the CAM family's backward stops at the target
     * layer, the gradient family's reaches the input); null for a method that needs no backward pass.
     */
    public ReluRule reluRule() { return reluRule; }

    /** The CAM family's weight function; {@link Weights#NONE} for the other families. */
    public Weights weights() { return weights; }

    /** The CAM method whose normalised map multiplies this gradient method's result, if any. */
    public Optional<Method> guidingCam() { return Optional.ofNullable(guidingCam); }

    public boolean isCam() { return family == Family.CAM; }

    public boolean isAugmented() { return family == Family.AUGMENTED; }

    public boolean isGradient() { return family == Family.GRADIENT; }

    /**
     * Whether the method runs the network again on inputs or activations it makes (masked, ablated, noisy,
     * interpolated, occluded copies): the forward-heavy methods of docs/ALGORITHMS.md section 8.
     */
    public boolean runsExtraPasses() { return weights == Weights.SCORE || weights == Weights.ABLATION || weights == Weights.OCCLUSION || sampling != Sampling.NONE; }

    /** Whether a CAM-family method reads {@code dScore/dA} at the target layer. */
    public boolean needsLayerGradients() { return family != Family.GRADIENT && reluRule != null; }

    /** Whether the method produces one weight per channel (HiResCAM and LayerCAM weight per position instead). */
    public boolean hasChannelWeights() {
        return switch (weights) {
            case PER_POSITION_GRADIENT, PER_POSITION_POSITIVE_GRADIENT, EIGEN, EIGEN_GRADIENT, OCCLUSION, NONE -> false;
            default -> true;
        };
    }

    /** Whether the layer map is passed through ReLU; CAM and Occlusion keep their signed maps. */
    public boolean appliesRelu() { return weights != Weights.LINEAR_HEAD && weights != Weights.OCCLUSION; }

    /** Whether the method needs a global-average-pooling head (CAM). */
    public boolean needsGapHead() { return weights == Weights.LINEAR_HEAD; }

    /** The token that stands for every method the network supports. */
    public static final String ALL = "all";

    /** One method by token (case-insensitive). */
    public static Method parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (Method m : values()) if (m.token.equals(t)) return m;
        throw new IllegalArgumentException("unknown method '" + s.trim() + "' (known: " + tokens() + ")");
    }

    /**
     * A method list in request order, duplicates removed, blank entries ignored; {@code all} (alone) is every
     * method the network supports (see {@link #all}). Every unknown name is reported at once.
     *
     * @param gapHead whether the network has a global-average-pooling head (what {@code all} includes CAM for)
     */
    public static List<Method> parseList(List<String> tokens, boolean gapHead) {
        boolean all = tokens.stream().anyMatch(t -> t.trim().equalsIgnoreCase(ALL));
        if (all) {
            if (tokens.stream().filter(t -> !t.isBlank()).count() > 1) throw new IllegalArgumentException("method 'all' stands alone (it means every method)");
            return all(gapHead);
        }
        Set<Method> out = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (String raw : tokens) {
            String t = raw.trim();
            if (t.isEmpty()) continue;
            Method found = null;
            for (Method m : values()) if (m.token.equalsIgnoreCase(t)) found = m;
            if (found == null) unknown.add(t);
            else out.add(found);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown method" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known: " + tokens() + ", or " + ALL + ")");
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no method given");
        return List.copyOf(out);
    }

    /** Every method, in table order; CAM only where the network has a global-average-pooling head. */
    public static List<Method> all(boolean gapHead) {
        return Arrays.stream(values()).filter(m -> gapHead || !m.needsGapHead()).toList();
    }

    /** The known tokens, comma separated, in table order. */
    public static String tokens() {
        return Arrays.stream(values()).map(Method::token).collect(Collectors.joining(", "));
    }

    /** The tokens for picocli's {@code ${COMPLETION-CANDIDATES}}: the CLI help lists exactly this table. */
    public static final class Tokens implements Iterable<String> {
        @Override public Iterator<String> iterator() {
            List<String> t = new ArrayList<>();
            for (Method m : values()) t.add(m.token);
            t.add(ALL);
            return t.iterator();
        }
    }

    @Override public String toString() { return token; }
}
