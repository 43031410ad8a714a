package org.gradcam4j.explain;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gradcam4j.explain.SampledMethodsParityTest.Fixture;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.testing.Reference;
import org.gradcam4j.testing.Tolerances;
import org.gradcam4j.weights.ModelLoader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Score-CAM, Ablation-CAM, Eigen-CAM and EigenGrad-CAM against pytorch-grad-cam's own {@code ScoreCAM},
 * {@code AblationCAM}, {@code EigenCAM} and {@code EigenGradCAM} classes (tools/ref_pgc.py runs them on the same seeded
 * network and batch). pytorch-grad-cam is not part of this repository and CI cannot fetch it: the test runs only where
 * the environment variable {@code GRADCAM4J_PYTORCH_GRAD_CAM} names a checkout of it (the variable
 * {@code gradcam4j bench methods} reads too), and is skipped otherwise. Compared: the channel weights
 * ({@code get_cam_weights}) and the layer maps ({@code get_cam_image} followed by pytorch-grad-cam's ReLU); for the
 * Eigen classes the projection after gradcam4j's sign rule (flip where |min| > |max|, docs/ALGORITHMS.md section 8),
 * since pytorch-grad-cam leaves the sign to the SVD (the test prints whether its sign agreed). Bound
 * {@link Tolerances#NETWORK}, or twice pytorch-grad-cam's own float32 error against its float64 run where larger
 * ({@link Tolerances#againstTorchFloat32}). Results are recorded in docs/TESTING.md.
 */
class PytorchGradCamParityTest {
    static final String ENV = "GRADCAM4J_PYTORCH_GRAD_CAM";

    static String checkout() {
        String p = System.getenv(ENV);
        assumeTrue(p != null && !p.isBlank(), ENV + " does not name a pytorch-grad-cam checkout");
        assumeTrue(Files.isDirectory(Path.of(p, "pytorch_grad_cam")), ENV + "=" + p + " has no pytorch_grad_cam package");
        return p;
    }

    @Test
    void narrow() {
        String pgc = checkout();
        check(Reference.generate("pgc-narrow16", "ref_pgc.py", "--pgc", pgc, "--arch", "narrow16", "--f32"));
    }

    /** Score-CAM and Ablation-CAM at block1_conv2 (64 channels, as FullVggMethodsParityTest); the Eigen classes at block5_conv3. */
    @Test
    @Tag("slow")
    void vgg16() {
        String pgc = checkout();
        check(Reference.generate("pgc-vgg16", "ref_pgc.py", "--pgc", pgc, "--arch", "vgg16", "--batch", "1", "--one-seed",
                "--perturb-layer", "block1_conv2", "--pgc-batch", "8", "--f32"));
    }

    /**
     * Score-CAM and Ablation-CAM at the default layer, block5_conv3 (512 channels). pytorch-grad-cam's ScoreCAM runs
     * 512 masked full VGG16 forwards (batch_size 16); in float64 that took 150 s per batch on the shared 2-core machine
     * (over an hour), so it runs in float32 only, as users run it, and that run is the reference (bound
     * {@link Tolerances#NETWORK}: its float32 error at block1_conv2 was 5.5e-7). Its AblationCAM forwards the whole
     * network per ablated channel; ref_pgc.py's --cache-prefix runs the layers before block5_conv3 once per image
     * instead (the same function, pytorch-grad-cam's code unchanged), so it runs in float64 and float32 as elsewhere.
     */
    @Test
    @Tag("slow")
    void vgg16Block5() {
        String pgc = checkout();
        check(Reference.generate("pgc-vgg16-block5", "ref_pgc.py", "--pgc", pgc, "--arch", "vgg16", "--batch", "1", "--one-seed",
                "--classes", "scorecam,ablationcam", "--cache-prefix", "--pgc-batch", "16", "--f32", "--float32-only", "scorecam"));
    }

    static void check(Path dir) {
        Path h5 = dir.resolve("ref.h5");
        Map<String, Tensor> ref = Reference.readAll(h5);
        Fixture fx = new Fixture(ModelLoader.load(dir.resolve("keras.h5"), null), ref, Reference.attributes(h5), null);
        for (String token : List.of("scorecam", "ablationcam", "eigencam", "eigengradcam")) {
            if (!ref.containsKey("pgc/" + token + "/cam")) continue;   // not among the reference's --classes
            String layer;
            try (io.jhdf.HdfFile f = new io.jhdf.HdfFile(h5)) {
                layer = String.valueOf(f.getAttribute("layer/" + token).getData());
            }
            List<ClassExplanation> rows = SampledMethodsParityTest.explain(fx, layer, List.of(token), MethodSettings.defaults(), 32, null);
            for (int r = 0; r < rows.size(); r++) {
                MapResult m = rows.get(r).maps().get(token);
                String p = "pgc/" + token + "/";
                if (ref.containsKey(p + "weights")) {
                    SampledMethodsParityTest.close("pytorch-grad-cam " + token + " weights seed " + r, m.weights(), ref.get(p + "weights").slice(r),
                            fx.bound(Tolerances.NETWORK, p + "weights", r));
                }
                float[] cam = ref.get(p + "cam").slice(r).data().clone();
                if (token.startsWith("eigen")) {
                    float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
                    for (float v : cam) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                    boolean flip = Math.abs(lo) > Math.abs(hi);
                    System.out.printf("  pytorch-grad-cam %s seed %d: its SVD's sign %s gradcam4j's rule%n", token, r, flip ? "disagrees with" : "agrees with");
                    if (flip) for (int i = 0; i < cam.length; i++) cam[i] = -cam[i];
                }
                for (int i = 0; i < cam.length; i++) cam[i] = Math.max(cam[i], 0f);
                SampledMethodsParityTest.close("pytorch-grad-cam " + token + " layer_map seed " + r, m.layerMap(),
                        new Tensor(cam, m.layerMap().shape()), fx.bound(Tolerances.NETWORK, p + "cam", r));
            }
        }
    }
}
