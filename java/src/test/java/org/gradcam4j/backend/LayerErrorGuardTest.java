package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Architecture;
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
             ForwardPass pass = net.forward(input(ref), Architecture.INPUT)) {
            System.out.printf("%s, seeded weights, %s: activation relative L2 error against float64%n", arch, PHOTO.getFileName());
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
