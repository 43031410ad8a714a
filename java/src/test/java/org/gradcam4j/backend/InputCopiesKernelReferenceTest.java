package org.gradcam4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.gradcam4j.io.Npy;
import org.gradcam4j.io.NpyArray;
import org.gradcam4j.method.Epsilons;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.NativeReferenceDump;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C++ references of the device-side input copies ({@code kernels/reference/input_copies_ref.cpp}, which the GPU
 * harness holds the kernels of {@code kernels/input_copies.cuh} to) against the Java definition, {@link InputCopies}:
 * {@code gradcam4j_reference_check --dump} writes the harness's own seeded cases ({@code kernels/test/case_inputs.h},
 * {@code kCopyCases}) with the references' copies, and each is recomputed here with {@link InputCopies#make}. Both
 * sides do the same float / double operations in the same order (no FMA contraction on either), so the copies must
 * be bit-identical; likewise Ablation-CAM's ablated activations ({@code kernels/ablated_copies.cuh}) against
 * {@link AblatedActivations}. Runs where the native build exists ({@code build/native}); skips elsewhere. No GPU needed.
 */
class InputCopiesKernelReferenceTest {
    @TempDir static Path dump;

    @BeforeAll
    static void dumpCases() throws IOException, InterruptedException {
        NativeReferenceDump.into(dump);
    }

    @Test
    void scoreCamMasksAndCopiesMatchBitForBit() throws IOException {
        List<Path> cases = cases("copies_score_");
        assertTrue(cases.size() >= 3, "cases dumped: " + cases);
        boolean aligned = false, halfPixel = false;
        for (Path d : cases) {
            int[] range = ints(d, "range");
            boolean align = ints(d, "align_corners")[0] == 1;
            aligned |= align;
            halfPixel |= !align;
            Tensor image = read(d, "image");
            InputCopies.ScoreCamMasks recipe = new InputCopies.ScoreCamMasks(read(d, "act"), align, Epsilons.SCORECAM_MASK);
            String name = d.getFileName().toString();
            assertArrayEquals(read(d, "masks").data(), recipe.masks(range[0], range[0] + range[1], image.dim(1)).data(), name + " masks");
            assertArrayEquals(read(d, "copies").data(), recipe.make(image, range[0], range[0] + range[1]).data(), name + " copies");
        }
        assertTrue(aligned && halfPixel, "both Score-CAM forms are covered");
    }

    @Test
    void pathPointsMatchBitForBit() throws IOException {
        List<Path> cases = cases("copies_path_");
        assertTrue(cases.size() >= 2, "cases dumped: " + cases);
        for (Path d : cases) {
            int[] range = ints(d, "range");
            int n = range[0] + range[1];
            double[] alphas = new double[n];   // case_inputs.h's make_copy_inputs: k / (n - 1), a Gauss node at 1
            for (int k = 0; k < n; k++) alphas[k] = n > 1 ? (double) k / (n - 1) : 1.0;
            if (n > 2) alphas[1] = 0.5 * (1 - Math.sqrt(3.0 / 5));
            InputCopies.PathPoints recipe = new InputCopies.PathPoints(read(d, "baseline").data(), alphas);
            assertArrayEquals(read(d, "copies").data(), recipe.make(read(d, "image"), range[0], n).data(), d.getFileName().toString());
        }
    }

    @Test
    void occludedCopiesMatchBitForBit() throws IOException {
        List<Path> cases = cases("copies_occlusion_");
        assertTrue(!cases.isEmpty(), "cases dumped: " + cases);
        for (Path d : cases) {
            int[] range = ints(d, "range"), ps = ints(d, "patch_stride");
            Tensor image = read(d, "image");
            InputCopies.Occluded recipe = new InputCopies.Occluded(read(d, "fill").data(), image.dim(1), ps[0], ps[1]);
            assertArrayEquals(read(d, "copies").data(), recipe.make(image, range[0], range[0] + range[1]).data(), d.getFileName().toString());
        }
    }

    @Test
    void noisyCopiesMatchBitForBit() throws IOException {
        List<Path> cases = cases("copies_noise_");
        assertTrue(!cases.isEmpty(), "cases dumped: " + cases);
        for (Path d : cases) {
            int[] range = ints(d, "range");
            Tensor noise = read(d, "noise");
            InputCopies.Noisy recipe = new InputCopies.Noisy(noise.data(), 0, noise.dim(0), 0.15 * 255.0);
            assertArrayEquals(read(d, "copies").data(), recipe.make(read(d, "image"), range[0], range[0] + range[1]).data(),
                    d.getFileName().toString());
        }
    }

    /**
     * Ablation-CAM's ablated activations ({@code kernels/reference/ablated_copies_ref.cpp}, cases {@code kAblationCases}
     * of {@code kernels/test/case_inputs.h}, VGG16's block5_conv3 included) against {@link AblatedActivations#make}:
     * the index arithmetic (which channel of which copy is zeroed, where each copy starts) must agree value for value.
     */
    @Test
    void ablatedActivationsMatchBitForBit() throws IOException {
        List<Path> cases = cases("ablated_");
        assertTrue(cases.size() >= 4, "cases dumped: " + cases);
        boolean block5 = false;
        for (Path d : cases) {
            int[] range = ints(d, "range");
            Tensor act = read(d, "act");   // C x 1 x HW
            block5 |= act.dim(0) == 512 && act.dim(2) == 14 * 14;
            Tensor want = read(d, "copies");
            Tensor got = AblatedActivations.make(act, range[0], range[0] + range[1]);
            assertArrayEquals(want.shape(), got.shape(), d.getFileName() + " shape");
            assertArrayEquals(want.data(), got.data(), d.getFileName().toString());
        }
        assertTrue(block5, "VGG16's block5_conv3 shape is covered");
    }

    private static Tensor read(Path dir, String name) throws IOException {
        return ((NpyArray.Float32) Npy.read(dir.resolve(name + ".npy"))).tensor();
    }

    private static int[] ints(Path dir, String name) throws IOException {
        return ((NpyArray.Int32) Npy.read(dir.resolve(name + ".npy"))).data();
    }

    private static List<Path> cases(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dump)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }
}
