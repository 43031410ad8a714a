package org.gradcam4j.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gradcam4j.testing.Reference;
import org.junit.jupiter.api.Test;

/**
 * The epsilons are written once in Java ({@link Epsilons}); the CUDA kernels' header and the PyTorch reference
 * script carry copies, and this test fails when a copy drifts (the XGrad-CAM eps once read 1e-6 in the kernel
 * tests while Java and Python used 1e-7).
 */
class NumericConstantsTest {

    /** Header constant to its Java value. */
    static final Map<String, Double> HEADER = new LinkedHashMap<>();
    /** Python constant of tools/ref_cam_math.py to its Java value. */
    static final Map<String, Double> PYTHON = new LinkedHashMap<>();

    static {
        HEADER.put("kGradCamPlusPlusEps", Epsilons.GRADCAM_PP);
        HEADER.put("kXGradCamEps", Epsilons.XGRADCAM);
        HEADER.put("kScoreCamMaskEps", Epsilons.SCORECAM_MASK);
        PYTHON.put("GRADCAM_PP_EPS", Epsilons.GRADCAM_PP);
        PYTHON.put("XGRADCAM_EPS", Epsilons.XGRADCAM);
    }

    @Test
    void kernelHeaderMatchesJava() throws IOException {
        String h = Files.readString(repo().resolve("kernels/method_constants.h"));
        Map<String, Double> found = constants(h, Pattern.compile("constexpr\\s+(?:float|double)\\s+(\\w+)\\s*=\\s*([0-9.eE+-]+)f?\\s*;"));
        assertEquals(HEADER.keySet(), found.keySet(), "the header's constants are exactly the checked ones");
        // the kernels take float: compare at float precision
        for (var e : HEADER.entrySet()) {
            assertEquals((float) (double) e.getValue(), (float) (double) found.get(e.getKey()), 0f, e.getKey() + " in kernels/method_constants.h");
        }
    }

    @Test
    void pythonReferenceMatchesJava() throws IOException {
        String py = Files.readString(repo().resolve("tools/ref_cam_math.py"));
        Map<String, Double> found = constants(py, Pattern.compile("(?m)^(\\w+_EPS)\\s*=\\s*([0-9.eE+-]+)\\s*$"));
        for (var e : PYTHON.entrySet()) {
            assertTrue(found.containsKey(e.getKey()), e.getKey() + " missing from tools/ref_cam_math.py");
            assertEquals(e.getValue(), found.get(e.getKey()), 0.0, e.getKey() + " in tools/ref_cam_math.py");
        }
    }

    private static Map<String, Double> constants(String text, Pattern p) {
        Map<String, Double> out = new LinkedHashMap<>();
        Matcher m = p.matcher(text);
        while (m.find()) out.put(m.group(1), Double.parseDouble(m.group(2)));
        return out;
    }

    private static Path repo() {
        Path root = Reference.ROOT;
        return Files.isDirectory(root.resolve("kernels")) ? root : root.getParent();
    }
}
