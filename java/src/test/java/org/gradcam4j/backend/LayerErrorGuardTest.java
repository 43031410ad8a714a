package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Model;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.testing.Tolerances;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU engine's accuracy guard: a full-size VGG with seeded weights runs the project's photo on the default
 * path (default convolution algorithms, OpenBLAS, 2 threads), and every layer's activation is compared with
 * PyTorch's float64 result beside PyTorch float32's own error on the same layer (tools/ref_layer_errors.py).
 * Each layer must stay within {@link Tolerances#LAYER_ERROR_VS_TORCH} times PyTorch's error: a faster kernel
 * (a larger Winograd tile, a reordered sum) that loses accuracy fails here, layer by layer. The table printed
 * shows both errors.
 */
@Tag("slow")
class LayerErrorGuardTest {
    /** The project's own photo (224x224 RGB), carried in the main resources for the demo. */
    static final Path PHOTO = Path.of("java/src/main/resources/org/gradcam4j/data/cat_dog.png");

    @ParameterizedTest
    @ValueSource(strings = {"vgg16", "vgg19"})
    void everyLayerWithinTwiceTorchFloat32(String arch) {
        Path dir = Reference.generate("layers-" + arch, "ref_layer_errors.py", "--arch", arch,
                "--image", Reference.ROOT.resolve(PHOTO).toString());
        Model model = ModelLoader.load(dir.resolve("keras.h5"), null);
        List<String> failures = new ArrayList<>();
        try (HdfFile ref = new HdfFile(dir.resolve("ref.h5"));
             Backend backend = new CpuBackend(2);
             Network net = backend.load(model);
             // kept from the first layer, not the input: a pass that keeps the input is an input-gradient pass, whose
             // forwards run F(2x2) where the default runs F(4x4) (CpuForwardPass.forwardF2); keeping from block1_conv1
             // runs the forward CAM methods and forward-only passes run (unfused: fused pooling needs the convolution's
             // output unkept, and WinogradConvTest holds the fused pooling equal to the unfused bit for bit)
             ForwardPass pass = net.forward(input(ref), model.architecture().layers().get(0).name());
             ForwardPass plain = net.forward(input(ref), null)) {
            System.out.printf("%s, seeded weights, %s: activation relative L2 error against float64 (default path, F(4x4) forwards)%n",
                    arch, PHOTO.getFileName());
            System.out.printf("  %-14s %11s %11s %7s%n", "layer", "ours", "torch f32", "ratio");
            for (var layer : model.architecture().layers()) {
                String name = layer.name();
                double[] want = (double[]) ref.getDatasetByPath("act/" + name).getDataFlat();
                double torch = ((double[]) ref.getDatasetByPath("torch32_err/" + name).getDataFlat())[0];
                double ours = relativeL2(pass.activation(name).data(), want);
                double ratio = ours / torch;
                System.out.printf("  %-14s %11.3e %11.3e %6.2fx%n", name, ours, torch, ratio);
                if (!(ours <= Tolerances.LAYER_ERROR_VS_TORCH * torch)) {
                    failures.add(String.format("%s: %.3e > %.1f x PyTorch float32's %.3e", name, ours, Tolerances.LAYER_ERROR_VS_TORCH, torch));
                }
            }
            // and the forward-only pass (fused F(4x4) + pooling on blocks 1-4) gives the same logits as the kept pass
            float[] kept = pass.logits().data(), fused = plain.logits().data();
            for (int i = 0; i < kept.length; i++) {
                if (Float.floatToRawIntBits(kept[i]) != Float.floatToRawIntBits(fused[i])) {
                    failures.add("forward-only logit " + i + " " + fused[i] + " differs from the kept pass's " + kept[i]);
                    break;
                }
            }
        }
        assertTrue(failures.isEmpty(), "layers less accurate than the bound: " + failures);
    }

    private static Tensor input(HdfFile ref) {
        float[] x = (float[]) ref.getDatasetByPath("input").getDataFlat();
        int[] dims = ref.getDatasetByPath("input").getDimensions();
        return new Tensor(x, dims);
    }

    /** ||got - want|| / ||want|| in double, against a float64 reference (no float32 rounding of the reference). */
    static double relativeL2(float[] got, double[] want) {
        if (got.length != want.length) throw new AssertionError("size " + got.length + " vs reference " + want.length);
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }
}
