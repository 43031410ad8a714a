package org.gradcam4j.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.gradcam4j.augment.AugmentedGradCam;
import org.gradcam4j.augment.AugmentedGradCam.Aggregation;
import org.gradcam4j.augment.SeedAdamSuperResolution;
import org.gradcam4j.augment.SuperResolutionSolver;
import org.gradcam4j.augment.TvSuperResolution;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;

/**
 * {@code gradcam4j bench augmented}: the cost of one Augmented Grad-CAM image on the CPU backend (VGG16 with
 * random weights, 224 x 224, Grad-CAM of the top class), split into the N copies' forward and backward passes and
 * the converged TV solve, with the seed-mode solver on the same observations beside it. Prints a table per image
 * and the medians.
 */
public final class AugmentedBenchmark {
    /**
     * @param image  a photo to explain, or null for a synthetic input
     */
    public record Options(String arch, int copies, int batch, int threads, int images, double tolerance, Path image) {}

    private final Options o;
    private final PrintStream out;

    public AugmentedBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public void run() throws Exception {
        Architecture arch = Architecture.byName(o.arch());
        String layer = arch.defaultTargetLayer();
        Model model = RandomWeights.model(arch, 1);
        int size = arch.inputSize();
        out.printf("gradcam4j bench augmented: %s (random weights), %dx%d, %d copies in batches of %d, Grad-CAM of the top class at %s, "
                        + "%d thread%s%n", arch.name(), size, size, o.copies(), o.batch(), layer, o.threads(), o.threads() == 1 ? "" : "s");
        out.println("machine: " + MachineInfo.describe());
        Tensor input;
        if (o.image() != null) {
            input = new Preprocessor(model.preprocessing(), size, org.gradcam4j.image.ResizeMode.CROP).prepare(new ImageLoader().load(o.image())).input();
            out.println("input: " + o.image());
        } else {
            input = CpuBenchmark.randomInput(1, size).reshape(3, size, size);
            out.println("input: synthetic (seeded uniform noise)");
        }
        TvSuperResolution tv = new TvSuperResolution(o.tolerance(), TvSuperResolution.DEFAULT_MAX_ITERATIONS, TvSuperResolution.DEFAULT_MAX_INNER_ITERATIONS);
        SeedAdamSuperResolution seed = new SeedAdamSuperResolution();
        double[] net = new double[o.images()], solve = new double[o.images()], seedSolve = new double[o.images()];
        try (CpuBackend backend = new CpuBackend(o.threads()); Network network = backend.load(model)) {
            out.println("backend: " + backend.description());
            // warm-up: JIT and buffers, a few copies and a short solve
            AugmentedGradCam warm = new AugmentedGradCam(network, model.preprocessing(), o.batch(),
                    AugmentedGradCam.Settings.defaults().withCopies(Math.min(o.copies(), o.batch())).withSolver(tv));
            warm.aggregate(warm.observe(input, layer, null, 1, false), EnumSet.of(Aggregation.TV), size);

            out.println();
            out.printf("%-6s %-10s %12s %12s %12s %10s %10s %12s %9s%n", "image", "class", "fwd+bwd s", "per copy s", "TV solve s",
                    "iter/inner", "rel. gap", "seed solve s", "TV/seed");
            for (int i = 0; i < o.images(); i++) {
                AugmentedGradCam aug = new AugmentedGradCam(network, model.preprocessing(), o.batch(),
                        AugmentedGradCam.Settings.defaults().withCopies(o.copies()).withSeed(i).withSolver(tv));
                long t0 = System.nanoTime();
                List<AugmentedGradCam.Observations> obs = aug.observe(input, layer, null, 1, false);
                long t1 = System.nanoTime();
                AugmentedGradCam.Result r = aug.aggregate(obs, EnumSet.of(Aggregation.TV), size).get(0);
                long t2 = System.nanoTime();
                SuperResolutionSolver.Solution s = seed.solve(List.of(SuperResolutionSolver.Problem.withPaperWeights(obs.get(0).warps(),
                        AugmentedGradCam.normalisedCopies(obs.get(0).layerMaps())))).get(0);
                long t3 = System.nanoTime();
                net[i] = (t1 - t0) / 1e9;
                solve[i] = (t2 - t1) / 1e9;
                seedSolve[i] = (t3 - t2) / 1e9;
                SuperResolutionSolver.Solution sol = r.solution();
                out.printf("%-6d %-10d %12.2f %12.3f %12.2f %10s %10.1e %12.3f %8.1fx%n", i, obs.get(0).classIndex(), net[i], net[i] / o.copies(),
                        solve[i], sol.iterations() + "/" + sol.innerIterations(), sol.relativeGap(), seedSolve[i], solve[i] / seedSolve[i]);
            }
        }
        double n = Timing.median(net), sv = Timing.median(solve), sd = Timing.median(seedSolve);
        out.println();
        out.printf("median per image: %.2f s total = %.2f s network (%d forward+backward copies, %.2f copies/s) + %.2f s TV solve (%.0f%% of the total)%n",
                n + sv, n, o.copies(), o.copies() / n, sv, 100 * sv / (n + sv));
        out.printf("solvers: converged (tolerance %.0e) %.2f s vs seed mode (200 Adam steps, point sampling) %.3f s: %.1fx the time%n",
                o.tolerance(), sv, sd, sv / sd);
    }
}
