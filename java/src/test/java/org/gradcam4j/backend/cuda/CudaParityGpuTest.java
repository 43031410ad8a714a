package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The GPU parity suite (tagged gpu; skipped without a usable device): the cuDNN engine against the CPU backend on
 * full-size VGG16 and VGG19 with seeded He-normal weights, batches 1 and 8.
 * <ul>
 *   <li>fp32: logits and the target layer's activation within 1e-4 relative L2; gradients at the target layer
 *       1e-4; input gradients under every ReLU rule 1e-3 (below five max-pools a float32 near-tie may route a
 *       window's gradient differently on the two backends); weight gradients 1e-3;</li>
 *   <li>every facade method (CAM family maps, gradient family images) within 1e-4 (maps) / 1e-3 (gradients);</li>
 *   <li>tf32: logits within 1e-2, Grad-CAM maps within 2e-2 (TF32 rounds convolution inputs to 10 mantissa
 *       bits, ~5e-4 relative per product; through 16 layers that compounds to ~1e-3..1e-2).</li>
 * </ul>
 * Every comparison is printed, so a GPU session's log holds the measured errors.
 */
@Tag("gpu")
class CudaParityGpuTest {
    private static final CudaRuntime.Status status = CudaRuntime.status();
    private static CpuBackend cpu;

    @BeforeAll
    static void cpu() { cpu = new CpuBackend(); }

    @AfterAll
    static void close() { if (cpu != null) cpu.close(); }

    @BeforeEach
    void device() { assumeTrue(status.available(), status::reason); }

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of("vgg16", 1), Arguments.of("vgg16", 8), Arguments.of("vgg19", 1), Arguments.of("vgg19", 8));
    }

    /** (n x 3 x 224 x 224) seeded values in a Keras caffe-style range; shared with the other gpu-tagged tests. */
    static Tensor input(int n, int seed) { return input(n, seed, 224); }

    private static Tensor input(int n, int seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 3 * size * size];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 200 - 100);  // Keras caffe-style range
        return new Tensor(x, n, 3, size, size);
    }

    /** Prints the comparison (the GPU session's log keeps the numbers) and asserts the bound. */
    static void check(String what, Tensor got, Tensor want, double tol) {
        double e = CudaSelfCheck.relL2(got, want);
        System.out.printf(Locale.ROOT, "gpu-parity %-58s rel.L2 %.3e (bound %.0e)%n", what, e, tol);
        assertTrue(e <= tol, what + ": relative L2 " + e + " > " + tol);
    }

    @ParameterizedTest(name = "{0} batch {1} fp32")
    @MethodSource("cases")
    void networkOpsMatchTheCpuBackend(String archName, int batch) {
        Model model = RandomWeights.model(Architecture.byName(archName), 5);
        String target = model.architecture().defaultTargetLayer();
        Tensor x = input(batch, 3);
        int[] classes = new int[batch];
        for (int i = 0; i < batch; i++) classes[i] = (i * 131 + 7) % 1000;
        Tensor seeds = BackwardRequest.oneHot(classes, 1000);
        String tag = archName + " b" + batch + " ";
        try (CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32);
             Network ref = cpu.load(model); Network dev = gpu.loadUnchecked(model, CudaPrecision.FP32);
             ForwardPass a = ref.forward(x, Architecture.INPUT); ForwardPass b = dev.forward(x, Architecture.INPUT)) {
            check(tag + "logits", b.logits(), a.logits(), 1e-4);
            check(tag + target + " activation", b.activation(target), a.activation(target), 1e-4);
            for (ReluRule rule : ReluRule.values()) {
                String t = tag + rule.name().toLowerCase(Locale.ROOT) + " ";
                Set<String> wg = rule == ReluRule.GRADIENT ? Set.of("block4_conv1", "fc2") : Set.of();
                BackwardRequest req = new BackwardRequest(seeds, BackwardRequest.perImage(seeds, target, rule).imageOf(),
                        Architecture.INPUT, rule, Set.of(target, "fc1"), wg);
                Gradients ga = a.backward(req), gb = b.backward(req);
                check(t + "fc1 gradient", gb.at("fc1"), ga.at("fc1"), 1e-4);
                check(t + target + " gradient", gb.at(target), ga.at(target), 1e-4);
                check(t + "input gradient", gb.at(Architecture.INPUT), ga.at(Architecture.INPUT), 1e-3);
                for (String k : ga.weightGrads().keySet()) check(t + k + " gradient", gb.weightGrads().get(k), ga.weightGrads().get(k), 1e-3);
            }
            System.out.println("gpu-parity " + tag + "memory " + ((CudaNetwork) dev).memory());
        }
    }

    /**
     * {@code ForwardPass.camMaps}, the CAM-family step the facade asks of a backend: on the CUDA backend the
     * hand-written kernels in one native call, against the CPU backend's CamMath / MapOps. Every CAM method (CAM on
     * a network with a global-average-pooling head, the others on VGG16 too), several classes per image (gathered
     * seed rows), the input gradients of every ReLU rule and both Guided Grad-CAM products.
     */
    @ParameterizedTest(name = "{0}: camMaps, every CAM method")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"cam-head", "vgg16"})
    void camMapsMatchTheCpuBackend(String which) {
        Architecture arch = which.equals("vgg16") ? Architecture.vgg16()
                : Architecture.custom("cam19", 64, new int[] {2, 2, 4, 4, 4}, new int[] {8, 16, 32, 64, 64}, new int[0], 10,
                        org.gradcam4j.model.Head.GAP, 48);
        Model model = RandomWeights.model(arch, 8);
        int s = arch.inputSize(), batch = 3, classes = arch.numClasses();
        boolean camHead = arch.head() == org.gradcam4j.model.Head.GAP;
        String layer = camHead ? arch.layers().get(arch.indexOf("gap") - 1).name() : arch.defaultTargetLayer();
        int[] imageOf = {0, 0, 1, 2, 2, 2};
        int[] classOf = {1, 7 % classes, 3, 0, 5 % classes, 9 % classes};
        Tensor seeds = BackwardRequest.oneHot(classOf, classes);
        java.util.Set<org.gradcam4j.method.Method> methods = new java.util.LinkedHashSet<>(java.util.Arrays.stream(org.gradcam4j.method.Method.values()).filter(org.gradcam4j.method.Method::isCam).toList());
        if (!camHead) methods.remove(org.gradcam4j.method.Method.CAM);
        org.gradcam4j.backend.CamRequest req = new org.gradcam4j.backend.CamRequest(seeds, imageOf, classOf, layer, methods,
                camHead ? model.weights().kernel("predictions") : null, s, Set.of(ReluRule.values()),
                Set.of(org.gradcam4j.method.Method.GRADCAM, org.gradcam4j.method.Method.GRADCAM_PP));
        Tensor x = input(batch, 4, s);
        try (CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32);
             Network ref = cpu.load(model); Network dev = gpu.loadUnchecked(model, CudaPrecision.FP32);
             ForwardPass a = ref.forward(x, Architecture.INPUT); ForwardPass b = dev.forward(x, Architecture.INPUT)) {
            org.gradcam4j.backend.CamMaps want = a.camMaps(req), got = b.camMaps(req);
            for (org.gradcam4j.method.Method m : methods) {
                String t = which + " " + m.token() + " ";
                var lw = want.layerMaps().get(m);
                var lg = got.layerMaps().get(m);
                check(t + "layer maps", lg.layerMaps(), lw.layerMaps(), 1e-4);
                if (lw.hasChannelWeights()) check(t + "channel weights", lg.channelWeights(), lw.channelWeights(), 1e-4);
                check(t + "normalised maps", got.normalised().get(m).maps(), want.normalised().get(m).maps(), 1e-4);
                for (int r = 0; r < imageOf.length; r++) {
                    assertEquals(want.normalised().get(m).isEmpty(r), got.normalised().get(m).isEmpty(r), t + "empty flag " + r);
                }
            }
            for (ReluRule rule : ReluRule.values()) {
                check(which + " input gradient " + rule, got.inputGradients().get(rule), want.inputGradients().get(rule), 1e-3);
            }
            for (var e : want.guidedProducts().entrySet()) {
                check(which + " guided product " + e.getKey().token(), got.guidedProducts().get(e.getKey()), e.getValue(), 1e-3);
            }
        }
    }

    /** n seeded noise pictures (256 x 240). */
    static List<LoadedImage> images(int n) {
        List<LoadedImage> l = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(256, 240, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < img.getHeight(); y++) for (int xx = 0; xx < img.getWidth(); xx++) img.setRGB(xx, y, r.nextInt(1 << 24));
            l.add(new LoadedImage(img, "noise" + i, "PNG", 1));
        }
        return l;
    }

    @ParameterizedTest(name = "{0} batch {1}: every method")
    @MethodSource("cases")
    void everyFacadeMethodMatchesTheCpuBackend(String archName, int batch) {
        Model model = RandomWeights.model(Architecture.byName(archName), 6);
        List<String> methods = new ArrayList<>();
        for (org.gradcam4j.method.Method m : org.gradcam4j.method.Method.all(false)) if (!m.isAugmented()) methods.add(m.token());
        ExplainRequest req = ExplainRequest.of(methods, Targets.topK(2));
        List<LoadedImage> imgs = images(batch);
        Explainer.Options opts = Explainer.Options.defaults().withMaxBatch(batch).withPrecision(CudaPrecision.FP32);
        List<ImageExplanation> want, got;
        try (Explainer ex = Explainer.of(model, new CpuBackend(), opts)) { want = ex.explain(imgs, req); }
        try (Explainer ex = Explainer.of(model, CudaBackend.open(0, CudaPrecision.FP32), opts)) { got = ex.explain(imgs, req); }
        for (int i = 0; i < batch; i++) {
            for (int c = 0; c < 2; c++) {
                ClassExplanation a = want.get(i).classes().get(c), b = got.get(i).classes().get(c);
                assertEquals(a.classIndex(), b.classIndex(), "image " + i + " class rank " + c);
                String t = archName + " b" + batch + " image " + i + " class " + a.classIndex() + " ";
                for (String m : a.maps().keySet()) check(t + m + " map", b.maps().get(m).map(), a.maps().get(m).map(), 1e-4);
                for (String m : a.gradients().keySet()) check(t + m, b.gradients().get(m).values(), a.gradients().get(m).values(), 1e-3);
            }
        }
    }

    @ParameterizedTest(name = "{0} batch {1} tf32")
    @MethodSource("cases")
    void tf32StaysWithinItsDocumentedBounds(String archName, int batch) {
        Model model = RandomWeights.model(Architecture.byName(archName), 5);
        ExplainRequest req = ExplainRequest.gradCam();
        List<LoadedImage> imgs = images(batch);
        Explainer.Options opts = Explainer.Options.defaults().withMaxBatch(batch);
        List<ImageExplanation> want, got;
        try (Explainer ex = Explainer.of(model, CudaBackend.open(0, CudaPrecision.FP32), opts)) { want = ex.explain(imgs, req); }
        try (Explainer ex = Explainer.of(model, CudaBackend.open(0, CudaPrecision.TF32), opts)) { got = ex.explain(imgs, req); }
        for (int i = 0; i < batch; i++) {
            ClassExplanation a = want.get(i).classes().get(0), b = got.get(i).classes().get(0);
            String t = archName + " b" + batch + " tf32 image " + i + " ";
            float[] la = {a.logit()}, lb = {b.logit()};
            check(t + "top logit", new Tensor(lb, 1), new Tensor(la, 1), 1e-2);
            if (a.classIndex() == b.classIndex()) check(t + "gradcam map", b.maps().get("gradcam").map(), a.maps().get("gradcam").map(), 2e-2);
        }
    }

    /**
     * Augmented Grad-CAM end to end on the CUDA backend (network and GPU solver) against the CPU backend, seeded
     * random VGG16, 20 copies: the tv and single maps within 1e-3, their boxes identical.
     */
    @org.junit.jupiter.api.Test
    void augmentedGradCamMatchesTheCpuBackend() {
        Model model = RandomWeights.model(Architecture.vgg16(), 7);
        ExplainRequest req = ExplainRequest.of(List.of("augmented-tv", "augmented-single"), Targets.topK(1))
                .withAugmentation(org.gradcam4j.augment.AugmentedGradCam.Settings.defaults().withCopies(20));
        List<LoadedImage> imgs = images(2);
        Explainer.Options opts = Explainer.Options.defaults().withMaxBatch(10).withPrecision(CudaPrecision.FP32);
        List<ImageExplanation> want, got;
        try (Explainer ex = Explainer.of(model, new CpuBackend(), opts)) { want = ex.explain(imgs, req); }
        try (Explainer ex = Explainer.of(model, CudaBackend.open(0, CudaPrecision.FP32), opts)) { got = ex.explain(imgs, req); }
        for (int i = 0; i < imgs.size(); i++) {
            ClassExplanation a = want.get(i).classes().get(0), b = got.get(i).classes().get(0);
            assertEquals(a.classIndex(), b.classIndex());
            for (String m : List.of("augmented-tv", "augmented-single")) {
                check("vgg16 image " + i + " " + m, b.maps().get(m).map(), a.maps().get(m).map(), 1e-3);
                var s = org.gradcam4j.localize.HeatmapBoxes.Settings.defaults();
                assertEquals(org.gradcam4j.localize.HeatmapBoxes.find(a.maps().get(m).mapInOriginal(), s),
                        org.gradcam4j.localize.HeatmapBoxes.find(b.maps().get(m).mapInOriginal(), s), "boxes of " + m + ", image " + i);
            }
        }
    }

    /** Copies warped on the device give the network the same input as copies warped on the host. */
    @org.junit.jupiter.api.Test
    void copiesWarpedOnTheDeviceMatchTheHost() {
        Model model = RandomWeights.model(Architecture.vgg16(), 8);
        List<org.gradcam4j.augment.AffineWarp> warps = org.gradcam4j.augment.Augmentations.random(6, 224, 5);
        Tensor image = input(1, 11).reshape(3, 224, 224);
        float[] fill = {-103.939f, -116.779f, -123.68f};
        double[] affine = new double[36];
        boolean[] identity = new boolean[6];
        for (int k = 0; k < 6; k++) {
            identity[k] = warps.get(k).isIdentity();
            System.arraycopy(warps.get(k).coefficients(), 0, affine, 6 * k, 6);
        }
        Tensor host = org.gradcam4j.augment.Augmentations.warpInput(image, fill, warps, 0, 6);
        try (CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32); Network dev = gpu.loadUnchecked(model, CudaPrecision.FP32);
             ForwardPass a = dev.forward(host, Architecture.INPUT);
             ForwardPass b = dev.forwardWarped(image, fill, affine, identity, Architecture.INPUT).orElseThrow()) {
            check("warped copies (input)", b.activation(Architecture.INPUT), a.activation(Architecture.INPUT), 0.0);
            check("warped copies (logits)", b.logits(), a.logits(), 1e-6);
        }
    }
}
