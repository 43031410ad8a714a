package org.gradcam4j.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.augment.AugmentedGradCam.Aggregation;
import org.gradcam4j.augment.CudaSuperResolution;
import org.gradcam4j.augment.SeedAdamSuperResolution;
import org.gradcam4j.augment.TvSuperResolution;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.backend.cuda.CudaBackend;
import org.gradcam4j.backend.cuda.CudaException;
import org.gradcam4j.backend.cuda.CudaOutOfMemoryException;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.method.CamLayerMaps;
import org.gradcam4j.method.CamMath;
import org.gradcam4j.method.Method;
import org.gradcam4j.method.MapOps;
import org.gradcam4j.method.NormalisedMaps;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerKind;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Tensor;

/**
 * The facade: explains images with a model on a backend. One forward pass per batch serves every requested
 * method and class; several classes of one image are several backward seeds in one batched backward pass,
 * one pass per ReLU rule needed. The {@code augmented-*} methods add, per image, the passes of its augmented
 * copies ({@link AugmentedGradCam}: batches of {@code maxBatch} copies, every class a seed).
 *
 * <p>Thread-safety: an {@code Explainer} may be shared between threads; calls are serialised (each one
 * already uses every core the backend was given). Results are immutable.
 *
 * <pre>{@code
 * try (Explainer ex = Explainer.of(model, Explainer.Options.defaults())) {
 *     ImageExplanation r = ex.explain(List.of(new ImageLoader().load(path)), ExplainRequest.gradCam()).get(0);
 *     Tensor heat = r.classes().get(0).maps().get("gradcam").mapInOriginal();
 * }
 * }</pre>
 */
public final class Explainer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Explainer.class.getName());

    /**
     * @param device    auto, cpu or cuda
     * @param threads   CPU threads (0: all cores)
     * @param maxBatch  images per forward pass; larger requests are split (and a batch the GPU has no memory
     *                  for is split in halves and retried)
     * @param resize    how images become network inputs (crop, squash, none)
     * @param precision arithmetic of the CUDA backend (ignored on the CPU)
     */
    public record Options(Device device, int threads, int maxBatch, ResizeMode resize, CudaPrecision precision) {
        public Options {
            if (threads < 0) throw new IllegalArgumentException("threads must be >= 0");
            if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
            java.util.Objects.requireNonNull(precision, "precision");
        }

        public Options(Device device, int threads, int maxBatch, ResizeMode resize) {
            this(device, threads, maxBatch, resize, CudaPrecision.fromProperty());
        }

        public static Options defaults() { return new Options(Device.AUTO, 0, 8, ResizeMode.CROP); }
        public Options withDevice(Device d) { return new Options(d, threads, maxBatch, resize, precision); }
        public Options withThreads(int t) { return new Options(device, t, maxBatch, resize, precision); }
        public Options withMaxBatch(int b) { return new Options(device, threads, b, resize, precision); }
        public Options withResize(ResizeMode r) { return new Options(device, threads, maxBatch, r, precision); }
        public Options withPrecision(CudaPrecision p) { return new Options(device, threads, maxBatch, resize, p); }
    }

    private final Model model;
    private final Backend backend;
    private final Network network;
    private final Preprocessor preprocessor;
    private final Options options;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    /** The CPU network that runs {@link Network#forwardFrom} for a backend without it; null until needed. */
    private Network forwardFromFallback;
    private Backend fallbackBackend;

    private Explainer(Model model, Options options, Prepared prepared) {
        this.model = model;
        this.options = options;
        this.backend = prepared.backend();
        this.network = prepared.network();
        this.preprocessor = new Preprocessor(model.preprocessing(), model.architecture().inputSize(), options.resize());
    }

    /** An explainer for a model already loaded. */
    public static Explainer of(Model model, Options options) { return new Explainer(model, options, prepare(model, options)); }

    /**
     * An explainer on a backend the caller chose (a CUDA device other than 0, a CPU backend with its own thread
     * count...); {@code options.device()} and {@code threads} are then unused. The explainer owns the backend
     * from here on and closes it with itself.
     */
    public static Explainer of(Model model, Backend backend, Options options) {
        return new Explainer(model, options, loadOn(backend, model));
    }

    private record Prepared(Backend backend, Network network) {}

    /**
     * The backend {@link Backends#open} picks; under {@code auto}, a CUDA backend that fails to load the model (too
     * little device memory for its weights, say) gives way to the CPU with a warning.
     */
    private static Prepared prepare(Model model, Options o) {
        Backend backend = Backends.open(o.device(), o.threads(), o.precision());
        if (backend instanceof CudaBackend && o.device() == Device.AUTO) {
            try {
                return loadOn(backend, model);
            } catch (CudaException e) {
                LOG.warning(() -> "device auto: the CUDA backend could not load the model, using the CPU: " + e.getMessage());
                return loadOn(Backends.cpu(o.threads()), model);
            }
        }
        return loadOn(backend, model);
    }

    private static Prepared loadOn(Backend backend, Model model) {
        try {
            return new Prepared(backend, backend.load(model));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    public Model model() { return model; }
    public Backend backend() { return backend; }
    public Options options() { return options; }
    public Preprocessor preprocessor() { return preprocessor; }

    /** Top-k predictions per image. */
    public List<List<Prediction>> classify(List<LoadedImage> images, int k) {
        List<List<Prediction>> out = new ArrayList<>();
        for (int s = 0; s < images.size(); s += options.maxBatch()) {
            List<LoadedImage> chunk = images.subList(s, Math.min(images.size(), s + options.maxBatch()));
            out.addAll(splittingOnOutOfMemory(chunk, 0, (part, offset) -> {
                Preprocessor.Batch batch = preprocessor.prepareBatch(part);
                List<List<Prediction>> r = new ArrayList<>();
                locked(() -> {
                    try (ForwardPass pass = network.forward(batch.input(), null)) {
                        Tensor logits = pass.logits();
                        for (int i = 0; i < part.size(); i++) r.add(topK(logits, i, k));
                    }
                });
                return r;
            }));
        }
        return out;
    }

    /** Explains every image; large lists are split into batches of {@code maxBatch}. */
    public List<ImageExplanation> explain(List<LoadedImage> images, ExplainRequest request) {
        Plan plan = plan(request);
        List<ImageExplanation> out = new ArrayList<>();
        for (int s = 0; s < images.size(); s += options.maxBatch()) {
            List<LoadedImage> chunk = images.subList(s, Math.min(images.size(), s + options.maxBatch()));
            out.addAll(splittingOnOutOfMemory(chunk, s, (part, offset) -> {
                Preprocessor.Batch batch = preprocessor.prepareBatch(part);
                Targets targets = request.targets();
                Targets shifted = targets.isTopK() ? targets : perImageSlice(targets, offset, part.size());
                List<ImageExplanation> r = new ArrayList<>();
                locked(() -> r.addAll(explainBatch(batch, plan, shifted, request)));
                return r;
            }));
        }
        return out;
    }

    /** Work on a run of images starting at {@code offset} of the caller's list. */
    private interface BatchWork<T> {
        List<T> run(List<LoadedImage> images, int offset);
    }

    /**
     * Runs {@code work} on the images; when the device runs out of memory, runs it on each half instead (down to
     * single images, whose failure is the caller's). Results keep the images' order.
     */
    private <T> List<T> splittingOnOutOfMemory(List<LoadedImage> images, int offset, BatchWork<T> work) {
        try {
            return work.run(images, offset);
        } catch (CudaOutOfMemoryException e) {
            if (images.size() == 1) throw e;
            int half = images.size() / 2;
            LOG.warning(() -> "the GPU ran out of memory on a batch of " + images.size() + " images; retrying as "
                    + half + " + " + (images.size() - half) + " (use a smaller --batch to avoid the retries)");
            List<T> out = new ArrayList<>(splittingOnOutOfMemory(images.subList(0, half), offset, work));
            out.addAll(splittingOnOutOfMemory(images.subList(half, images.size()), offset + half, work));
            return out;
        }
    }

    /**
     * Explains a batch its caller already preprocessed (network-sized input in the model's channel order, with
     * the geometry of each image), as one forward pass.
     */
    public List<ImageExplanation> explainPrepared(Preprocessor.Batch batch, ExplainRequest request) {
        Plan plan = plan(request);
        List<ImageExplanation> out = new ArrayList<>();
        locked(() -> out.addAll(explainBatch(batch, plan, request.targets(), request)));
        return out;
    }

    private static Targets perImageSlice(Targets t, int offset, int n) {
        List<List<String>> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(t.forImage(offset + i));
        return Targets.perImage(l);
    }

    private void locked(Runnable r) {
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("explainer is closed");
            r.run();
        } finally {
            lock.unlock();
        }
    }

    /** What one request needs from the backend: the layer, the rules, how deep each backward goes. */
    private record Plan(List<Method> cams, List<Method> grads, String layer, Set<Method> camsComputed,
                        Set<ReluRule> inputRules, boolean camGradients, String keepFrom, List<Aggregation> augmented) {}

    private Plan plan(ExplainRequest req) {
        List<Method> methods = req.parsedMethods();
        List<Method> cams = methods.stream().filter(Method::isCam).toList();
        List<Method> grads = methods.stream().filter(Method::isGradient).toList();
        List<Aggregation> augmented = methods.stream().filter(Method::isAugmented).map(Aggregation::of).toList();
        Architecture arch = model.architecture();
        if (arch.head() == Head.NONE) {
            throw new IllegalArgumentException(arch.name() + " was loaded without a classifier head (notop weights): there are no class scores to explain");
        }
        Set<Method> computed = new java.util.LinkedHashSet<>(cams);
        for (Method g : grads) g.guidingCam().ifPresent(computed::add);
        String layer;
        if (computed.contains(Method.CAM)) {
            if (arch.head() != Head.GAP) {
                throw new IllegalArgumentException("CAM needs a network whose head is global average pooling followed by one linear layer; "
                        + arch.name() + " has fully-connected layers (fc1, fc2) instead, so CAM is undefined for it. "
                        + "Use gradcam: Grad-CAM equals CAM on networks that have such a head.");
            }
            String camLayer = arch.layers().get(arch.indexOf("gap") - 1).name();
            if (req.layer() != null && !req.layer().equals(camLayer)) {
                throw new IllegalArgumentException("CAM is defined at the layer feeding global average pooling (" + camLayer + "), not at " + req.layer());
            }
            layer = camLayer;
        } else {
            layer = req.layer() == null ? arch.defaultTargetLayer() : req.layer();
        }
        LayerSpec spec = arch.layer(layer); // unknown layer: error listing the layers
        if (!spec.isSpatial()) {
            throw new IllegalArgumentException("layer '" + layer + "' is not a convolution or pooling layer; CAM-family maps need a spatial layer");
        }
        if (spec.kind() != LayerKind.CONV3X3 && spec.kind() != LayerKind.MAXPOOL2) {
            throw new IllegalArgumentException("layer '" + layer + "' cannot be a target layer");
        }
        if (computed.contains(Method.OCCLUSION)) {
            Occlusion.positions(arch.inputSize(), req.methodSettings().occlusionPatch(), req.methodSettings().occlusionStride());
        }
        boolean camGradients = computed.stream().anyMatch(Method::needsLayerGradients);
        Set<ReluRule> rules = new java.util.LinkedHashSet<>();
        for (Method g : grads) if (g.sampling() == Method.Sampling.NONE) rules.add(g.reluRule());
        String keepFrom = rules.isEmpty() ? layer : Architecture.INPUT;
        return new Plan(cams, grads, layer, computed, rules, camGradients, keepFrom, augmented);
    }

    private List<ImageExplanation> explainBatch(Preprocessor.Batch batch, Plan plan, Targets targets, ExplainRequest req) {
        List<ImageExplanation> out = explainBatchDirect(batch, plan, targets, req);
        return plan.augmented().isEmpty() ? out : addAugmented(batch, plan, req, out);
    }

    /** On the CUDA backend the super-resolution solves run on the same device, with the same algorithm. */
    private AugmentedGradCam.Settings onDevice(AugmentedGradCam.Settings settings) {
        if (backend instanceof CudaBackend cuda && (settings.solver() instanceof TvSuperResolution
                || settings.solver() instanceof SeedAdamSuperResolution)) {
            return settings.withSolver(new CudaSuperResolution(settings.solver(), cuda.device().index()));
        }
        return settings;
    }

    /**
     * The {@code augmented-*} maps: for each image, its copies through the network (the classes already chosen
     * on the image itself), then every image's and class's aggregations at once, so the TV solves of the batch are
     * one batch for the solver. Added after the other maps of each class.
     */
    private List<ImageExplanation> addAugmented(Preprocessor.Batch batch, Plan plan, ExplainRequest req, List<ImageExplanation> direct) {
        AugmentedGradCam aug = new AugmentedGradCam(network, model.preprocessing(), options.maxBatch(), onDevice(req.augmentation()));
        int size = model.architecture().inputSize();
        List<AugmentedGradCam.Observations> observations = new ArrayList<>();
        for (int i = 0; i < direct.size(); i++) {
            List<ClassExplanation> ce = direct.get(i).classes();
            int[] classes = ce.stream().mapToInt(ClassExplanation::classIndex).toArray();
            observations.addAll(aug.observe(batch.input().slice(i), plan.layer(), classes, 0, req.score() == Score.PROBABILITY));
        }
        List<AugmentedGradCam.Result> results = aug.aggregate(observations, new java.util.LinkedHashSet<>(plan.augmented()), size);
        List<ImageExplanation> out = new ArrayList<>();
        int r = 0;
        for (ImageExplanation ie : direct) {
            List<ClassExplanation> classes = new ArrayList<>();
            for (ClassExplanation ce : ie.classes()) {
                AugmentedGradCam.Result res = results.get(r++);
                Map<String, MapResult> maps = new LinkedHashMap<>(ce.maps());
                Tensor copy0 = res.observations().layerMaps().slice(0);
                for (Aggregation a : plan.augmented()) {
                    Tensor raw = res.maps().get(a);
                    NormalisedMaps nm = MapOps.normaliseByMax(raw.reshape(1, size, size));
                    maps.put(a.method().token(), new MapResult(a.method().token(), copy0, res.observations().weights(), nm.maps().reshape(size, size),
                            nm.isEmpty(0), ie.geometry(), res));
                }
                classes.add(new ClassExplanation(ce.classIndex(), ce.id(), ce.name(), ce.logit(), ce.probability(), maps, ce.gradients()));
            }
            out.add(new ImageExplanation(ie.source(), ie.geometry(), ie.predictions(), ie.layer(), classes));
        }
        return out;
    }

    private List<ImageExplanation> explainBatchDirect(Preprocessor.Batch batch, Plan plan, Targets targets, ExplainRequest req) {
        ClassLabels labels = model.labels();
        int n = batch.input().dim(0);
        int classes = model.architecture().numClasses();
        try (ForwardPass pass = network.forward(batch.input(), plan.keepFrom())) {
            Tensor logits = pass.logits();
            Tensor probs = softmax(logits);
            List<List<Prediction>> preds = new ArrayList<>();
            for (int i = 0; i < n; i++) preds.add(topK(logits, i, Math.max(req.predictions(), targets.isTopK() ? targets.k() : 1)));

            // seeds: one row per (image, class)
            List<Integer> imageOfList = new ArrayList<>(), classOfList = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<Integer> cls = new ArrayList<>();
                if (targets.isTopK()) {
                    for (int k = 0; k < Math.min(targets.k(), classes); k++) cls.add(preds.get(i).get(k).index());
                } else {
                    for (String ref : targets.forImage(i)) {
                        int c = labels.resolve(ref);
                        if (!cls.contains(c)) cls.add(c);
                    }
                }
                for (int c : cls) {
                    imageOfList.add(i);
                    classOfList.add(c);
                }
            }
            int m = imageOfList.size();
            int[] imageOf = imageOfList.stream().mapToInt(Integer::intValue).toArray();
            int[] classOf = classOfList.stream().mapToInt(Integer::intValue).toArray();
            Tensor seeds = seeds(req.score(), probs, imageOf, classOf, classes);

            // CAM family
            Map<Method, CamLayerMaps> layerMaps = new LinkedHashMap<>();
            Map<ReluRule, Tensor> inputGrads = new LinkedHashMap<>();
            Tensor act = pass.activation(plan.layer());
            if (plan.camGradients() || plan.inputRules().contains(ReluRule.GRADIENT)) {
                boolean toInput = plan.inputRules().contains(ReluRule.GRADIENT);
                Gradients g = pass.backward(new BackwardRequest(seeds, imageOf, toInput ? Architecture.INPUT : plan.layer(),
                        ReluRule.GRADIENT, Set.of(plan.layer()), Set.of()));
                Tensor layerGrad = g.at(plan.layer());
                for (Method cm : plan.camsComputed()) {
                    if (cm.needsLayerGradients()) layerMaps.put(cm, CamMath.compute(cm, act, layerGrad, imageOf));
                }
                if (toInput) inputGrads.put(ReluRule.GRADIENT, g.at(Architecture.INPUT));
            }
            // Eigen-CAM and the methods that run the network again (docs/ALGORITHMS.md section 8)
            ExtraMethods extra = new ExtraMethods(network, batch.input(), act, logits, imageOf, classOf, req.score() == Score.PROBABILITY,
                    req.methodSettings(), options.maxBatch(), blackPixel(), a -> forwardFrom(plan.layer(), a));
            Map<Method, Tensor> inputSizeMaps = new LinkedHashMap<>();
            extra.camMaps(plan.camsComputed(), layerMaps, inputSizeMaps);
            if (plan.camsComputed().contains(Method.CAM)) {
                Tensor w = model.weights().kernel("predictions");
                layerMaps.put(Method.CAM, CamMath.cam(act, w, classOf, imageOf));
            }
            for (ReluRule rule : plan.inputRules()) {
                if (inputGrads.containsKey(rule)) continue;
                inputGrads.put(rule, pass.backward(new BackwardRequest(seeds, imageOf, Architecture.INPUT, rule, Set.of(), Set.of()))
                        .at(Architecture.INPUT));
            }

            // gradients at generated inputs (noisy copies, path points): their own batched passes
            Map<Method, Tensor> sampled = new LinkedHashMap<>();
            Map<Method, double[]> gaps = new LinkedHashMap<>();
            extra.gradients(plan.grads(), sampled, gaps);

            // upsample + normalise each computed CAM
            int size = model.architecture().inputSize();
            Map<Method, NormalisedMaps> normalised = new LinkedHashMap<>();
            for (Map.Entry<Method, CamLayerMaps> e : layerMaps.entrySet()) {
                Tensor raw = e.getValue().layerMaps();
                Tensor up = inputSizeMaps.containsKey(e.getKey()) ? inputSizeMaps.get(e.getKey()) : MapOps.upsampleBilinear(raw, size, size);
                normalised.put(e.getKey(), MapOps.normaliseByMax(up));
            }

            // assemble per image
            ChannelOrder order = model.preprocessing().channelOrder();
            List<ImageExplanation> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                InputGeometry geom = batch.geometries().get(i);
                List<ClassExplanation> ce = new ArrayList<>();
                for (int r = 0; r < m; r++) {
                    if (imageOf[r] != i) continue;
                    Map<String, MapResult> maps = new LinkedHashMap<>();
                    for (Method cm : plan.cams()) {
                        CamLayerMaps lm = layerMaps.get(cm);
                        NormalisedMaps nm = normalised.get(cm);
                        maps.put(cm.token(), new MapResult(cm.token(), lm.layerMaps().slice(r),
                                lm.hasChannelWeights() ? lm.channelWeights().slice(r) : null, nm.maps().slice(r), nm.isEmpty(r), geom));
                    }
                    Map<String, GradientResult> grads = new LinkedHashMap<>();
                    for (Method gm : plan.grads()) {
                        Tensor grad = toRgb((sampled.containsKey(gm) ? sampled.get(gm) : inputGrads.get(gm.reluRule())).slice(r), order);
                        if (gm.guidingCam().isPresent()) {
                            Tensor cam = normalised.get(gm.guidingCam().get()).maps().slice(r);
                            grad = MapOps.guidedProduct(grad.reshape(1, 3, size, size), cam.reshape(1, size, size)).reshape(3, size, size);
                        }
                        grads.put(gm.token(), new GradientResult(gm.token(), grad, gaps.containsKey(gm) ? gaps.get(gm)[r] : Double.NaN));
                    }
                    int c = classOf[r];
                    ce.add(new ClassExplanation(c, labels.id(c), labels.name(c), logits.data()[i * classes + c],
                            probs.data()[i * classes + c], maps, grads));
                }
                out.add(new ImageExplanation(batch.sources().get(i), geom, preds.get(i).subList(0, Math.min(req.predictions(), preds.get(i).size())),
                        plan.layer(), ce));
            }
            return out;
        }
    }

    /**
     * A network that can forward from a layer: this explainer's own, or, where its backend has no such path (the
     * CUDA backend today), the same model on the CPU, loaded on first use and closed with the explainer.
     */
    private Tensor forwardFrom(String layer, Tensor activations) {
        if (forwardFromFallback == null) {
            java.util.Optional<Tensor> own = network.forwardFrom(layer, activations);
            if (own.isPresent()) return own.get();
            LOG.warning(() -> "the " + backend.name() + " backend cannot forward from a layer (Ablation-CAM's ablated passes); "
                    + "running those passes on the CPU backend instead");
            fallbackBackend = Backends.cpu(options.threads());
            forwardFromFallback = fallbackBackend.load(model);
        }
        return forwardFromFallback.forwardFrom(layer, activations).orElseThrow();
    }

    /** The network input value of a black pixel, per input channel. */
    private float[] blackPixel() {
        float[] b = new float[model.architecture().inputChannels()];
        for (int c = 0; c < b.length; c++) b[c] = model.preprocessing().apply(0f, c);
        return b;
    }

    /** dScore/dLogits per seed row: one-hot for logits; p_c (e_c - p) for probabilities. */
    static Tensor seeds(Score score, Tensor probs, int[] imageOf, int[] classOf, int classes) {
        Tensor s = BackwardRequest.oneHot(classOf, classes);
        if (score == Score.PROBABILITY) {
            float[] d = s.data(), p = probs.data();
            for (int r = 0; r < imageOf.length; r++) {
                float pc = p[imageOf[r] * classes + classOf[r]];
                for (int j = 0; j < classes; j++) d[r * classes + j] = pc * ((j == classOf[r] ? 1f : 0f) - p[imageOf[r] * classes + j]);
            }
        }
        return s;
    }

    /** Row-wise softmax, computed stably in double. */
    static Tensor softmax(Tensor logits) {
        int n = logits.dim(0), c = logits.dim(1);
        float[] l = logits.data(), out = new float[n * c];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) max = Math.max(max, l[i * c + j]);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.exp(l[i * c + j] - max);
            for (int j = 0; j < c; j++) out[i * c + j] = (float) (Math.exp(l[i * c + j] - max) / sum);
        }
        return new Tensor(out, n, c);
    }

    /** Top-k of one row; ties go to the lower class index, so the order is deterministic. */
    List<Prediction> topK(Tensor logits, int row, int k) {
        int c = logits.dim(1);
        Tensor probs = softmax(new Tensor(java.util.Arrays.copyOfRange(logits.data(), row * c, (row + 1) * c), 1, c));
        List<Integer> idx = new ArrayList<>();
        for (int j = 0; j < c; j++) idx.add(j);
        float[] l = logits.data();
        idx.sort(Comparator.<Integer>comparingDouble(j -> -l[row * c + j]).thenComparingInt(j -> j));
        List<Prediction> out = new ArrayList<>();
        ClassLabels labels = model.labels();
        for (int t = 0; t < Math.min(k, c); t++) {
            int j = idx.get(t);
            out.add(new Prediction(j, labels.id(j), labels.name(j), probs.data()[j], l[row * c + j]));
        }
        return out;
    }

    /** (3 x S x S) model channel order to RGB. */
    static Tensor toRgb(Tensor chw, ChannelOrder order) {
        if (order == ChannelOrder.RGB) return chw;
        int plane = chw.dim(1) * chw.dim(2);
        float[] src = chw.data(), dst = new float[src.length];
        for (int rgb = 0; rgb < 3; rgb++) System.arraycopy(src, order.rgbIndex(rgb) * plane, dst, rgb * plane, plane);
        return new Tensor(dst, chw.shape());
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            network.close();
            backend.close();
            if (forwardFromFallback != null) forwardFromFallback.close();
            if (fallbackBackend != null) fallbackBackend.close();
        } finally {
            lock.unlock();
        }
    }
}
