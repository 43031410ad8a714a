package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** {@code Network.forwardFrom} on the CPU: the layers above a layer, run on its kept output, give the full pass's logits. */
class ForwardFromTest {
    @Test
    void resumingAtAnyLayerGivesTheSameLogits() {
        Model model = RandomWeights.model(Architecture.custom("narrow16", 64, new int[] {2, 2, 3, 3, 3}, new int[] {4, 8, 8, 16, 16},
                new int[] {32, 32}, 10, org.gradcam4j.model.Head.FC, 0), 3);
        Architecture arch = model.architecture();
        float[] x = new float[3 * 3 * arch.inputSize() * arch.inputSize()];
        Random rnd = new Random(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        try (CpuBackend b = new CpuBackend(); Network net = b.load(model);
             ForwardPass pass = net.forward(new Tensor(x, 3, 3, arch.inputSize(), arch.inputSize()), "block1_conv1")) {
            for (String layer : new String[] {"block1_conv1", "block3_pool", "block5_conv3", "fc1"}) {
                Tensor got = net.forwardFrom(layer, pass.activation(layer)).orElseThrow();
                double e = Errors.relativeL2(got, pass.logits());
                assertTrue(e <= 1e-6, layer + ": relative L2 " + e);
            }
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> net.forwardFrom("block5_conv3", Tensor.zeros(1, 3, 2, 2)));
            assertTrue(bad.getMessage().contains("block5_conv3"), bad.getMessage());
            assertEquals(arch.numClasses(), net.forwardFrom("block5_pool", pass.activation("block5_pool")).orElseThrow().dim(1));
        }
    }
}
