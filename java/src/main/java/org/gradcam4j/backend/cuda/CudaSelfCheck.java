package org.gradcam4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.gradcam4j.backend.BackwardRequest;
import org.gradcam4j.backend.ForwardPass;
import org.gradcam4j.backend.Gradients;
import org.gradcam4j.backend.Network;
import org.gradcam4j.backend.ReluRule;
import org.gradcam4j.backend.cpu.CpuBackend;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Errors;
import org.gradcam4j.tensor.Tensor;

/**
 * The CUDA engine against the CPU backend (the reference) on two small networks of every layer kind (3x3
 * convolutions, max-pools, fc head; GAP head with a bias-free linear layer), fp32 mode, a batch of 3 images with
 * 4 seed rows mapped to them out of order: logits, a kept activation, layer and input gradients under each ReLU
 * rule, and weight gradients. Runs in milliseconds; {@link CudaBackend#load} runs it once per backend.
 */
public final class CudaSelfCheck {
    /** Logits and activations: the same float32 sums in another order. */
    static final double TOL_FORWARD = 1e-4;
    /**
     * Gradients: below a max-pool a float32 near-tie may route a window's gradient elsewhere on one backend
     * than on the other (see the parity tests), which a small network feels more than a large one.
     */
    static final double TOL_BACKWARD = 1e-3;

    private CudaSelfCheck() {}

    /** One compared tensor. */
    public record Item(String what, double relError, double tolerance) {
        public boolean ok() { return relError <= tolerance; }
    }

    public record Report(List<Item> items) {
        public boolean passed() { return items.stream().allMatch(Item::ok); }

        /** The failing items (or the worst one when all pass), one line. */
        public String summary() {
            List<String> bad = new ArrayList<>();
            Item worst = null;
            for (Item i : items) {
                if (!i.ok()) bad.add(format(i));
                if (worst == null || i.relError / i.tolerance > worst.relError / worst.tolerance) worst = i;
            }
            if (!bad.isEmpty()) return bad.size() + " of " + items.size() + " comparisons out of tolerance: " + String.join("; ", bad);
            return items.size() + " comparisons within tolerance; worst " + (worst == null ? "-" : format(worst));
        }

        private static String format(Item i) {
            return String.format(Locale.ROOT, "%s rel. L2 %.2e (tolerance %.0e)", i.what, i.relError, i.tolerance);
        }
    }

    static List<Model> networks() {
        Architecture fc = Architecture.custom("selfcheck-fc", 16, new int[] {2, 1}, new int[] {8, 16}, new int[] {24}, 10, Head.FC, 0);
        Architecture gap = Architecture.custom("selfcheck-gap", 16, new int[] {1, 1}, new int[] {8, 16}, new int[0], 5, Head.GAP, 12);
        return List.of(RandomWeights.model(fc, 11), RandomWeights.model(gap, 12));
    }

    public static Report run(CudaBackend cuda) {
        List<Item> items = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(1)) {
            for (Model model : networks()) {
                try (Network ref = cpu.load(model); Network gpu = cuda.loadUnchecked(model, CudaPrecision.FP32)) {
                    compare(model, ref, gpu, items);
                }
            }
        }
        return new Report(items);
    }

    private static void compare(Model model, Network ref, Network gpu, List<Item> items) {
        Architecture arch = model.architecture();
        String name = arch.name() + " ";
        int n = 3, s = arch.inputSize();
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n * 3 * s * s];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        Tensor input = new Tensor(x, n, 3, s, s);
        int[] imageOf = {2, 0, 2, 1};
        float[] seeds = new float[imageOf.length * arch.numClasses()];
        for (int i = 0; i < seeds.length; i++) seeds[i] = (float) (r.nextDouble() * 2 - 1);
        Tensor seedTensor = new Tensor(seeds, imageOf.length, arch.numClasses());

        String conv = "block2_conv1";
        String fcLayer = arch.layers().get(arch.layers().size() - 2).name();  // fc1 / gap
        Set<String> weights = Set.of("block1_conv1", "predictions");
        try (ForwardPass a = ref.forward(input, Architecture.INPUT); ForwardPass b = gpu.forward(input, Architecture.INPUT)) {
            items.add(new Item(name + "logits", relL2(b.logits(), a.logits()), TOL_FORWARD));
            items.add(new Item(name + conv + " activation", relL2(b.activation(conv), a.activation(conv)), TOL_FORWARD));
            for (ReluRule rule : ReluRule.values()) {
                String tag = name + rule.name().toLowerCase(Locale.ROOT) + " ";
                BackwardRequest req = new BackwardRequest(seedTensor, imageOf, Architecture.INPUT, rule, Set.of(conv, fcLayer),
                        rule == ReluRule.GRADIENT ? weights : Set.of());
                Gradients ga = a.backward(req), gb = b.backward(req);
                for (String l : List.of(fcLayer, conv, Architecture.INPUT)) {
                    items.add(new Item(tag + l + " gradient", relL2(gb.at(l), ga.at(l)), TOL_BACKWARD));
                }
                for (String k : ga.weightGrads().keySet()) {
                    items.add(new Item(tag + k + " gradient", relL2(gb.weightGrads().get(k), ga.weightGrads().get(k)), TOL_BACKWARD));
                }
            }
        }
    }

    /**
     * {@link Errors#relativeL2} as a comparison that never throws: a shape mismatch or a non-finite result counts as
     * an infinite error, so the self-check reports it instead of failing on it.
     */
    static double relL2(Tensor got, Tensor want) {
        if (got == null || want == null || !java.util.Arrays.equals(got.shape(), want.shape())) return Double.POSITIVE_INFINITY;
        double e = Errors.relativeL2(got.data(), want.data());
        return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
    }
}
