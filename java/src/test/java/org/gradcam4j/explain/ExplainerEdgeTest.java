package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Facade edge cases derived by hand: a network whose {@code predictions} kernel is zero has logits equal to
 * that layer's bias whatever the image, and every gradient below it is exactly zero.
 */
class ExplainerEdgeTest {
    /** Logits = this bias: classes 1 and 2 tie for first, 3 is next, 0 and 4..9 tie last. */
    static final float[] BIAS = {0, 2, 2, 1, 0, 0, 0, 0, 0, 0};

    static Model zeroHead() {
        Architecture arch = Architecture.custom("tiny", 32, new int[] {1, 1, 1, 1, 1}, new int[] {4, 4, 8, 8, 8},
                new int[] {16, 12}, 10, Head.FC, 0);
        Map<String, Tensor> p = new LinkedHashMap<>(RandomWeights.he(arch, 7).all());
        p.put(ModelWeights.kernelKey("predictions"), Tensor.zeros(p.get(ModelWeights.kernelKey("predictions")).shape()));
        p.put(ModelWeights.biasKey("predictions"), new Tensor(BIAS.clone(), 10));
        return new Model(arch, Preprocessing.keras(), ClassLabels.numbered(10), new ModelWeights(p), "zero head");
    }

    static LoadedImage image() {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, (x * 6 << 16) | (y * 8 << 8) | 90);
        return new LoadedImage(img, "pattern", "PNG", 1);
    }

    @Test
    void topKTiesAreOrderedByClassIndex() {
        try (Explainer ex = Explainer.of(zeroHead(), Explainer.Options.defaults().withDevice(Device.CPU).withThreads(1))) {
            List<Prediction> top = ex.classify(List.of(image()), 6).get(0);
            assertEquals(List.of(1, 2, 3, 0, 4, 5), top.stream().map(Prediction::index).toList());
            // softmax of BIAS: e^2 / (2 e^2 + e + 7)
            double z = 2 * Math.exp(2) + Math.exp(1) + 7;
            assertEquals(Math.exp(2) / z, top.get(0).probability(), 1e-6);
            assertEquals(1 / z, top.get(3).probability(), 1e-6);
            assertEquals(2f, top.get(0).logit());
        }
    }

    @Test
    void allZeroGradientsGiveEmptyMapsWithoutNaN() {
        List<String> methods = List.of("gradcam", "gradcampp", "gradcampp-official", "hirescam", "xgradcam", "layercam",
                "counterfactual", "vanilla", "guided", "deconvnet", "guided-gradcam", "guided-gradcampp");
        for (Score score : Score.values()) {
            try (Explainer ex = Explainer.of(zeroHead(), Explainer.Options.defaults().withThreads(1).withResize(ResizeMode.SQUASH))) {
                ExplainRequest req = ExplainRequest.of(methods, Targets.topK(2)).withScore(score);
                ImageExplanation r = ex.explain(List.of(image()), req).get(0);
                assertEquals(List.of(1, 2), r.classes().stream().map(ClassExplanation::classIndex).toList());
                for (ClassExplanation c : r.classes()) {
                    for (MapResult m : c.maps().values()) {
                        assertTrue(m.empty(), m.method() + " " + score);
                        assertAllZero(m.layerMap(), m.method());
                        assertAllZero(m.map(), m.method());
                        assertAllZero(m.mapInOriginal(), m.method());
                        if (m.weights() != null) assertAllZero(m.weights(), m.method());
                    }
                    for (GradientResult g : c.gradients().values()) assertAllZero(g.values(), g.method());
                }
            }
        }
    }

    private static void assertAllZero(Tensor t, String what) {
        for (float v : t.data()) assertEquals(0f, Math.abs(v), what + " holds " + v); // abs: -0 is fine, NaN is not
    }
}
