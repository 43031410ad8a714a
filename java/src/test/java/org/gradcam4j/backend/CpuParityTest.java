package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.testing.Tolerances;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend against PyTorch (float64 references from tools/ref_vgg.py) on a narrow VGG of the same
 * topology (input 64, so fc1 reads a 2x2 map), loaded from a Keras-layout file and from a converted
 * torchvision state dict, on both GEMMs (OpenBLAS and the pure-Java fallback).
 *
 * Tolerance: relative L2 <= 1e-4 for everything, with one documented exception. The reference script
 * also measures PyTorch's own float32 error against its float64 result for every gradient. Where that
 * error exceeds 1e-5, the tensor is subject to max-pool near-ties: a 2x2 window whose two largest values
 * differ by less than float32 rounding picks another argmax than float64 does and reroutes that gradient,
 * which no float32 implementation can avoid and which two float32 implementations hit at different
 * windows. This happens for input gradients of the full-size networks and for weight gradients of conv
 * layers below a pool  (PyTorch float32 measured 3.0e-3 on VGG16's input gradient; this engine
 * 3.0e-3 to 6.8e-3 across the rules). Those tensors are held to 1e-2, the band both PyTorch and this engine land in; the
 * printed lines show both errors side by side. The input gradients of all three ReLU rules share the forward's
 * argmaxes and ReLU decisions, so a near-tie that PyTorch's float32 meets under one rule (its error above 1e-5) puts
 * the input gradients of every rule of that input in the near-tie band: which decision a float32 engine flips, and
 * whether that decision carries gradient under a given rule, is chance. Seen with the Winograd F(4x4) forwards (issue
 * 13): VGG16's guided input gradient 2.3e-4 (PyTorch 8.7e-8 on that rule, 6.8e-3 on the plain gradient), 99.7% of
 * the squared error in 500 of its 451,584 values, all within a few pixels on one seed: one flipped decision.
 */
class CpuParityTest {

    /**
     * The reference network loaded twice, from the Keras-layout file and from the torchvision state dict
     * converted by tools/convert_torchvision.py: both must give identical parameters.
     */
    static Model loadRefModel(Path dir) {
        Model keras = ModelLoader.load(dir.resolve("keras.h5"), null);
        Model converted = ModelLoader.load(dir.resolve("converted.h5"), null);
        assertEquals(keras.architecture().layers(), converted.architecture().layers(), "layer tables from both files");
        for (Map.Entry<String, Tensor> e : keras.weights().all().entrySet()) {
            Tensor other = converted.weights().all().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), other.shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), other.data(), e.getKey() + " differs between the Keras and the converted torchvision file");
        }
        return keras;
    }

    static Path narrowReference() {
        return Reference.generate("narrow16", "ref_vgg.py", "--arch", "narrow16", "--conv-wgrad", "block2_conv1");
    }

    @Test
    void narrowOpenBlas() {
        Path dir = narrowReference();
        try (Backend b = new CpuBackend(2)) {
            check(b, dir, loadRefModel(dir));
        }
    }

    @Test
    void narrowPureJava() {
        Path dir = narrowReference();
        try (Backend b = CpuBackend.pureJava(2)) {
            check(b, dir, loadRefModel(dir));
        }
    }

    static void check(Backend backend, Path dir, Model model) {
        Map<String, Tensor> ref = Reference.readAll(dir.resolve("ref.h5"));
        Map<String, Double> torchErr = Reference.attributes(dir.resolve("ref.h5"));
        Architecture arch = model.architecture();
        String target = arch.defaultTargetLayer();
        int[] imageOf = Reference.ints(ref.get("image_of"));
        int[] classes = Reference.ints(ref.get("classes"));
        String convW = find(ref, "wgrad/block", "/kernel");
        String fcW = find(ref, "wgrad/fc", "/kernel");
        try (Network net = backend.load(model); ForwardPass pass = net.forward(ref.get("input"), Architecture.INPUT)) {
            assertClose("logits", pass.logits(), ref.get("logits"));
            assertClose("activation " + target, pass.activation(target), ref.get("act/" + target));
            Tensor seeds = BackwardRequest.oneHot(classes, arch.numClasses());
            for (ReluRule rule : ReluRule.values()) {
                String r = rule.name().toLowerCase();
                Gradients g = pass.backward(new BackwardRequest(seeds, imageOf, Architecture.INPUT, rule, Set.of(target), Set.of()));
                String tk = "grad/" + target + "/" + r, ik = "grad/input/" + r;
                assertClose("grad " + target + " " + r, g.at(target), ref.get(tk), bound(torchErr, tk));
                assertClose("grad input " + r, g.at(Architecture.INPUT), ref.get(ik), bound(torchErr, ik));
            }
            Gradients w = pass.backward(new BackwardRequest(seeds, imageOf, Architecture.INPUT, ReluRule.GRADIENT, Set.of(),
                    Set.of(convW, fcW)));
            for (String layer : new String[] {convW, fcW}) {
                for (String part : new String[] {"kernel", "bias"}) {
                    String key = "wgrad/" + layer + "/" + part;
                    assertClose(part + " grad " + layer, w.weightGrads().get(layer + "/" + part), ref.get(key), bound(torchErr, key));
                }
            }
        }
    }

    private static String find(Map<String, Tensor> ref, String prefix, String suffix) {
        for (String k : ref.keySet()) if (k.startsWith(prefix) && k.endsWith(suffix)) return k.substring("wgrad/".length(), k.length() - suffix.length());
        throw new AssertionError("no " + prefix + "*" + suffix + " in reference");
    }

    static final double PARITY = Tolerances.NETWORK;

    static final double NEAR_TIE = Tolerances.NEAR_TIE;

    /**
     * {@link Tolerances#NETWORK}, or {@link Tolerances#NEAR_TIE} where PyTorch's own float32 error shows the tensor is
     * subject to argmax near-ties: on this tensor, or, for an input gradient, on the input gradient of any ReLU rule
     * (see class comment).
     */
    static double bound(Map<String, Double> torchErr, String key) {
        Double e = torchErr.get("torch_f32_err/" + key);
        if (e != null) System.out.printf("  (PyTorch float32 vs float64 on %s: %.2e)%n", key, e);
        if (e != null && e > Tolerances.NEAR_TIE_SIGNAL) return NEAR_TIE;
        if (key.startsWith("grad/input/") && key.indexOf('/', "grad/input/".length()) < 0) {
            for (ReluRule rule : ReluRule.values()) {
                Double other = torchErr.get("torch_f32_err/grad/input/" + rule.name().toLowerCase());
                if (other != null && other > Tolerances.NEAR_TIE_SIGNAL) {
                    System.out.printf("  (near-tie band: PyTorch float32 meets a near-tie on this input under the %s rule)%n", rule.name().toLowerCase());
                    return NEAR_TIE;
                }
            }
        }
        return PARITY;
    }

    static void assertClose(String what, Tensor got, Tensor want) { assertClose(what, got, want, PARITY); }

    static void assertClose(String what, Tensor got, Tensor want, double tol) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        double err = Errors.relativeL2(got, want);
        System.out.printf("  %-40s rel L2 %.2e (bound %.1e)%n", what, err, tol);
        assertTrue(err <= tol, what + ": relative L2 error " + err + " > " + tol);
    }
}
