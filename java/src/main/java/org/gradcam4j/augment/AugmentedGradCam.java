package org.gradcam4j.augment;

import org.gradcam4j.InvalidInputException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.method.MapOps;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;

/**
 * Augmented Grad-CAM (docs/ALGORITHMS.md section 5): {@code N} warped copies of one network input go through the
 * network as batches of {@code maxBatch} (one forward and one backward per batch, every class of the image a
 * seed of that backward), giving the Grad-CAM layer map {@code g_l} of each class on each copy; the maps are
 * then aggregated: {@code single} (copy 0 upsampled), {@code max} / {@code avg} (each copy upsampled, un-warped,
 * pixelwise max / mean) and {@code tv} (the super-resolution solve, one problem per image and class, all of a
 * call solved as one batch).
 *
 * <p>Thread-safety: as the {@link Network} it uses (the CPU network allows concurrent calls).
 */
public final class AugmentedGradCam {

    /** How the copies' maps become one map; each is one {@code augmented-*} row of the method table. */
    public enum Aggregation {
        SINGLE(Method.AUGMENTED_SINGLE),
        MAX(Method.AUGMENTED_MAX),
        AVG(Method.AUGMENTED_AVG),
        TV(Method.AUGMENTED_TV);

        private final Method method;

        Aggregation(Method method) { this.method = method; }

        /** The method of the table this aggregation computes. */
        public Method method() { return method; }

        /** The aggregation an {@code augmented-*} method uses. */
        public static Aggregation of(Method method) {
            for (Aggregation a : values()) if (a.method == method) return a;
            throw new IllegalArgumentException(method + " is not an augmented method");
        }

        @Override public String toString() { return method.token(); }
    }

    /**
     * @param copies   N, copy 0 being the identity (the paper: 100)
     * @param seed     seeds the warps
     * @param maxAngle rotation range in radians (0.5)
     * @param maxShift shift range in pixels, or NaN for 30 px at 224 scaled with the input size
     * @param solver   the TV super-resolution solver
     */
    public record Settings(int copies, long seed, double maxAngle, double maxShift, SuperResolutionSolver solver) {
        public Settings {
            if (copies < 1) throw new InvalidInputException("augmented copies must be >= 1, got " + copies);
            if (!(maxAngle >= 0)) throw new IllegalArgumentException("maxAngle must be >= 0");
            if (!(maxShift >= 0) && !Double.isNaN(maxShift)) throw new IllegalArgumentException("maxShift must be >= 0");
        }

        public static final int DEFAULT_COPIES = 100;
        public static final long DEFAULT_SEED = 0;

        /** 100 copies, seed 0, the paper's ranges, the converged solver. */
        public static Settings defaults() {
            return new Settings(DEFAULT_COPIES, DEFAULT_SEED, Augmentations.MAX_ANGLE, Double.NaN, new TvSuperResolution());
        }

        public Settings withCopies(int n) { return new Settings(n, seed, maxAngle, maxShift, solver); }
        public Settings withSeed(long s) { return new Settings(copies, s, maxAngle, maxShift, solver); }
        public Settings withSolver(SuperResolutionSolver s) { return new Settings(copies, seed, maxAngle, maxShift, s); }

        /** The warps for a {@code size x size} input. */
        public List<AffineWarp> warps(int size) {
            return Augmentations.random(copies, size, seed, maxAngle, Double.isNaN(maxShift) ? Augmentations.maxShift(size) : maxShift);
        }
    }

    /**
     * What the copies of one image gave for one class.
     *
     * @param classIndex the class explained
     * @param warps      (N) the copies' warps
     * @param layerMaps  (N x h x w) raw Grad-CAM layer map of every copy (after ReLU, unnormalised)
     * @param weights    (C) copy 0's Grad-CAM channel weights
     */
    public record Observations(int classIndex, List<AffineWarp> warps, Tensor layerMaps, Tensor weights) {
        /** How many copies had an all-zero map (no evidence for the class in that view). */
        public int emptyCopies() {
            int n = layerMaps.dim(0), hw = layerMaps.dim(1) * layerMaps.dim(2), empty = 0;
            float[] d = layerMaps.data();
            for (int l = 0; l < n; l++) {
                boolean any = false;
                for (int p = l * hw; p < (l + 1) * hw && !any; p++) any = d[p] > 0;
                if (!any) empty++;
            }
            return empty;
        }
    }

    /**
     * The aggregated maps of one image and class.
     *
     * @param maps     per aggregation the (S x S) map, unnormalised (the TV map is the solver's {@code v})
     * @param solution the solver's report when {@code tv} was asked, else null
     * @param settings the settings the maps were made with (copies, seed, solver)
     */
    public record Result(Observations observations, Map<Aggregation, Tensor> maps, SuperResolutionSolver.Solution solution,
                         Settings settings) {}

    private final Network network;
    private final float[] fill;
    private final java.util.Map<Integer, List<AffineWarp>> warpsBySize = new java.util.concurrent.ConcurrentHashMap<>();
    private final int maxBatch;
    private final Settings settings;

    /**
     * @param network       the network the copies run through
     * @param preprocessing the model's preprocessing: the copies are filled with black (its value of pixel 0)
     * @param maxBatch      copies per forward / backward pass
     */
    public AugmentedGradCam(Network network, Preprocessing preprocessing, int maxBatch, Settings settings) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
        this.network = network;
        this.maxBatch = maxBatch;
        this.settings = settings;
        int c = network.architecture().inputChannels();
        this.fill = new float[c];
        for (int ch = 0; ch < c; ch++) fill[ch] = preprocessing.apply(0f, ch);
    }

    public Settings settings() { return settings; }

    /**
     * Grad-CAM of each class on every copy of one input.
     *
     * @param input       (3 x S x S) the preprocessed input, model channel order
     * @param layer       the target layer
     * @param classes     the classes to explain (chosen by the caller on the un-augmented image), or null for
     *                    the top {@code topK} classes of copy 0
     * @param topK        how many top classes when {@code classes} is null
     * @param probability explain the softmax probability instead of the logit
     * @return one {@link Observations} per class, in the order of {@code classes} (or of rank)
     */
    public List<Observations> observe(Tensor input, String layer, int[] classes, int topK, boolean probability) {
        int s = input.dim(1);
        if (input.rank() != 3 || input.dim(2) != s) throw new IllegalArgumentException("input must be (C x S x S), got " + input);
        // One list per input size for every image this instance sees: equal warps, and the same list object, so
        // the solvers build one observation operator for all the images of a batch.
        List<AffineWarp> warps = warpsBySize.computeIfAbsent(s, settings::warps);
        int n = warps.size();
        int numClasses = network.architecture().numClasses();
        int[] cls = classes == null ? null : classes.clone();
        Tensor maps = null, weights0 = null;
        float[] mapData = null;
        int hw = 0;
        for (int from = 0; from < n; from += maxBatch) {
            int count = Math.min(maxBatch, n - from);
            try (ForwardPass pass = copiesForward(input, warps, from, count, layer)) {
                Tensor logits = pass.logits();
                if (cls == null) cls = topClasses(logits, 0, topK); // copy 0 is the first copy of the first batch
                int k = cls.length;
                int[] imageOf = new int[count * k], classOf = new int[count * k];
                for (int j = 0; j < count; j++) {
                    for (int c = 0; c < k; c++) {
                        imageOf[j * k + c] = j;
                        classOf[j * k + c] = cls[c];
                    }
                }
                Tensor seeds = seeds(logits, imageOf, classOf, numClasses, probability);
                Tensor act = pass.activation(layer);
                Tensor grad = pass.backward(new BackwardRequest(seeds, imageOf, layer, ReluRule.GRADIENT, Set.of(layer), Set.of())).at(layer);
                CamLayerMaps lm = CamMath.compute(Method.GRADCAM, act, grad, imageOf);
                int h = lm.layerMaps().dim(1), w = lm.layerMaps().dim(2);
                if (mapData == null) {
                    hw = h * w;
                    mapData = new float[k * n * hw];
                    maps = new Tensor(mapData, k, n, h, w);
                    weights0 = new Tensor(new float[k * lm.channelWeights().dim(1)], k, lm.channelWeights().dim(1));
                    System.arraycopy(lm.channelWeights().data(), 0, weights0.data(), 0, weights0.size()); // copy 0's rows
                }
                float[] src = lm.layerMaps().data();
                for (int j = 0; j < count; j++) {
                    for (int c = 0; c < k; c++) System.arraycopy(src, (j * k + c) * hw, mapData, (c * n + from + j) * hw, hw);
                }
            }
        }
        List<Observations> out = new ArrayList<>();
        for (int c = 0; c < cls.length; c++) out.add(new Observations(cls[c], warps, maps.slice(c), weights0.slice(c)));
        return out;
    }

    /** The copies {@code from .. from+count} through the network: made by the backend where it can (on a GPU), else here. */
    private ForwardPass copiesForward(Tensor input, List<AffineWarp> warps, int from, int count, String layer) {
        double[] affine = new double[6 * count];
        boolean[] identity = new boolean[count];
        for (int k = 0; k < count; k++) {
            AffineWarp w = warps.get(from + k);
            identity[k] = w.isIdentity();
            System.arraycopy(w.coefficients(), 0, affine, 6 * k, 6);
        }
        return network.forwardWarped(input, fill, affine, identity, layer)
                .orElseGet(() -> network.forward(Augmentations.warpInput(input, fill, warps, from, count), layer));
    }

    /** dScore/dLogits per seed: one-hot (logit) or {@code p_c (e_c - p)} (probability). */
    private static Tensor seeds(Tensor logits, int[] imageOf, int[] classOf, int classes, boolean probability) {
        Tensor s = BackwardRequest.oneHot(classOf, classes);
        if (!probability) return s;
        float[] l = logits.data(), d = s.data();
        for (int r = 0; r < imageOf.length; r++) {
            int i = imageOf[r];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < classes; j++) max = Math.max(max, l[i * classes + j]);
            double[] p = new double[classes];
            for (int j = 0; j < classes; j++) sum += p[j] = Math.exp(l[i * classes + j] - max);
            double pc = p[classOf[r]] / sum;
            for (int j = 0; j < classes; j++) d[r * classes + j] = (float) (pc * ((j == classOf[r] ? 1 : 0) - p[j] / sum));
        }
        return s;
    }

    /** The top-k classes of one row, ties to the lower index (as the facade ranks). */
    static int[] topClasses(Tensor logits, int row, int k) {
        int c = logits.dim(1);
        float[] l = logits.data();
        Integer[] idx = new Integer[c];
        for (int j = 0; j < c; j++) idx[j] = j;
        java.util.Arrays.sort(idx, (a, b) -> {
            int cmp = Float.compare(l[row * c + b], l[row * c + a]);
            return cmp != 0 ? cmp : Integer.compare(a, b);
        });
        int[] out = new int[Math.min(k, c)];
        for (int t = 0; t < out.length; t++) out[t] = idx[t];
        return out;
    }

    /**
     * Aggregates many observations at once (several classes, several images); the TV problems of the whole call
     * are one batch for the solver.
     *
     * @param size the network input side {@code S}
     */
    public List<Result> aggregate(List<Observations> observations, Set<Aggregation> which, int size) {
        Set<Aggregation> agg = which.isEmpty() ? EnumSet.noneOf(Aggregation.class) : EnumSet.copyOf(which);
        List<SuperResolutionSolver.Solution> solutions = null;
        if (agg.contains(Aggregation.TV)) {
            List<SuperResolutionSolver.Problem> problems = new ArrayList<>();
            for (Observations o : observations) problems.add(SuperResolutionSolver.Problem.withPaperWeights(o.warps(), normalisedCopies(o.layerMaps())));
            solutions = settings.solver().solve(problems);
        }
        List<Result> out = new ArrayList<>();
        for (int i = 0; i < observations.size(); i++) {
            Observations o = observations.get(i);
            Map<Aggregation, Tensor> maps = new EnumMap<>(Aggregation.class);
            if (agg.contains(Aggregation.SINGLE)) {
                Tensor first = o.layerMaps().slice(0);
                maps.put(Aggregation.SINGLE, MapOps.upsampleBilinear(first.reshape(1, first.dim(0), first.dim(1)), size, size).reshape(size, size));
            }
            if (agg.contains(Aggregation.MAX) || agg.contains(Aggregation.AVG)) {
                Tensor[] mm = unwarpedMaxAndMean(o, size);
                if (agg.contains(Aggregation.MAX)) maps.put(Aggregation.MAX, mm[0]);
                if (agg.contains(Aggregation.AVG)) maps.put(Aggregation.AVG, mm[1]);
            }
            SuperResolutionSolver.Solution sol = solutions == null ? null : solutions.get(i);
            if (sol != null) maps.put(Aggregation.TV, sol.map());
            out.add(new Result(o, maps, sol, settings));
        }
        return out;
    }

    /**
     * Each copy's map divided by its own maximum, as the seed does before the solve; an all-zero copy stays zero.
     *
     * @param layerMaps (N x h x w)
     */
    public static Tensor normalisedCopies(Tensor layerMaps) {
        int n = layerMaps.dim(0), hw = layerMaps.dim(1) * layerMaps.dim(2);
        float[] src = layerMaps.data(), dst = new float[src.length];
        for (int l = 0; l < n; l++) {
            float max = 0;
            for (int p = l * hw; p < (l + 1) * hw; p++) max = Math.max(max, src[p]);
            if (!(max > 0)) continue;
            for (int p = l * hw; p < (l + 1) * hw; p++) dst[p] = src[p] / max;
        }
        return new Tensor(dst, layerMaps.shape());
    }

    /**
     * {max, mean} over copies of {@code T_l^-1 (upsample(g_l))}: each raw copy map upsampled to the input size
     * (bilinear, half-pixel centres, as every map of this project), then un-warped by the inverse affine map in
     * one bilinear resampling (zero outside the copy), as the seed's max / avg aggregations (which upsample
     * with TF1's legacy resize and un-warp in two resamplings).
     */
    static Tensor[] unwarpedMaxAndMean(Observations o, int size) {
        int n = o.layerMaps().dim(0), h = o.layerMaps().dim(1), w = o.layerMaps().dim(2), plane = size * size;
        Tensor up = MapOps.upsampleBilinear(o.layerMaps(), size, size);
        float[] u = up.data(), back = new float[plane];
        float[] max = new float[plane];
        double[] sum = new double[plane];
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int l = 0; l < n; l++) {
            AffineWarp inv = o.warps().get(l).inverse();
            inv.apply(u, l * plane, back, 0);
            for (int p = 0; p < plane; p++) {
                if (back[p] > max[p]) max[p] = back[p];
                sum[p] += back[p];
            }
        }
        float[] mean = new float[plane];
        for (int p = 0; p < plane; p++) mean[p] = (float) (sum[p] / n);
        if (h * w == 0) throw new IllegalStateException("empty layer maps");
        return new Tensor[] {new Tensor(max, size, size), new Tensor(mean, size, size)};
    }
}
