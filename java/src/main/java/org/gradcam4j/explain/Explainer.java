package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
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
import org.gradcam4j.backend.AblatedActivations;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.CamMaps;
import org.gradcam4j.backend.CamRequest;
import org.gradcam4j.backend.DeviceOutOfMemoryException;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.backend.StagedInput;
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

    private Explainer(Model model, Options options, Backends.Loaded prepared) {
        this.model = model;
        this.options = options;
        this.backend = prepared.backend();
        this.network = prepared.network();
        this.preprocessor = new Preprocessor(model.preprocessing(), model.architecture().inputSize(), options.resize());
    }

    /** An explainer for a model already loaded. */
    public static Explainer of(Model model, Options options) {
        return new Explainer(model, options, Backends.load(model, options.device(), options.threads(), options.precision()));
    }

    /**
     * An explainer on a backend the caller chose (a CUDA device other than 0, a CPU backend with its own thread
     * count...); {@code options.device()} and {@code threads} are then unused. The explainer owns the backend
     * from here on and closes it with itself.
     */
    public static Explainer of(Model model, Backend backend, Options options) {
        return new Explainer(model, options, Backends.loadOn(backend, model));
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

    /**
     * The logits (n x classes) of an input the caller already preprocessed (n x 3 x S x S, the model's input side), on
     * this explainer's network: for callers that build their own inputs (eval's fidelity passes) without loading the
     * network a second time. The whole input runs as one batch.
     */
    public Tensor logits(Tensor preprocessedInput) {
        Tensor[] out = new Tensor[1];
        locked(() -> {
            try (ForwardPass pass = network.forward(preprocessedInput, null)) {
                out[0] = pass.logits().copy();
            }
        });
        return out[0];
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
        } catch (DeviceOutOfMemoryException e) {
            if (images.size() == 1) throw e;
            int half = images.size() / 2;
            LOG.warning(() -> "the device ran out of memory on a batch of " + images.size() + " images; retrying as "
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

    /**
     * A batch preprocessed ahead of its explanation ({@link #prepare}): where the backend offers input staging
     * ({@link Network#stageInput}; the CUDA backend's page-locked slots), the preprocessing wrote the input straight
     * into it and its upload has begun, so it overlaps what the device computes meanwhile; otherwise it holds the
     * plain tensor. The results are the same either way. {@link #explainPrepared(PreparedBatch, ExplainRequest)}
     * closes it; close it yourself when it is not explained.
     */
    public static final class PreparedBatch implements AutoCloseable {
        private final Preprocessor.Batch plain;   // null when staged
        private final StagedInput staged;         // null when plain
        private final List<InputGeometry> geometries;
        private final List<String> sources;

        private PreparedBatch(Preprocessor.Batch plain, StagedInput staged, List<InputGeometry> geometries, List<String> sources) {
            this.plain = plain;
            this.staged = staged;
            this.geometries = geometries;
            this.sources = sources;
        }

        /** Whether the input lives in the backend's staging memory (not in a Java array). */
        public boolean isStaged() { return staged != null; }

        public int size() { return geometries.size(); }

        @Override
        public void close() {
            if (staged != null) staged.close();
        }
    }

    /**
     * The CAM-family methods that the backend's CAM step ({@link ForwardPass#camMaps}) computes, with a hand-written
     * kernel on the GPU; the others (Eigen-CAM and the methods that run the network again) run in the facade.
     */
    private static final Set<Method.Weights> BACKEND_CAM_STEP = java.util.EnumSet.of(Method.Weights.GRADIENT_MEAN,
            Method.Weights.NEGATIVE_GRADIENT_MEAN, Method.Weights.GRADCAM_PP, Method.Weights.GRADCAM_PP_OFFICIAL,
            Method.Weights.XGRADCAM, Method.Weights.LINEAR_HEAD, Method.Weights.PER_POSITION_GRADIENT,
            Method.Weights.PER_POSITION_POSITIVE_GRADIENT);

    /** The CAM-family methods that run the network again on inputs made from the batch's (or its activations). */
    private static final Set<Method.Weights> RERUNS_NETWORK = java.util.EnumSet.of(Method.Weights.SCORE,
            Method.Weights.ABLATION, Method.Weights.OCCLUSION);

    /** Whether a method needs the batch's input on the host: the augmented copies, masked, noisy or path inputs. */
    private static boolean needsHostInput(Method m) {
        return m.isAugmented() || m.sampling() != Method.Sampling.NONE || (m.isCam() && RERUNS_NETWORK.contains(m.weights()));
    }

    /**
     * Preprocesses a batch for {@link #explainPrepared(PreparedBatch, ExplainRequest)} (the explain pipeline calls
     * this on its reader thread while the previous batch is explained). Requests with {@code augmented-*} methods
     * need the input on the host too, so they always get the plain tensor.
     */
    public PreparedBatch prepare(List<LoadedImage> images, ExplainRequest request) {
        if (images.isEmpty()) throw new IllegalArgumentException("empty batch");
        if (request.parsedMethods().stream().noneMatch(Explainer::needsHostInput)) {
            java.util.Optional<StagedInput> staging;
            try {
                staging = network.stageInput(images.size());
            } catch (DeviceOutOfMemoryException e) {
                staging = java.util.Optional.empty();  // no room for the staging memory: the plain path
            }
            if (staging.isPresent()) {
                StagedInput in = staging.get();
                try {
                    Preprocessor.Placed p = preprocessor.prepareInto(images, in.values());
                    in.ready();
                    return new PreparedBatch(null, in, p.geometries(), p.sources());
                } catch (RuntimeException | Error e) {
                    in.close();
                    throw e;
                }
            }
        }
        Preprocessor.Batch b = preprocessor.prepareBatch(images);
        return new PreparedBatch(b, null, b.geometries(), b.sources());
    }

    /** Explains a batch from {@link #prepare} as one forward pass, and closes it. */
    public List<ImageExplanation> explainPrepared(PreparedBatch batch, ExplainRequest request) {
        try (batch) {
            if (batch.plain != null) return explainPrepared(batch.plain, request);
            Plan plan = plan(request);
            if (request.parsedMethods().stream().anyMatch(Explainer::needsHostInput)) {
                throw new IllegalArgumentException("a staged batch has no host copy for " + request.methods() + ": prepare it with this request");
            }
            List<ImageExplanation> out = new ArrayList<>();
            locked(() -> out.addAll(explainBatchDirect(batch.geometries, batch.sources, null, keep -> {
                try {
                    return network.forward(batch.staged, keep);
                } finally {
                    batch.staged.close();  // the pass has its own copy: the slot can take the batch after next
                }
            }, plan, request.targets(), request)));
            return out;
        }
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
            throw new InvalidInputException(arch.name() + " was loaded without a classifier head (notop weights): there are no class scores to explain");
        }
        Set<Method> computed = new java.util.LinkedHashSet<>(cams);
        for (Method g : grads) g.guidingCam().ifPresent(computed::add);
        String layer;
        if (computed.contains(Method.CAM)) {
            if (arch.head() != Head.GAP) {
                throw new InvalidInputException("CAM needs a network whose head is global average pooling followed by one linear layer; "
                        + arch.name() + " has fully-connected layers (fc1, fc2) instead, so CAM is undefined for it. "
                        + "Use gradcam: Grad-CAM equals CAM on networks that have such a head.");
            }
            String camLayer = arch.layers().get(arch.indexOf("gap") - 1).name();
            if (req.layer() != null && !req.layer().equals(camLayer)) {
                throw new InvalidInputException("CAM is defined at the layer feeding global average pooling (" + camLayer + "), not at " + req.layer());
            }
            layer = camLayer;
        } else {
            layer = req.layer() == null ? arch.defaultTargetLayer() : req.layer();
        }
        LayerSpec spec = arch.layer(layer); // unknown layer: error listing the layers
        if (!spec.isSpatial()) {
            throw new InvalidInputException("layer '" + layer + "' is not a convolution or pooling layer; CAM-family maps need a spatial layer");
        }
        if (spec.kind() != LayerKind.CONV3X3 && spec.kind() != LayerKind.MAXPOOL2) {
            throw new InvalidInputException("layer '" + layer + "' cannot be a target layer");
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
        List<ImageExplanation> out = explainBatchDirect(batch.geometries(), batch.sources(), batch.input(), keep -> network.forward(batch.input(), keep),
                plan, targets, req);
        return plan.augmented().isEmpty() ? out : addAugmented(batch, plan, req, out);
    }

    /**
     * The {@code augmented-*} maps: for each image, its copies through the network (the classes already chosen
     * on the image itself), then every image's and class's aggregations at once, so the TV solves of the batch are
     * one batch for the solver. Added after the other maps of each class.
     */
    private List<ImageExplanation> addAugmented(Preprocessor.Batch batch, Plan plan, ExplainRequest req, List<ImageExplanation> direct) {
        AugmentedGradCam aug = new AugmentedGradCam(network, model.preprocessing(), options.maxBatch(), req.augmentation().withSolver(backend.superResolution(req.augmentation().solver())));
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

    /**
     * The maps of one batch of {@code geometries.size()} images, whose forward pass {@code forward} runs (given what to
     * keep: the plan's {@code keepFrom}).
     */
    private List<ImageExplanation> explainBatchDirect(List<InputGeometry> geometries, List<String> sources, Tensor input,
                                                      java.util.function.Function<String, ForwardPass> forward, Plan plan, Targets targets,
                                                      ExplainRequest req) {
        ClassLabels labels = model.labels();
        int n = geometries.size();
        int classes = model.architecture().numClasses();
        try (ForwardPass pass = forward.apply(plan.keepFrom())) {
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

            // The CAM-family step, on the backend (on a GPU: where the activations are; only the maps come back)
            int size = model.architecture().inputSize();
            Set<Method> products = new java.util.LinkedHashSet<>();
            Set<ReluRule> rawGradients = new java.util.LinkedHashSet<>();
            for (Method gm : plan.grads()) {
                if (gm.sampling() != Method.Sampling.NONE) continue;   // gradients at generated inputs: below
                if (gm.guidingCam().isPresent()) products.add(gm.guidingCam().get());
                else rawGradients.add(gm.reluRule());
            }
            Set<Method> onBackend = new java.util.LinkedHashSet<>(), onHost = new java.util.LinkedHashSet<>();
            for (Method cm : plan.camsComputed()) (BACKEND_CAM_STEP.contains(cm.weights()) ? onBackend : onHost).add(cm);
            Tensor linear = onBackend.contains(Method.CAM) ? model.weights().kernel("predictions") : null;
            CamMaps cams = pass.camMaps(new CamRequest(seeds, imageOf, classOf, plan.layer(), onBackend, linear, size,
                    rawGradients, products));
            Map<Method, CamLayerMaps> layerMaps = new LinkedHashMap<>(cams.layerMaps());
            Map<Method, NormalisedMaps> normalised = new LinkedHashMap<>(cams.normalised());

            // Eigen-CAM, EigenGrad-CAM and the methods that run the network again (docs/ALGORITHMS.md section 8), on
            // the host through the generic pass: they need the activations (and the input) here
            Map<Method, Tensor> sampled = new LinkedHashMap<>();
            Map<Method, double[]> gaps = new LinkedHashMap<>();
            boolean sampling = plan.grads().stream().anyMatch(g -> g.sampling() != Method.Sampling.NONE);
            if (!onHost.isEmpty() || sampling) {
                if (input == null && (sampling || onHost.stream().anyMatch(Explainer::needsHostInput))) {
                    throw new IllegalStateException("the batch has no host copy, which " + req.methods() + " need");
                }
                Tensor act = pass.activation(plan.layer());
                Map<Method, CamLayerMaps> hostMaps = new LinkedHashMap<>();
                List<Method> eigenGrad = onHost.stream().filter(cm -> cm.weights() == Method.Weights.EIGEN_GRADIENT).toList();
                if (!eigenGrad.isEmpty()) {
                    Tensor layerGrad = pass.backward(new BackwardRequest(seeds, imageOf, plan.layer(), ReluRule.GRADIENT,
                            Set.of(plan.layer()), Set.of())).at(plan.layer());
                    for (Method cm : eigenGrad) hostMaps.put(cm, CamMath.compute(cm, act, layerGrad, imageOf));
                }
                ExtraMethods extra = new ExtraMethods(network, input, act, logits, imageOf, classOf, req.score() == Score.PROBABILITY,
                        req.methodSettings(), options.maxBatch(), blackPixel(), (img, first, to) -> pass.ablatedLogits(plan.layer(), img, first, to)
                                .orElseGet(() -> forwardFrom(plan.layer(), AblatedActivations.make(act.slice(img), first, to))));
                Map<Method, Tensor> inputSizeMaps = new LinkedHashMap<>();
                extra.camMaps(onHost, hostMaps, inputSizeMaps);
                for (Map.Entry<Method, CamLayerMaps> e : hostMaps.entrySet()) {
                    Tensor up = inputSizeMaps.containsKey(e.getKey()) ? inputSizeMaps.get(e.getKey())
                            : MapOps.upsampleBilinear(e.getValue().layerMaps(), size, size);
                    layerMaps.put(e.getKey(), e.getValue());
                    normalised.put(e.getKey(), MapOps.normaliseByMax(up));
                }
                extra.gradients(plan.grads(), sampled, gaps);
            }

            // assemble per image
            ChannelOrder order = model.preprocessing().channelOrder();
            List<ImageExplanation> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                InputGeometry geom = geometries.get(i);
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
                        // the products are per pixel, so channel order and product commute
                        Tensor grad = sampled.containsKey(gm) ? sampled.get(gm).slice(r)
                                : gm.guidingCam().isPresent() ? cams.guidedProducts().get(gm.guidingCam().get()).slice(r)
                                : cams.inputGradients().get(gm.reluRule()).slice(r);
                        grads.put(gm.token(), new GradientResult(gm.token(), toRgb(grad, order), gaps.containsKey(gm) ? gaps.get(gm)[r] : Double.NaN));
                    }
                    int c = classOf[r];
                    ce.add(new ClassExplanation(c, labels.id(c), labels.name(c), logits.data()[i * classes + c],
                            probs.data()[i * classes + c], maps, grads));
                }
                out.add(new ImageExplanation(sources.get(i), geom, preds.get(i).subList(0, Math.min(req.predictions(), preds.get(i).size())),
                        plan.layer(), ce));
            }
            return out;
        }
    }

    /**
     * A network that can forward from a layer: this explainer's own (the CPU and CUDA backends have the path), or,
     * where its backend has none, the same model on the CPU, loaded on first use and closed with the explainer.
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
