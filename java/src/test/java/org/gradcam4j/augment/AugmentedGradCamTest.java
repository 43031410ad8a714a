package org.gradcam4j.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.gradcam4j.augment.AugmentedGradCam.Aggregation;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.explain.Targets;
import org.gradcam4j.image.InputGeometry;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The component's contract with the backend, on a small random network. */
class AugmentedGradCamTest {
    static final Model MODEL = RandomWeights.model(Architecture.custom("narrow", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
            new int[] {64, 48}, 10, Head.FC, 0), 42);
    static final String LAYER = "block4_conv3"; // 4 x 4 at 32

    static Tensor input() {
        Tensor x = Tensor.zeros(3, 32, 32);
        for (int i = 0; i < x.size(); i++) x.data()[i] = (float) Math.sin(i * 0.37) * 60;
        return x;
    }

    /** Counts the passes and the batch sizes the backend sees. */
    static final class CountingNetwork implements Network {
        final Network inner;
        final List<Integer> forwards = new ArrayList<>(), backwardSeeds = new ArrayList<>();

        CountingNetwork(Network inner) { this.inner = inner; }

        @Override public Architecture architecture() { return inner.architecture(); }

        @Override
        public ForwardPass forward(Tensor input, String keepFrom) {
            forwards.add(input.dim(0));
            ForwardPass p = inner.forward(input, keepFrom);
            return new ForwardPass() {
                @Override public int batchSize() { return p.batchSize(); }
                @Override public Tensor logits() { return p.logits(); }
                @Override public Tensor activation(String layer) { return p.activation(layer); }
                @Override public Gradients backward(BackwardRequest r) { backwardSeeds.add(r.seeds().dim(0)); return p.backward(r); }
                @Override public void close() { p.close(); }
            };
        }

        @Override public void close() { inner.close(); }
    }

    @Test
    void copiesGoThroughTheBackendInBatchesWithEveryClassAsASeed() {
        try (CpuBackend b = new CpuBackend(1); CountingNetwork net = new CountingNetwork(b.load(MODEL))) {
            AugmentedGradCam aug = new AugmentedGradCam(net, MODEL.preprocessing(), 4, AugmentedGradCam.Settings.defaults().withCopies(10));
            List<AugmentedGradCam.Observations> obs = aug.observe(input(), LAYER, new int[] {3, 7}, 0, false);
            assertEquals(List.of(4, 4, 2), net.forwards, "10 copies in batches of 4: three forward passes");
            assertEquals(List.of(8, 8, 4), net.backwardSeeds, "one backward per batch, both classes of every copy as seeds");
            assertEquals(2, obs.size());
            assertEquals(3, obs.get(0).classIndex());
            assertEquals(7, obs.get(1).classIndex());
            assertArrayEquals(new int[] {10, 4, 4}, obs.get(0).layerMaps().shape());
            assertTrue(obs.get(0).warps().get(0).isIdentity());
        }
    }

    @Test
    void copyZeroIsPlainGradCamAndTheTopClassIsChosenOnIt() {
        Tensor x = input();
        Preprocessor.Batch batch = new Preprocessor.Batch(x.reshape(1, 3, 32, 32), List.of(InputGeometry.of(32, 32, 32, ResizeMode.NONE)), List.of("x"));
        try (Explainer ex = Explainer.of(MODEL, Explainer.Options.defaults().withThreads(1).withMaxBatch(3))) {
            ExplainRequest req = ExplainRequest.of(List.of("gradcam", "augmented-single", "augmented-max", "augmented-avg", "augmented-tv"),
                    Targets.topK(1)).withLayer(LAYER).withAugmentation(AugmentedGradCam.Settings.defaults().withCopies(5));
            ImageExplanation r = ex.explainPrepared(batch, req).get(0);
            var maps = r.classes().get(0).maps();
            assertEquals(List.of("gradcam", "augmented-single", "augmented-max", "augmented-avg", "augmented-tv"), new ArrayList<>(maps.keySet()));
            MapResult plain = maps.get("gradcam"), single = maps.get("augmented-single");
            // batches of different size: the same maps to float rounding of the GEMMs
            assertTrue(Errors.relativeL2(plain.layerMap(), single.layerMap()) < 1e-5);
            assertTrue(Errors.relativeL2(plain.map(), single.map()) < 1e-5);
            assertEquals(r.predictions().get(0).index(), single.augmented().observations().classIndex());
            for (String m : List.of("augmented-max", "augmented-avg", "augmented-tv")) {
                float max = 0;
                for (float v : maps.get(m).map().data()) max = Math.max(max, v);
                assertEquals(maps.get(m).empty() ? 0f : 1f, max, 1e-6f, m + " is normalised by its maximum");
            }
            assertTrue(maps.get("augmented-tv").augmented().solution().converged());
        }
    }

    /** With a single (identity) copy, max and avg are copy 0 upsampled: the single map. */
    @Test
    void oneCopyAggregatesToTheSingleMap() {
        try (CpuBackend b = new CpuBackend(1); Network net = b.load(MODEL)) {
            AugmentedGradCam aug = new AugmentedGradCam(net, MODEL.preprocessing(), 4, AugmentedGradCam.Settings.defaults().withCopies(1));
            var res = aug.aggregate(aug.observe(input(), LAYER, null, 1, false), EnumSet.of(Aggregation.SINGLE, Aggregation.MAX, Aggregation.AVG), 32).get(0);
            assertArrayEquals(res.maps().get(Aggregation.SINGLE).data(), res.maps().get(Aggregation.MAX).data());
            assertArrayEquals(res.maps().get(Aggregation.SINGLE).data(), res.maps().get(Aggregation.AVG).data());
        }
    }

    @Test
    void perCopyNormalisationGuardsEmptyCopies() {
        Tensor maps = new Tensor(new float[] {0, 2, 4, 1, 0, 0, 0, 0}, 2, 2, 2);
        assertArrayEquals(new float[] {0, 0.5f, 1, 0.25f, 0, 0, 0, 0}, AugmentedGradCam.normalisedCopies(maps).data());
        assertEquals(1, new AugmentedGradCam.Observations(0, Augmentations.random(2, 8, 0), maps, Tensor.zeros(1)).emptyCopies());
    }

    @Test
    void warpsAreSeededAndWithinRange() {
        List<AffineWarp> a = Augmentations.random(50, 224, 9), b = Augmentations.random(50, 224, 9), c = Augmentations.random(50, 224, 10);
        assertTrue(a.get(0).isIdentity());
        for (int l = 1; l < 50; l++) {
            assertEquals(a.get(l).toString(), b.get(l).toString());
            assertTrue(Math.abs(a.get(l).angle()) <= 0.5 && Math.abs(a.get(l).dx()) <= 30 && Math.abs(a.get(l).dy()) <= 30);
        }
        assertTrue(!a.get(1).toString().equals(c.get(1).toString()), "another seed, other copies");
        assertEquals(30 * 32 / 224.0, Augmentations.maxShift(32), 1e-12);
    }
}
