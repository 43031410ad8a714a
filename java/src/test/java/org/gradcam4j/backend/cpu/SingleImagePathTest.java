package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.SplittableRandom;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A single image takes other code paths than a batch (the fc layers run as matrix-vector products, forward and
 * backward, one seed row streams the weights): its logits, fc and input gradients equal that image's row of a
 * batch of three (the batch paths being the ones checked against PyTorch), with OpenBLAS and with the pure-Java
 * GEMM.
 */
class SingleImagePathTest {
    /** The values only: the batch row has lost its leading dimension. */
    private static void check(String what, Tensor single, Tensor batchRow) {
        double e = Errors.relativeL2(single.data(), batchRow.data());
        assertTrue(e <= 1e-5, what + ": relative L2 " + e);
    }

    @Test
    void oneImageEqualsItsRowOfABatch() {
        Architecture arch = Architecture.custom("fcwide", 64, new int[] {1, 1, 1}, new int[] {8, 16, 40}, new int[] {1536, 256}, 20, Head.FC, 0);
        Model model = RandomWeights.model(arch, 4);
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[3 * 3 * 64 * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        Tensor batch = new Tensor(x, 3, 3, 64, 64);
        Tensor one = batch.slice(1).reshape(1, 3, 64, 64);
        for (CpuBackend b : new CpuBackend[] {new CpuBackend(2), CpuBackend.pureJava(2)}) {
            try (b; Network net = b.load(model);
                 ForwardPass pb = net.forward(batch, Architecture.INPUT); ForwardPass p1 = net.forward(one, Architecture.INPUT)) {
                check(b.description() + " logits", p1.logits(), pb.logits().slice(1));
                Tensor seedsBatch = BackwardRequest.oneHot(new int[] {3, 7, 11}, 20);
                Tensor seedOne = BackwardRequest.oneHot(new int[] {7}, 20);
                Gradients gb = pb.backward(new BackwardRequest(seedsBatch, new int[] {0, 1, 2}, Architecture.INPUT, ReluRule.GRADIENT,
                        Set.of("fc1", "block3_conv1"), Set.of()));
                Gradients g1 = p1.backward(new BackwardRequest(seedOne, new int[] {0}, Architecture.INPUT, ReluRule.GRADIENT,
                        Set.of("fc1", "block3_conv1"), Set.of()));
                for (String l : new String[] {"fc1", "block3_conv1", Architecture.INPUT}) check(b.description() + " " + l, g1.at(l), gb.at(l).slice(1));
            }
        }
    }
}
