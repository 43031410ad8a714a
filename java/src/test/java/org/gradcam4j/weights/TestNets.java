package org.gradcam4j.weights;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Tensor;

/**
 * Narrow VGG networks for weight tests: the VGG16/19 topology at tiny widths. Input 64 leaves a 2x2
 * final map, so fc1's (h, w, c) to (c, h, w) reordering is exercised (a 1x1 map would hide it).
 * tools/vgg_layouts.py defines the same networks as narrow16 / narrow19.
 */
final class TestNets {
    private TestNets() {}

    static Architecture narrow16() {
        return Architecture.custom("narrow16", 64, new int[] {2, 2, 3, 3, 3}, new int[] {4, 8, 8, 16, 16},
                new int[] {32, 32}, 10, Head.FC, 0);
    }

    static Architecture narrow19() {
        return Architecture.custom("narrow19", 64, new int[] {2, 2, 4, 4, 4}, new int[] {4, 8, 8, 16, 16},
                new int[] {32, 32}, 10, Head.FC, 0);
    }

    /** Seeded parameters with distinct values everywhere, so any misplaced element shows. */
    static Model randomModel(Architecture arch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (LayerSpec l : arch.layers()) {
            if (!l.hasWeights()) continue;
            p.put(ModelWeights.kernelKey(l.name()), random(r, l.kernelShape()));
            if (l.bias()) p.put(ModelWeights.biasKey(l.name()), random(r, l.outChannels()));
        }
        ClassLabels labels = ClassLabels.numbered(arch.numClasses());
        return new Model(arch, Preprocessing.keras(), labels, new ModelWeights(p), "test net seed " + seed);
    }

    private static Tensor random(SplittableRandom r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return t;
    }
}
