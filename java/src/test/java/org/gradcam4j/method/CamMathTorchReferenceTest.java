package org.gradcam4j.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gradcam4j.io.Npz;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.SystemPython;
import org.gradcam4j.testing.Tolerances;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every CAM method against PyTorch: tools/ref_cam_math.py implements the formulas from docs/ALGORITHMS.md on its own
 * (float64, F.interpolate for resizing) on seeded random data; this compares weights, layer maps, resized and
 * normalised maps. Skipped where /usr/bin/python3 with torch is missing.
 *
 * <p>Tolerance: {@link Tolerances#FORMULA}. Both sides accumulate in double from the same float32 inputs, so weights and
 * maps differ only by the final float32 rounding (~6e-8 relative); resizing is float32 on both sides with a
 * different operation order (a few 1e-7). 1e-5 leaves two orders of margin and still catches any formula slip,
 * which moves results by percent.
 */
class CamMathTorchReferenceTest {
    static final double TOLERANCE = Tolerances.FORMULA;

    @Test
    void everyMethodMatchesTorch(@TempDir Path dir) throws Exception {
        SystemPython.assumeModules("numpy", "torch");
        Path script = SystemPython.repoRoot().resolve("tools/ref_cam_math.py");
        assertTrue(java.nio.file.Files.exists(script), "missing " + script);
        Path out = dir.resolve("ref_cam_math.npz");
        SystemPython.Result r = SystemPython.run(300, script.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.output());

        Npz.Contents ref = Npz.read(out);
        Tensor a = ref.tensor("activations"), g = ref.tensor("gradients"), lin = ref.tensor("linear_weights");
        int[] imageOf = ref.ints("image_of"), classes = ref.ints("classes");
        List<String> report = new ArrayList<>();
        for (Method m : Method.all(true)) {
            if (!m.isCam() || m.runsExtraPasses()) continue;   // those run the network: SampledMethodsParityTest
            String t = m.token();
            CamLayerMaps mine = m == Method.CAM ? CamMath.cam(a, lin, classes, imageOf)
                    : m == Method.EIGENCAM ? CamMath.eigenCam(a, imageOf) : CamMath.compute(m, a, g, imageOf);
            assertEquals(ref.has(t + ".weights"), mine.hasChannelWeights(), t + " weights present");
            if (mine.hasChannelWeights()) check(report, t + ".weights", mine.channelWeights(), ref.tensor(t + ".weights"));
            check(report, t + ".maps", mine.layerMaps(), ref.tensor(t + ".maps"));

            Tensor up = MapOps.upsampleBilinear(mine.layerMaps(), 224, 224);
            check(report, t + ".up", up, ref.tensor(t + ".up"));
            NormalisedMaps norm = MapOps.normaliseByMax(up);
            check(report, t + ".norm", norm.maps(), ref.tensor(t + ".norm"));
            assertEquals(0, norm.emptyCount(), t + ": the random maps are not empty");

            // resizing alone, from torch's own layer maps
            Tensor refMaps = ref.tensor(t + ".maps");
            check(report, t + ".up_odd", MapOps.upsampleBilinear(refMaps, 23, 31), ref.tensor(t + ".up_odd"));
            check(report, t + ".down", MapOps.upsampleBilinear(refMaps, 5, 3), ref.tensor(t + ".down"));
        }
        Tensor wide = ref.tensor("wide.activations");
        check(report, "eigencam, 64 channels > 25 positions", CamMath.eigenCam(wide, new int[] {0, 1}).layerMaps(), ref.tensor("wide.eigencam"));
        System.out.println("CAM math vs torch, relative L2:\n  " + String.join("\n  ", report));
    }

    private static void check(List<String> report, String name, Tensor mine, Tensor ref) {
        assertArrayEquals(ref.shape(), mine.shape(), name + " shape");
        double e = Errors.relativeL2(mine, ref);
        report.add(String.format("%-28s %.2e", name, e));
        assertTrue(e <= TOLERANCE, name + ": relative L2 " + e + " > " + TOLERANCE);
    }
}
