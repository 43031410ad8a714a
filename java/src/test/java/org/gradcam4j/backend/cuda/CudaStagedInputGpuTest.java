package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.StagedInput;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The double-buffered input path of the cuDNN engine (tagged gpu; skipped without a usable device): batches written
 * into the two page-locked slots, uploaded on the copy stream while another batch is in flight, give the plain
 * path's input bit for bit and its logits and maps; the native side refuses a slot in the wrong state.
 */
@Tag("gpu")
class CudaStagedInputGpuTest {
    private static final CudaRuntime.Status status = CudaRuntime.status();

    @BeforeEach
    void device() { assumeTrue(status.available(), status::reason); }

    private static Tensor input(int n, int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 3 * 224 * 224];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 200 - 100);
        return new Tensor(x, n, 3, 224, 224);
    }

    private static StagedInput staged(CudaNetwork net, Tensor x) {
        StagedInput s = net.stageInput(x.dim(0)).orElseThrow(() -> new AssertionError("no free input slot"));
        assertEquals(x.data().length, s.values().capacity());
        s.values().put(0, x.data());
        s.ready();
        return s;
    }

    private static void check(String what, Tensor got, Tensor want, double tol) {
        double e = CudaSelfCheck.relL2(got, want);
        System.out.printf(Locale.ROOT, "gpu-staged %-50s rel.L2 %.3e (bound %.0e)%n", what, e, tol);
        assertTrue(e <= tol, what + ": rel.L2 " + e + " > " + tol);
    }

    @Test
    void stagedBatchesInFlightTogetherGiveThePlainPathsResults() {
        Model model = RandomWeights.model(Architecture.vgg16(), 11);
        Tensor x1 = input(3, 1), x2 = input(2, 2), x3 = input(3, 3);
        try (CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32); CudaNetwork net = gpu.loadUnchecked(model, CudaPrecision.FP32)) {
            List<Tensor> want = new ArrayList<>();
            for (Tensor x : List.of(x1, x2, x3)) {
                try (ForwardPass p = net.forward(x, null)) { want.add(p.logits()); }
            }
            // both slots filled and uploading before either batch runs; a third request finds none free
            StagedInput a = staged(net, x1), b = staged(net, x2);
            assertTrue(net.stageInput(1).isEmpty(), "both slots are in use");
            try (ForwardPass pa = net.forward(a, Architecture.INPUT)) {
                a.close();
                // slot a's memory takes the third batch while b's upload and pa's results are still pending
                StagedInput c = staged(net, x3);
                try (ForwardPass pb = net.forward(b, Architecture.INPUT); ForwardPass pc = net.forward(c, Architecture.INPUT)) {
                    b.close();
                    c.close();
                    assertArrayEquals(x1.data(), pa.activation(Architecture.INPUT).data(), "batch 1 input");
                    assertArrayEquals(x2.data(), pb.activation(Architecture.INPUT).data(), "batch 2 input");
                    assertArrayEquals(x3.data(), pc.activation(Architecture.INPUT).data(), "batch 3 input");
                    check("batch 1 logits", pa.logits(), want.get(0), 1e-6);
                    check("batch 2 logits", pb.logits(), want.get(1), 1e-6);
                    check("batch 3 logits", pc.logits(), want.get(2), 1e-6);
                }
            }
            assertThrows(IllegalStateException.class, () -> net.forward(a, null), "a closed staged input");
        }
    }

    @Test
    void theSlotEntryPointsRefuseASlotInTheWrongState() {
        Model model = RandomWeights.model(Architecture.custom("small", 32, new int[] {1, 1}, new int[] {4, 8}, new int[] {16}, 6,
                org.gradcam4j.model.Head.FC, 0), 3);
        try (CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32); CudaNetwork net = gpu.loadUnchecked(model, CudaPrecision.FP32)) {
            int per = 3 * 32 * 32;
            gpu.call(() -> CudnnEngineNative.slotBuffer(net.handle(), 0, 2 * per));
            CudaException wrongSize = assertThrows(CudaException.class, () -> gpu.run(() -> CudnnEngineNative.uploadSlot(net.handle(), 0, 3)));
            assertTrue(wrongSize.getMessage().contains("holds " + 2 * per + " values, expected " + 3 * per), wrongSize.getMessage());
            CudaException notUploaded = assertThrows(CudaException.class, () -> gpu.call(() -> CudnnEngineNative.forwardSlot(net.handle(), 0, 2, 2)));
            assertTrue(notUploaded.getMessage().contains("holds no uploaded batch of 2"), notUploaded.getMessage());
            // argument errors leave the device usable
            try (ForwardPass p = net.forward(new Tensor(new float[per], 1, 3, 32, 32), null)) {
                assertEquals(6, p.logits().dim(1));
            }
        }
    }

    @Test
    void theFacadesStagedPathGivesThePlainPathsMaps() {
        Model model = RandomWeights.model(Architecture.vgg16(), 5);
        List<LoadedImage> imgs = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < 2; i++) {
            BufferedImage img = new BufferedImage(256, 240, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 240; y++) for (int x = 0; x < 256; x++) img.setRGB(x, y, r.nextInt(1 << 24));
            imgs.add(new LoadedImage(img, "noise" + i, "PNG", 1));
        }
        ExplainRequest req = ExplainRequest.of(List.of("gradcam", "gradcampp", "guided-gradcam"), Targets.topK(2));
        Explainer.Options opts = Explainer.Options.defaults().withMaxBatch(2).withPrecision(CudaPrecision.FP32);
        try (Explainer ex = Explainer.of(model, CudaBackend.open(0, CudaPrecision.FP32), opts)) {
            List<ImageExplanation> want = ex.explainPrepared(ex.preprocessor().prepareBatch(imgs), req);
            Explainer.PreparedBatch staged = ex.prepare(imgs, req);
            assertTrue(staged.isStaged(), "the CUDA backend stages the input");
            List<ImageExplanation> got = ex.explainPrepared(staged, req);
            for (int i = 0; i < want.size(); i++) {
                for (int c = 0; c < want.get(i).classes().size(); c++) {
                    ClassExplanation a = want.get(i).classes().get(c), b = got.get(i).classes().get(c);
                    assertEquals(a.classIndex(), b.classIndex());
                    for (String m : a.maps().keySet()) check(m + " image " + i + " class " + c, b.maps().get(m).map(), a.maps().get(m).map(), 1e-5);
                    for (String g : a.gradients().keySet()) {
                        check(g + " image " + i + " class " + c, b.gradients().get(g).values(), a.gradients().get(g).values(), 1e-5);
                    }
                }
            }
        }
    }
}
