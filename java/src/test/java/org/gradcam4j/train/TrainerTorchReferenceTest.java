package org.gradcam4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.io.Npz;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.SystemPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer against PyTorch: tools/ref_train.py takes two SGD (momentum, weight decay) and two Adam steps on a
 * tiny CAM-head network; the same steps here must give the same loss, gradients and parameters.
 *
 * <p>Tolerance: relative L2 <= 1e-5 per tensor. Forward and backward are float32 on both sides with different
 * summation orders (~1e-7 relative on these sizes); two steps add a few float32 roundings. A wrong sign, a missing
 * 1/N or a misplaced bias correction moves parameters by percent.
 */
class TrainerTorchReferenceTest {
    static final double TOLERANCE = 1e-5;

    static Architecture tiny() {
        return Architecture.custom("tiny", 8, new int[] {1, 1}, new int[] {4, 6}, new int[0], 5, Head.GAP, 8);
    }

    @Test
    void sgdAndAdamStepsMatchTorch(@TempDir Path dir) throws Exception {
        SystemPython.assumeModules("numpy", "torch");
        Path out = dir.resolve("ref_train.npz");
        SystemPython.Result r = SystemPython.run(300, SystemPython.repoRoot().resolve("tools/ref_train.py").toString(), out.toString());
        assertEquals(0, r.exitCode(), r.output());
        Npz.Contents ref = Npz.read(out);

        Architecture arch = tiny();
        Map<String, Tensor> init = new LinkedHashMap<>();
        for (String key : ref.names()) if (key.startsWith("init.")) init.put(key.substring(5).replace('.', '/'), ref.tensor(key));
        Model model = new Model(arch, Preprocessing.torchvision(), ClassLabels.numbered(5), new ModelWeights(init), "ref_train.py");
        Tensor x = ref.tensor("x");
        int[] y = ref.ints("y");

        try (CpuBackend backend = new CpuBackend(2);
             Trainer t = new Trainer(backend, model, Trainer.allLayers(arch), new Optimizer.Sgd(0.1, 0.9, 1e-3))) {
            Map<String, float[]> grads = new LinkedHashMap<>();
            Trainer.StepResult s = t.gradients(x, y, grads);
            assertEquals(ref.tensor("loss").data()[0], s.loss(), 1e-5 * Math.abs(s.loss()), "loss");
            for (String k : init.keySet()) check("grad " + k, grads.get(k), ref.tensor("grad." + k.replace('/', '.')).data());

            for (int i = 0; i < 2; i++) t.step(x, y);
            for (String k : init.keySet()) check("sgd " + k, t.parameters().get(k), ref.tensor("sgd." + k.replace('/', '.')).data());

            try (Trainer a = new Trainer(backend, model, Trainer.allLayers(arch), new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 1e-3))) {
                for (int i = 0; i < 2; i++) a.step(x, y);
                for (String k : init.keySet()) check("adam " + k, a.parameters().get(k), ref.tensor("adam." + k.replace('/', '.')).data());
            }
        }
    }

    private static void check(String what, float[] mine, float[] theirs) {
        double e = Errors.relativeL2(mine, theirs);
        assertTrue(e <= TOLERANCE, what + ": relative L2 error " + e + " > " + TOLERANCE);
    }
}
