package org.gradcam4j.method;

import java.util.Arrays;
import org.gradcam4j.tensor.Tensor;

/**
 * The CAM-family formulas of docs/ALGORITHMS.md section 3 as pure functions over tensors, independent of any
 * backend: channel weights and layer maps from the target layer's activations and gradients.
 *
 * <p>Shapes used throughout: activations {@code A} (N x C x h x w, after the layer's ReLU); gradients
 * {@code g = dS/dA} (M x C x h x w), one row per seed; {@code imageOf} (M) says which image of the forward
 * batch each seed row belongs to, so that several classes of one image share one activation. Per-element
 * terms are evaluated in double and every sum is accumulated in double; results are stored as float.
 */
public final class CamMath {
    private CamMath() {}

    /**
     * Channel weights and layer maps of one gradient-based method.
     *
     * @param activations (N x C x h x w) target-layer output after ReLU
     * @param gradients   (M x C x h x w) dScore/dA, one row per seed
     * @param imageOf     (M) image index of each seed row, in 0..N-1
     * @param method      a CAM-family or augmented method; its {@link Method#weights()} picks the formula
     * @throws IllegalArgumentException for CAM, which needs the linear head (see {@link #cam}), and for methods
     *                                  that are not computed from target-layer gradients
     */
    public static CamLayerMaps compute(Method method, Tensor activations, Tensor gradients, int[] imageOf) {
        checkShapes(activations, gradients, imageOf);
        return switch (method.weights()) {
            case GRADIENT_MEAN -> weighted(method, gradCamWeights(gradients), activations, imageOf);
            case NEGATIVE_GRADIENT_MEAN -> weighted(method, counterfactualWeights(gradients), activations, imageOf);
            case GRADCAM_PP -> weighted(method, gradCamPlusPlusWeights(activations, gradients, imageOf), activations, imageOf);
            case GRADCAM_PP_OFFICIAL -> weighted(method, gradCamPlusPlusOfficialWeights(activations, gradients, imageOf), activations, imageOf);
            case XGRADCAM -> weighted(method, xGradCamWeights(activations, gradients, imageOf), activations, imageOf);
            case PER_POSITION_GRADIENT -> new CamLayerMaps(method, null, hiResCamMaps(activations, gradients, imageOf));
            case PER_POSITION_POSITIVE_GRADIENT -> new CamLayerMaps(method, null, layerCamMaps(activations, gradients, imageOf));
            case EIGEN_GRADIENT -> new CamLayerMaps(method, null,
                    EigenCam.layerMaps(EigenCam.gradientTimesActivation(activations, gradients, imageOf)));
            case LINEAR_HEAD -> throw new IllegalArgumentException(
                    "CAM weights the activations with the linear head, not with gradients: call CamMath.cam(...)");
            case EIGEN -> throw new IllegalArgumentException("Eigen-CAM reads no gradients: call CamMath.eigenCam(...)");
            case SCORE, ABLATION, OCCLUSION -> throw new IllegalArgumentException(method + " runs the network on masked inputs: the facade computes it");
            case NONE -> throw new IllegalArgumentException(method + " is not a CAM-family method");
        };
    }

    private static CamLayerMaps weighted(Method method, Tensor weights, Tensor activations, int[] imageOf) {
        return new CamLayerMaps(method, weights, weightedSum(activations, weights, imageOf, true));
    }

    /**
     * CAM: {@code L = sum_k W[c,k] A^k} with no ReLU; the weights are the class's row of the linear layer.
     *
     * @param activations   (N x C x h x w) the layer feeding global average pooling
     * @param linearWeights (classes x C) the linear layer after global average pooling
     * @param classes       (M) the class explained by each seed row
     * @param imageOf       (M) image index of each seed row
     */
    public static CamLayerMaps cam(Tensor activations, Tensor linearWeights, int[] classes, int[] imageOf) {
        requireRank(activations, 4, "activations", "N x C x h x w");
        requireRank(linearWeights, 2, "linear weights", "classes x C");
        int c = activations.dim(1);
        if (linearWeights.dim(1) != c) {
            throw new IllegalArgumentException("linear weights " + linearWeights + " do not match " + c + " activation channels");
        }
        if (classes.length != imageOf.length) {
            throw new IllegalArgumentException(classes.length + " classes for " + imageOf.length + " seed rows");
        }
        checkImageOf(imageOf, activations.dim(0));
        int numClasses = linearWeights.dim(0);
        float[] w = linearWeights.data();
        float[] out = new float[classes.length * c];
        for (int m = 0; m < classes.length; m++) {
            if (classes[m] < 0 || classes[m] >= numClasses) {
                throw new IllegalArgumentException("class " + classes[m] + " out of range 0.." + (numClasses - 1));
            }
            System.arraycopy(w, classes[m] * c, out, m * c, c);
        }
        Tensor weights = new Tensor(out, classes.length, c);
        return new CamLayerMaps(Method.CAM, weights, weightedSum(activations, weights, imageOf, false));
    }

    /**
     * Eigen-CAM: {@code L = ReLU(p)} with {@code p} the sign-fixed first principal projection of each image's
     * activations (docs/ALGORITHMS.md section 8); the map of image {@code imageOf[m]} for every seed row {@code m}.
     *
     * @param activations (N x C x h x w)
     * @param imageOf     (M)
     */
    public static CamLayerMaps eigenCam(Tensor activations, int[] imageOf) {
        requireRank(activations, 4, "activations", "N x C x h x w");
        checkImageOf(imageOf, activations.dim(0));
        Tensor perImage = EigenCam.layerMaps(activations);
        int hw = activations.dim(2) * activations.dim(3);
        float[] src = perImage.data(), out = new float[imageOf.length * hw];
        for (int r = 0; r < imageOf.length; r++) System.arraycopy(src, imageOf[r] * hw, out, r * hw, hw);
        return new CamLayerMaps(Method.EIGENCAM, null, new Tensor(out, imageOf.length, activations.dim(2), activations.dim(3)));
    }

    /** Grad-CAM: {@code w_k = mean_ij g^k_ij}. (M x C x h x w) to (M x C). */
    public static Tensor gradCamWeights(Tensor gradients) {
        return meanOverPositions(gradients, 1.0);
    }

    /** Counterfactual Grad-CAM: Grad-CAM weights of {@code -g}. (M x C x h x w) to (M x C). */
    public static Tensor counterfactualWeights(Tensor gradients) {
        return meanOverPositions(gradients, -1.0);
    }

    private static Tensor meanOverPositions(Tensor gradients, double sign) {
        requireRank(gradients, 4, "gradients", "M x C x h x w");
        int rows = gradients.dim(0) * gradients.dim(1);
        int hw = gradients.dim(2) * gradients.dim(3);
        float[] g = gradients.data();
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int p = r * hw, end = p + hw; p < end; p++) s += g[p];
            out[r] = (float) (sign * s / hw);
        }
        return new Tensor(out, gradients.dim(0), gradients.dim(1));
    }

    /**
     * Grad-CAM++ default form: {@code w_k = sum_ij alpha ReLU(g)} with
     * {@code alpha = g^2 / (2 g^2 + (sum_ab A^k_ab) g^3 + eps)}, {@code alpha = 0} where {@code g = 0}.
     * Only positions with {@code g > 0} contribute, so the singular denominators that negative gradients can
     * produce never reach the weights. Returns (M x C).
     */
    public static Tensor gradCamPlusPlusWeights(Tensor activations, Tensor gradients, int[] imageOf) {
        return plusPlusWeights(activations, gradients, imageOf, false);
    }

    /**
     * Grad-CAM++ as the authors' repository computes it: zero denominators replaced by 1, no eps, and alpha
     * divided per channel by {@code sum_ij alpha [g > 0]} (a zero sum replaced by 1). Returns (M x C).
     */
    public static Tensor gradCamPlusPlusOfficialWeights(Tensor activations, Tensor gradients, int[] imageOf) {
        return plusPlusWeights(activations, gradients, imageOf, true);
    }

    private static Tensor plusPlusWeights(Tensor activations, Tensor gradients, int[] imageOf, boolean official) {
        checkShapes(activations, gradients, imageOf);
        int m = gradients.dim(0), c = gradients.dim(1), hw = gradients.dim(2) * gradients.dim(3);
        double[] sumA = channelSums(activations);
        float[] g = gradients.data();
        float[] out = new float[m * c];
        for (int r = 0; r < m; r++) {
            for (int k = 0; k < c; k++) {
                double s = sumA[imageOf[r] * c + k];
                int off = (r * c + k) * hw;
                double weighted = 0, alphaSum = 0;
                for (int p = off; p < off + hw; p++) {
                    double gv = g[p];
                    if (gv > 0) {
                        double alpha = official ? alphaOfficialUnnormalised(gv, s) : alphaDefault(gv, s);
                        weighted += alpha * gv;
                        alphaSum += alpha;
                    }
                }
                if (official && alphaSum != 0) weighted /= alphaSum;
                out[r * c + k] = (float) weighted;
            }
        }
        return new Tensor(out, m, c);
    }

    /**
     * The Grad-CAM++ coefficients themselves, (M x C x h x w), for inspection and tests. For the official form
     * they include the per-channel normalisation. Entries where {@code g < 0} are as the formula gives them (they
     * may be large: they never enter the weights).
     */
    public static Tensor gradCamPlusPlusAlpha(Tensor activations, Tensor gradients, int[] imageOf, boolean official) {
        checkShapes(activations, gradients, imageOf);
        int m = gradients.dim(0), c = gradients.dim(1), hw = gradients.dim(2) * gradients.dim(3);
        double[] sumA = channelSums(activations);
        float[] g = gradients.data();
        float[] out = new float[g.length];
        double[] alpha = new double[hw];
        for (int r = 0; r < m; r++) {
            for (int k = 0; k < c; k++) {
                double s = sumA[imageOf[r] * c + k];
                int off = (r * c + k) * hw;
                double positiveSum = 0;
                for (int p = 0; p < hw; p++) {
                    double gv = g[off + p];
                    alpha[p] = official ? alphaOfficialUnnormalised(gv, s) : alphaDefault(gv, s);
                    if (gv > 0) positiveSum += alpha[p];
                }
                double norm = official && positiveSum != 0 ? positiveSum : 1.0;
                for (int p = 0; p < hw; p++) out[off + p] = (float) (alpha[p] / norm);
            }
        }
        return new Tensor(out, gradients.shape());
    }

    private static double alphaDefault(double g, double sumA) {
        if (g == 0) return 0;
        double g2 = g * g;
        return g2 / (2 * g2 + sumA * g2 * g + Epsilons.GRADCAM_PP);
    }

    private static double alphaOfficialUnnormalised(double g, double sumA) {
        double g2 = g * g;
        double denom = 2 * g2 + sumA * g2 * g;
        return g2 / (denom == 0 ? 1.0 : denom);
    }

    /** XGrad-CAM: {@code w_k = sum_ij g A / (sum_ij A + eps)}. Returns (M x C). */
    public static Tensor xGradCamWeights(Tensor activations, Tensor gradients, int[] imageOf) {
        checkShapes(activations, gradients, imageOf);
        int m = gradients.dim(0), c = gradients.dim(1), hw = gradients.dim(2) * gradients.dim(3);
        float[] a = activations.data(), g = gradients.data();
        float[] out = new float[m * c];
        for (int r = 0; r < m; r++) {
            for (int k = 0; k < c; k++) {
                int go = (r * c + k) * hw, ao = (imageOf[r] * c + k) * hw;
                double num = 0, den = 0;
                for (int p = 0; p < hw; p++) {
                    num += (double) g[go + p] * a[ao + p];
                    den += a[ao + p];
                }
                out[r * c + k] = (float) (num / (den + Epsilons.XGRADCAM));
            }
        }
        return new Tensor(out, m, c);
    }

    /** HiResCAM: {@code L = ReLU(sum_k g^k * A^k)} elementwise. Returns (M x h x w). */
    public static Tensor hiResCamMaps(Tensor activations, Tensor gradients, int[] imageOf) {
        return positionWeightedSum(activations, gradients, imageOf, false);
    }

    /** LayerCAM: {@code L = ReLU(sum_k ReLU(g^k) * A^k)}. Returns (M x h x w). */
    public static Tensor layerCamMaps(Tensor activations, Tensor gradients, int[] imageOf) {
        return positionWeightedSum(activations, gradients, imageOf, true);
    }

    private static Tensor positionWeightedSum(Tensor activations, Tensor gradients, int[] imageOf, boolean reluGradients) {
        checkShapes(activations, gradients, imageOf);
        int m = gradients.dim(0), c = gradients.dim(1), h = gradients.dim(2), w = gradients.dim(3), hw = h * w;
        float[] a = activations.data(), g = gradients.data();
        float[] out = new float[m * hw];
        double[] acc = new double[hw];
        for (int r = 0; r < m; r++) {
            Arrays.fill(acc, 0);
            for (int k = 0; k < c; k++) {
                int go = (r * c + k) * hw, ao = (imageOf[r] * c + k) * hw;
                for (int p = 0; p < hw; p++) {
                    float gv = g[go + p];
                    if (reluGradients && !(gv > 0)) continue;
                    acc[p] += (double) gv * a[ao + p];
                }
            }
            for (int p = 0; p < hw; p++) out[r * hw + p] = acc[p] > 0 ? (float) acc[p] : 0f;
        }
        return new Tensor(out, m, h, w);
    }

    /**
     * {@code L_m = sum_k w_mk A^k_(imageOf[m])}, with a ReLU when {@code relu}.
     *
     * @param activations (N x C x h x w)
     * @param weights     (M x C)
     * @param imageOf     (M)
     * @return (M x h x w)
     */
    public static Tensor weightedSum(Tensor activations, Tensor weights, int[] imageOf, boolean relu) {
        requireRank(activations, 4, "activations", "N x C x h x w");
        requireRank(weights, 2, "weights", "M x C");
        int c = activations.dim(1), h = activations.dim(2), w = activations.dim(3), hw = h * w;
        int m = weights.dim(0);
        if (weights.dim(1) != c) throw new IllegalArgumentException("weights " + weights + " do not match activations " + activations);
        if (imageOf.length != m) throw new IllegalArgumentException("imageOf has " + imageOf.length + " entries for " + m + " weight rows");
        checkImageOf(imageOf, activations.dim(0));
        float[] a = activations.data(), wt = weights.data();
        float[] out = new float[m * hw];
        double[] acc = new double[hw];
        for (int r = 0; r < m; r++) {
            Arrays.fill(acc, 0);
            for (int k = 0; k < c; k++) {
                double wk = wt[r * c + k];
                if (wk == 0) continue;
                int ao = (imageOf[r] * c + k) * hw;
                for (int p = 0; p < hw; p++) acc[p] += wk * a[ao + p];
            }
            for (int p = 0; p < hw; p++) {
                double v = acc[p];
                out[r * hw + p] = relu ? (v > 0 ? (float) v : 0f) : (float) v;
            }
        }
        return new Tensor(out, m, h, w);
    }

    /** (N x C x h x w) to per-(image, channel) sums, in double, indexed {@code n * C + k}. */
    private static double[] channelSums(Tensor activations) {
        int rows = activations.dim(0) * activations.dim(1);
        int hw = activations.dim(2) * activations.dim(3);
        float[] a = activations.data();
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int p = r * hw, end = p + hw; p < end; p++) s += a[p];
            out[r] = s;
        }
        return out;
    }

    private static void checkShapes(Tensor activations, Tensor gradients, int[] imageOf) {
        requireRank(activations, 4, "activations", "N x C x h x w");
        requireRank(gradients, 4, "gradients", "M x C x h x w");
        int[] as = activations.shape(), gs = gradients.shape();
        if (as[1] != gs[1] || as[2] != gs[2] || as[3] != gs[3]) {
            throw new IllegalArgumentException("gradients " + Arrays.toString(gs) + " do not match activations " + Arrays.toString(as)
                    + " (channels and positions must agree)");
        }
        if (imageOf.length != gs[0]) {
            throw new IllegalArgumentException("imageOf has " + imageOf.length + " entries for " + gs[0] + " gradient rows");
        }
        checkImageOf(imageOf, as[0]);
    }

    private static void checkImageOf(int[] imageOf, int images) {
        for (int i = 0; i < imageOf.length; i++) {
            if (imageOf[i] < 0 || imageOf[i] >= images) {
                throw new IllegalArgumentException("imageOf[" + i + "] = " + imageOf[i] + " outside the batch of " + images + " images");
            }
        }
    }

    private static void requireRank(Tensor t, int rank, String what, String shape) {
        if (t.rank() != rank) throw new IllegalArgumentException(what + " must be (" + shape + "), got " + t);
    }
}
