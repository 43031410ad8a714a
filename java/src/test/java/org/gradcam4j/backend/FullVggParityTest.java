package org.gradcam4j.backend;

import java.nio.file.Path;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Full-size VGG16 and VGG19 (224x224, 1000 classes) with seeded random weights on the CPU backend against
 * PyTorch float64: logits, target-layer activations, gradients at the target layer and the input under
 * each ReLU rule, weight gradients of block4_conv1 and fc2, and every method of the facade. Same tolerance as {@link CpuParityTest}.
 */
@Tag("slow")
class FullVggParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"vgg16", "vgg19"})
    void fullSize(String arch) {
        Path dir = Reference.generate(arch, "ref_vgg.py", "--arch", arch);
        org.gradcam4j.model.Model model = CpuParityTest.loadRefModel(dir);
        try (Backend b = new CpuBackend()) {
            CpuParityTest.check(b, dir, model);
        }
        org.gradcam4j.explain.MethodsParityTest.check(dir, model, org.gradcam4j.testing.Tolerances.NEAR_TIE);
    }
}
