package org.gradcam4j.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.weights.CanonicalModelFile;
import org.gradcam4j.weights.ModelLoader;

/**
 * The child process of {@code bench load}, a class of its own so that it runs unchanged against a baseline build
 * placed first on the class path (it uses only API that build has): {@code probe FILE THREADS} loads the file,
 * prepares the CPU backend and runs one image forward, printing the times; {@code write FILE} writes the seeded random
 * VGG16 as the build on the class path writes model files by default.
 */
public final class LoadProbe {
    static final String PREFIX = "LOADPROBE ";

    private LoadProbe() {}

    public static void main(String[] args) {
        if (args[0].equals("write")) {
            CanonicalModelFile.write(RandomWeights.model(Architecture.vgg16(), 42), Path.of(args[1]));
            return;
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        // as the commands do: the native GEMM loads while the file is read (a baseline build may not have preload)
        try {
            CpuBackend.class.getMethod("preload").invoke(null);
        } catch (ReflectiveOperationException e) {
            // an older build: loads the GEMM when the backend is created
        }
        Model m = ModelLoader.load(Path.of(args[1]), null);
        long t1 = System.nanoTime();
        try (CpuBackend b = new CpuBackend(Integer.parseInt(args[2])); Network n = b.load(m)) {
            long t2 = System.nanoTime();
            long cpu1 = os.getProcessCpuTime();
            int s = m.architecture().inputSize();
            Tensor x = Tensor.zeros(1, 3, s, s);
            for (int i = 0; i < x.size(); i++) x.data()[i] = (float) ((i * 7919L % 255) - 120);
            float top;
            try (ForwardPass p = n.forward(x, null)) {
                top = p.logits().data()[0];
            }
            long t3 = System.nanoTime();
            System.out.printf(Locale.ROOT, "%s%.4f %.4f %.4f %.4f %s%n", PREFIX, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (cpu1 - cpu0) / 1e9,
                    (t3 - t2) / 1e9, Float.isFinite(top) ? "ok" : "nonfinite");
        }
    }
}
