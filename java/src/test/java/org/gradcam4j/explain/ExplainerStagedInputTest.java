package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.StagedInput;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The input-staging path of the facade ({@link Explainer#prepare}, {@link Network#stageInput}) without a GPU: a
 * backend stand-in runs the CPU backend but offers direct-buffer staging the way the CUDA backend does, so the
 * preprocessing writes straight into it. Whatever the path, the maps are the plain path's, bit for bit (the plain
 * path is the one the method parity tests check against PyTorch).
 */
class ExplainerStagedInputTest {
    /** The CPU backend behind a network that stages inputs in direct (off-heap) memory. */
    private static final class StagingCpu implements Backend {
        final CpuBackend cpu = new CpuBackend(2);
        int staged, forwardsFromStaging;

        @Override public String name() { return "staging-cpu"; }
        @Override public String description() { return "CPU with direct-buffer input staging"; }
        @Override public void close() { cpu.close(); }

        @Override
        public Network load(Model model) {
            Network inner = cpu.load(model);
            Architecture arch = model.architecture();
            int per = arch.inputChannels() * arch.inputSize() * arch.inputSize();
            return new Network() {
                @Override public Architecture architecture() { return arch; }
                @Override public void close() { inner.close(); }
                @Override public ForwardPass forward(Tensor input, String keepFrom) { return inner.forward(input, keepFrom); }

                @Override
                public Optional<StagedInput> stageInput(int n) {
                    staged++;
                    return Optional.of(new Staged(n, ByteBuffer.allocateDirect(4 * n * per).order(ByteOrder.nativeOrder()).asFloatBuffer()));
                }

                @Override
                public ForwardPass forward(StagedInput input, String keepFrom) {
                    if (!(input instanceof Staged s) || !s.isReady()) throw new IllegalArgumentException("not a ready staged input");
                    forwardsFromStaging++;
                    float[] x = new float[s.n * per];
                    s.values.get(0, x);
                    return inner.forward(new Tensor(x, s.n, arch.inputChannels(), arch.inputSize(), arch.inputSize()), keepFrom);
                }
            };
        }
    }

    private static final class Staged implements StagedInput {
        final int n;
        final FloatBuffer values;
        boolean ready, closed;

        Staged(int n, FloatBuffer values) {
            this.n = n;
            this.values = values;
        }

        @Override public int batch() { return n; }

        @Override
        public FloatBuffer values() {
            if (ready || closed) throw new IllegalStateException("not writable");
            return values;
        }

        @Override public void ready() { ready = true; }
        @Override public boolean isReady() { return ready && !closed; }
        @Override public void close() { closed = true; }
    }

    private static Model model() {
        return RandomWeights.model(Architecture.custom("staged", 32, new int[] {1, 1, 1}, new int[] {4, 8, 8}, new int[] {16}, 6, Head.FC, 0), 5);
    }

    private static List<LoadedImage> images(int n) {
        List<LoadedImage> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int w = 40 + 3 * i, h = 36 + i;  // differing sizes: each image's own geometry
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, ((x * 7 + y * 3 + i * 50) % 256) << 16 | ((x * y + i) % 256) << 8 | (x + 5 * y) % 256);
            l.add(new LoadedImage(img, "img" + i, "PNG", 1));
        }
        return l;
    }

    @Test
    void preprocessingIntoADirectBufferWritesThePlainBatchsValues() {
        Preprocessor p = new Preprocessor(Preprocessing.keras(), 32, ResizeMode.CROP);
        List<LoadedImage> imgs = images(3);
        Preprocessor.Batch plain = p.prepareBatch(imgs);
        FloatBuffer direct = ByteBuffer.allocateDirect(4 * 3 * 3 * 32 * 32).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Preprocessor.Placed placed = p.prepareInto(imgs, direct);
        float[] got = new float[direct.capacity()];
        direct.get(0, got);
        assertArrayEquals(plain.input().data(), got);
        assertEquals(plain.geometries(), placed.geometries());
        assertEquals(plain.sources(), placed.sources());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.prepareInto(imgs, FloatBuffer.allocate(5)));
        assertTrue(e.getMessage().contains("holds 5 values") && e.getMessage().contains("need 9216"), e.getMessage());
    }

    @Test
    void aStagedBatchGivesThePlainPathsMapsAndGradients() {
        Model model = model();
        Explainer.Options opts = Explainer.Options.defaults().withDevice(Device.CPU).withThreads(2).withMaxBatch(8);
        ExplainRequest req = ExplainRequest.of(List.of("gradcam", "gradcampp", "layercam", "guided-gradcam", "vanilla"), Targets.topK(2));
        List<LoadedImage> imgs = images(3);
        List<ImageExplanation> want;
        // the same batches on the plain path (2 + 1: a batch's composition may move the last bit of a CPU result)
        try (Explainer ex = Explainer.of(model, opts.withMaxBatch(2))) { want = ex.explain(imgs, req); }
        StagingCpu backend = new StagingCpu();
        List<ImageExplanation> got;
        try (Explainer ex = Explainer.of(model, backend, opts)) {
            // two batches prepared before either is explained, as the pipeline's reader does
            Explainer.PreparedBatch first = ex.prepare(imgs.subList(0, 2), req), second = ex.prepare(imgs.subList(2, 3), req);
            assertTrue(first.isStaged() && second.isStaged());
            got = new ArrayList<>(ex.explainPrepared(first, req));
            got.addAll(ex.explainPrepared(second, req));
        }
        assertEquals(2, backend.staged);
        assertEquals(2, backend.forwardsFromStaging);
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            ImageExplanation a = want.get(i), b = got.get(i);
            assertEquals(a.source(), b.source());
            assertEquals(a.geometry(), b.geometry());
            assertEquals(a.classes().size(), b.classes().size());
            for (int c = 0; c < a.classes().size(); c++) {
                ClassExplanation ca = a.classes().get(c), cb = b.classes().get(c);
                assertEquals(ca.classIndex(), cb.classIndex());
                assertEquals(ca.logit(), cb.logit());
                for (String m : ca.maps().keySet()) {
                    assertArrayEquals(ca.maps().get(m).map().data(), cb.maps().get(m).map().data(), m + " image " + i);
                    assertArrayEquals(ca.maps().get(m).layerMap().data(), cb.maps().get(m).layerMap().data(), m + " layer map, image " + i);
                }
                for (String g : ca.gradients().keySet()) {
                    assertArrayEquals(ca.gradients().get(g).values().data(), cb.gradients().get(g).values().data(), g + " image " + i);
                }
            }
        }
    }

    @Test
    void theCpuBackendAndAugmentedRequestsTakeThePlainPath() {
        Model model = model();
        Explainer.Options opts = Explainer.Options.defaults().withDevice(Device.CPU).withThreads(2);
        try (Explainer ex = Explainer.of(model, opts); Explainer.PreparedBatch b = ex.prepare(images(2), ExplainRequest.gradCam())) {
            assertFalse(b.isStaged());
            assertEquals(2, b.size());
        }
        StagingCpu backend = new StagingCpu();
        try (Explainer ex = Explainer.of(model, backend, opts);
             Explainer.PreparedBatch b = ex.prepare(images(1), ExplainRequest.of(List.of("gradcam", "augmented-max"), Targets.topK(1)))) {
            assertFalse(b.isStaged());
        }
        assertEquals(0, backend.staged);
    }

    @Test
    void aNetworkWithoutStagingRefusesAStagedInput() {
        Model model = model();
        try (CpuBackend cpu = new CpuBackend(1); Network n = cpu.load(model)) {
            assertTrue(n.stageInput(1).isEmpty());
            StagingCpu other = new StagingCpu();
            try (Network s = other.load(model)) {
                StagedInput in = s.stageInput(1).orElseThrow();
                in.ready();
                assertThrows(IllegalArgumentException.class, () -> n.forward(in, null));
            } finally {
                other.close();
            }
        }
    }
}
