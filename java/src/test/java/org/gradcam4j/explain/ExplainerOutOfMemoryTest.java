package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.DeviceOutOfMemoryException;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The facade's answer to a GPU out-of-memory error: split the batch in halves and retry, keeping the order. A
 * backend stand-in runs the CPU backend but fails every forward pass above a batch size, as a device would.
 */
class ExplainerOutOfMemoryTest {
    /** The CPU backend, refusing forward passes of more than {@code limit} images like a full device. */
    private static final class SmallDevice implements Backend {
        final CpuBackend cpu = new CpuBackend(2);
        final int limit;
        final List<Integer> attempted = new ArrayList<>();

        SmallDevice(int limit) { this.limit = limit; }

        @Override public String name() { return "small-device"; }
        @Override public String description() { return "CPU refusing batches above " + limit; }
        @Override public void close() { cpu.close(); }

        @Override
        public Network load(Model model) {
            Network inner = cpu.load(model);
            return new Network() {
                @Override public Architecture architecture() { return inner.architecture(); }
                @Override public void close() { inner.close(); }

                @Override
                public ForwardPass forward(Tensor input, String keepFrom) {
                    attempted.add(input.dim(0));
                    if (input.dim(0) > limit) {
                        throw new DeviceOutOfMemoryException("CUDA error 2 (cudaErrorMemoryAllocation: out of memory) in `cudaMalloc(&ptr_, bytes)` at cudnn_network.cpp:1 (reserve)");
                    }
                    return inner.forward(input, keepFrom);
                }
            };
        }
    }

    private static List<LoadedImage> images(int n) {
        List<LoadedImage> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 40; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, (x * 7 + y * 3 + i * 50) % 256 * 0x010101);
            l.add(new LoadedImage(img, "img" + i, "PNG", 1));
        }
        return l;
    }

    @Test
    void splitsBatchesTheDeviceCannotHoldAndKeepsOrder() {
        Model model = RandomWeights.model(Architecture.custom("oom", 32, new int[] {1, 1}, new int[] {4, 8}, new int[] {16}, 6,
                org.gradcam4j.model.Head.FC, 0), 3);
        Explainer.Options opts = Explainer.Options.defaults().withDevice(Device.CPU).withMaxBatch(5).withThreads(2);
        List<LoadedImage> imgs = images(7);
        ExplainRequest req = ExplainRequest.gradCam();
        List<ImageExplanation> expected;
        try (Explainer ex = Explainer.of(model, opts)) {
            expected = ex.explain(imgs, req);
        }
        SmallDevice device = new SmallDevice(2);
        List<ImageExplanation> got;
        try (Explainer ex = Explainer.of(model, device, opts)) {
            got = ex.explain(imgs, req);
        }
        // 5 -> 2 + 3 -> 3 fails -> 1 + 2; then the last chunk of 2 fits.
        assertEquals(List.of(5, 2, 3, 1, 2, 2), device.attempted);
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            MapResult a = expected.get(i).classes().get(0).maps().get("gradcam");
            MapResult b = got.get(i).classes().get(0).maps().get("gradcam");
            assertEquals(expected.get(i).classes().get(0).classIndex(), got.get(i).classes().get(0).classIndex());
            assertArrayEquals(a.map().data(), b.map().data(), 1e-5f, "image " + i);
        }
    }

    @Test
    void aSingleImageTheDeviceCannotHoldIsAnError() {
        Model model = RandomWeights.model(Architecture.custom("oom1", 32, new int[] {1, 1}, new int[] {4, 8}, new int[] {16}, 6,
                org.gradcam4j.model.Head.FC, 0), 3);
        try (Explainer ex = Explainer.of(model, new SmallDevice(0), Explainer.Options.defaults())) {
            assertThrows(DeviceOutOfMemoryException.class, () -> ex.classify(images(3), 1));
        }
    }
}
