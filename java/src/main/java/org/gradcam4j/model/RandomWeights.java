package org.gradcam4j.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.gradcam4j.tensor.Tensor;

/**
 * Seeded random parameters for any layer table: He-normal kernels (std sqrt(2 / fan_in), which keeps
 * activations O(1) through deep ReLU stacks) and small uniform biases. For benchmarks and tests that need
 * a network of the real shape without downloading weights.
 */
public final class RandomWeights {
    private RandomWeights() {}

    public static ModelWeights he(Architecture arch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (LayerSpec l : arch.layers()) {
            if (!l.hasWeights()) continue;
            Tensor k = Tensor.zeros(l.kernelShape());
            double std = Math.sqrt(2.0 / l.fanIn());
            float[] kd = k.data();
            for (int i = 0; i < kd.length; i++) kd[i] = (float) (gaussian(rnd) * std);
            p.put(ModelWeights.kernelKey(l.name()), k);
            if (l.bias()) {
                Tensor b = Tensor.zeros(l.outChannels());
                for (int i = 0; i < b.size(); i++) b.data()[i] = (float) ((rnd.nextDouble() - 0.5) * 0.2);
                p.put(ModelWeights.biasKey(l.name()), b);
            }
        }
        return new ModelWeights(p);
    }

    /** A full model with random weights, Keras preprocessing and ImageNet labels (1000 classes) or numbered ones. */
    public static Model model(Architecture arch, long seed) {
        ClassLabels labels = arch.numClasses() == 1000 ? ClassLabels.imagenet() : ClassLabels.numbered(arch.numClasses());
        return new Model(arch, Preprocessing.keras(), labels, he(arch, seed), "random (He-normal, seed " + seed + ")");
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
