package org.gradcam4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.backend.cuda.CudaBackend;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.backend.cuda.CudaRuntime;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Training on the GPU (tagged gpu; skipped without a device): three SGD-with-momentum and three Adam steps on the
 * CUDA backend (fp32) give the CPU backend's parameters (themselves checked against PyTorch by
 * TrainerTorchReferenceTest) to 1e-4 relative L2, for a GAP (CAM) head and an fc head.
 */
@Tag("gpu")
class TrainerGpuTest {
    static final double TOLERANCE = 1e-4;

    @Test
    void stepsOnTheGpuMatchTheCpuBackend() {
        CudaRuntime.Status s = CudaRuntime.status();
        assumeTrue(s.available(), s::reason);
        List<Architecture> archs = List.of(
                Architecture.custom("gap", 16, new int[] {1, 2}, new int[] {8, 12}, new int[0], 4, Head.GAP, 16),
                Architecture.custom("fc", 16, new int[] {2, 1}, new int[] {8, 12}, new int[] {20}, 4, Head.FC, 0));
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[6 * 3 * 16 * 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        Tensor input = new Tensor(x, 6, 3, 16, 16);
        int[] labels = {0, 1, 2, 3, 1, 2};
        try (CpuBackend cpu = new CpuBackend(2); CudaBackend gpu = CudaBackend.open(0, CudaPrecision.FP32)) {
            for (Architecture arch : archs) {
                Model m = RandomWeights.model(arch, 9);
                for (boolean adam : new boolean[] {false, true}) {
                    try (Trainer a = new Trainer(cpu, m, Trainer.allLayers(arch), optimizer(adam));
                         Trainer b = new Trainer(gpu, m, Trainer.allLayers(arch), optimizer(adam))) {
                    for (int step = 0; step < 3; step++) {
                        Trainer.StepResult ra = a.step(input, labels), rb = b.step(input, labels);
                        assertEquals(ra.loss(), rb.loss(), 1e-4 * Math.abs(ra.loss()), arch.name() + " step " + step + " loss");
                    }
                    for (String k : a.parameters().keySet()) {
                        double e = Errors.relativeL2(b.parameters().get(k), a.parameters().get(k));
                        System.out.printf(Locale.ROOT, "gpu-train %-4s %-5s %-24s rel.L2 %.3e%n", arch.name(), adam ? "adam" : "sgd", k, e);
                        assertTrue(e <= TOLERANCE, arch.name() + " " + k + ": " + e);
                    }
                    }
                }
            }
        }
    }

    private static Optimizer optimizer(boolean adam) {
        return adam ? new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 1e-4) : new Optimizer.Sgd(0.05, 0.9, 1e-4);
    }
}
