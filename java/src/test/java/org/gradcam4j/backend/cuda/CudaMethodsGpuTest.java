package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.gradcam4j.backend.AblatedActivations;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.InputCopies;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.method.Epsilons;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Tolerances;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The forward-heavy methods on the CUDA backend (tagged gpu; skipped without a usable device), seeded random VGG16:
 * <ul>
 *   <li>{@code Network.forwardFrom} on the device against the CPU backend's, on ablated activations of a conv, a
 *       pool and an fc layer ({@link Tolerances#NETWORK});</li>
 *   <li>every {@link InputCopies} recipe made on the device ({@code kernels/input_copies.cuh}) against the same
 *       recipe made on the host and uploaded: the network inputs bit-identical, the logits within
 *       {@link Tolerances#DEVICE_COPIES};</li>
 *   <li>Ablation-CAM's ablated activations made on the device from the pass's kept activation
 *       ({@code kernels/ablated_copies.cuh}) against host-made copies and the CPU backend;</li>
 *   <li>Ablation-CAM through the facade: the same maps as the CPU backend ({@link Tolerances#NETWORK}), and no fall
 *       back to a CPU copy of the model (the explainer logs one when it falls back).</li>
 * </ul>
 * Every comparison is printed (as in {@link CudaParityGpuTest}), so a GPU session's log holds the measured errors.
 */
@Tag("gpu")
class CudaMethodsGpuTest {
    private static final CudaRuntime.Status status = CudaRuntime.status();
    @BeforeEach
    void device() { assumeTrue(status.available(), status::reason); }

    private static Tensor input(int n, int seed) { return CudaParityGpuTest.input(n, seed); }

    private static void check(String what, Tensor got, Tensor want, double tol) { CudaParityGpuTest.check(what, got, want, tol); }

    /** Copies of one activation (C x ...) with channel k of copy k zeroed, as Ablation-CAM makes them. */
    private static Tensor ablated(Tensor activation, int copies) {
        int per = activation.sliceSize(), c = activation.dim(1), plane = per / c;
        float[] a = activation.data(), b = new float[copies * per];
        for (int k = 0; k < copies; k++) {
            System.arraycopy(a, 0, b, k * per, per);
            java.util.Arrays.fill(b, k * per + k * plane, k * per + (k + 1) * plane, 0f);
        }
        int[] shape = activation.shape().clone();
        shape[0] = copies;
        return new Tensor(b, shape);
    }

    @Test
    void forwardFromMatchesTheCpuBackend() {
        Model model = RandomWeights.model(Architecture.vgg16(), 5);
        Tensor x = input(1, 3);
        try (CpuBackend cpu = new CpuBackend(); CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32);
             Network ref = cpu.load(model); Network dev = gpu.loadUnchecked(model, CudaPrecision.FP32);
             ForwardPass a = ref.forward(x, Architecture.INPUT)) {
            for (String layer : List.of("block5_conv3", "block4_pool", "fc1")) {
                Tensor batch = ablated(a.activation(layer), 12);
                Tensor want = ref.forwardFrom(layer, batch).orElseThrow();
                Tensor got = dev.forwardFrom(layer, batch).orElseThrow();
                check("forwardFrom " + layer + " (12 ablated copies)", got, want, Tolerances.NETWORK);
            }
            // the unablated activation gives the full pass's logits
            check("forwardFrom block5_conv3, unablated", dev.forwardFrom("block5_conv3", a.activation("block5_conv3")).orElseThrow(),
                    a.logits(), Tolerances.NETWORK);
        }
    }

    /**
     * Ablation-CAM's ablated activations made on the device from the pass's own kept activation
     * ({@code ForwardPass.ablatedLogits}, {@code kernels/ablated_copies.cuh}) against the same copies made on the host
     * ({@link AblatedActivations#make}) and uploaded through {@code forwardFrom}: same device, same batch size, so
     * within {@link Tolerances#DEVICE_COPIES}; and against the CPU backend ({@link Tolerances#NETWORK}). Row 1 of a
     * batch of 2, a first and a last (short) range of channels, a conv and a pool layer; the pass is unchanged after.
     */
    @Test
    void ablatedActivationsMadeOnTheDeviceMatchTheHost() {
        Model model = RandomWeights.model(Architecture.vgg16(), 9);
        Tensor x = input(2, 13);
        try (CpuBackend cpu = new CpuBackend(); CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32);
             Network ref = cpu.load(model); Network dev = gpu.loadUnchecked(model, CudaPrecision.FP32);
             ForwardPass pass = dev.forward(x, "block4_pool"); ForwardPass cpuPass = ref.forward(x, "block4_pool")) {
            Tensor logitsBefore = pass.logits();
            for (String layer : List.of("block5_conv3", "block4_pool")) {
                for (int[] r : new int[][] {{1, 0, 8}, {1, 500, 512}, {0, 37, 38}}) {
                    int img = r[0], from = r[1], to = r[2];
                    String what = "ablated " + layer + " image " + img + " channels " + from + ".." + to;
                    Tensor onDevice = pass.ablatedLogits(layer, img, from, to).orElseThrow();
                    Tensor fromHost = dev.forwardFrom(layer, AblatedActivations.make(pass.activation(layer).slice(img), from, to)).orElseThrow();
                    check(what + " (vs host copies)", onDevice, fromHost, Tolerances.DEVICE_COPIES);
                    Tensor cpuLogits = ref.forwardFrom(layer, AblatedActivations.make(cpuPass.activation(layer).slice(img), from, to)).orElseThrow();
                    check(what + " (vs CPU backend)", onDevice, cpuLogits, Tolerances.NETWORK);
                }
            }
            check("pass logits after the ablated passes", pass.logits(), logitsBefore, 0.0);
        }
    }

    @Test
    void copiesMadeOnTheDeviceMatchTheHost() {
        Model model = RandomWeights.model(Architecture.vgg16(), 8);
        Tensor image = input(1, 11).reshape(3, 224, 224);
        float[] black = {-103.939f, -116.779f, -123.68f};
        double[] alphas = new double[7];
        for (int k = 0; k < 7; k++) alphas[k] = Math.pow((k + 0.5) / 7, 1.5);
        try (CpuBackend cpu = new CpuBackend(); CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32);
             Network dev = gpu.loadUnchecked(model, CudaPrecision.FP32); Network ref = cpu.load(model);
             ForwardPass p = ref.forward(image.reshape(1, 3, 224, 224), "block5_conv3")) {
            Tensor act = p.activation("block5_conv3").reshape(512, 14, 14);
            float[] z = InputCopies.Noisy.noise(3, 6, 3 * 224 * 224);
            record Case(String name, InputCopies copies, int from, int to) {}
            List<Case> cases = List.of(
                    new Case("score-cam masks (aligned corners)", new InputCopies.ScoreCamMasks(act, true, Epsilons.SCORECAM_MASK), 40, 48),
                    new Case("score-cam masks (half-pixel)", new InputCopies.ScoreCamMasks(act, false, Epsilons.SCORECAM_MASK), 500, 512),
                    new Case("path points", new InputCopies.PathPoints(black, alphas), 2, 7),
                    new Case("occluded copies", new InputCopies.Occluded(black, 224, 32, 16), 100, 110),
                    new Case("noisy copies (noise uploaded)", new InputCopies.Noisy(z, 3, 6, 30.0), 0, 4),
                    new Case("noisy copies (noise kept)", new InputCopies.Noisy(z, 3, 6, 12.5), 3, 6),
                    new Case("noisy copies (another seed)", new InputCopies.Noisy(InputCopies.Noisy.noise(4, 2, 3 * 224 * 224), 4, 2, 7.0), 0, 2));
            for (Case c : cases) {
                try (ForwardPass host = dev.forward(c.copies().make(image, c.from(), c.to()), Architecture.INPUT);
                     ForwardPass device = dev.forwardCopies(image, c.copies(), c.from(), c.to(), Architecture.INPUT)) {
                    check(c.name() + " (inputs)", device.activation(Architecture.INPUT), host.activation(Architecture.INPUT), 0.0);
                    check(c.name() + " (logits)", device.logits(), host.logits(), Tolerances.DEVICE_COPIES);
                }
            }
        }
    }

    @Test
    void ablationCamRunsOnTheDeviceAndMatchesTheCpuBackend() {
        Model model = RandomWeights.model(Architecture.vgg16(), 6);
        ExplainRequest req = ExplainRequest.of(List.of("ablationcam"), Targets.topK(2));
        List<LoadedImage> imgs = CudaParityGpuTest.images(2);
        Explainer.Options opts = Explainer.Options.defaults().withMaxBatch(64).withPrecision(CudaPrecision.FP32);
        List<ImageExplanation> want, got;
        List<LogRecord> warnings = new ArrayList<>();
        Handler h = new Handler() {
            @Override public void publish(LogRecord r) { if (r.getLevel().intValue() >= Level.WARNING.intValue()) warnings.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Logger log = Logger.getLogger(Explainer.class.getName());
        try (Explainer ex = Explainer.of(model, new CpuBackend(), opts)) { want = ex.explain(imgs, req); }
        log.addHandler(h);
        try (Explainer ex = Explainer.of(model, CudaBackend.open(0, CudaPrecision.FP32), opts)) {
            got = ex.explain(imgs, req);
        } finally {
            log.removeHandler(h);
        }
        assertTrue(warnings.stream().noneMatch(r -> r.getMessage().contains("cannot forward from a layer")),
                "Ablation-CAM fell back to the CPU backend");
        for (int i = 0; i < imgs.size(); i++) {
            for (int c = 0; c < 2; c++) {
                ClassExplanation a = want.get(i).classes().get(c), b = got.get(i).classes().get(c);
                assertEquals(a.classIndex(), b.classIndex(), "image " + i + " class rank " + c);
                String t = "ablationcam image " + i + " class " + a.classIndex() + " ";
                check(t + "weights", b.maps().get("ablationcam").weights(), a.maps().get("ablationcam").weights(),
                        Tolerances.NETWORK);
                check(t + "map", b.maps().get("ablationcam").map(), a.maps().get("ablationcam").map(), Tolerances.NETWORK);
            }
        }
    }
}
