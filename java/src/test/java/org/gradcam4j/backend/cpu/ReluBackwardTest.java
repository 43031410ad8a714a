package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.gradcam4j.backend.ReluRule;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerOps#reluBackward} against the three rules written out (docs/ALGORITHMS.md: gradient {@code g * [y > 0]},
 * guided {@code max(g, 0) * [y > 0]}, deconvnet {@code max(g, 0)}), on spatial and flat tensors whose forward outputs
 * and gradients take the values where the rules are decided: -0, +0, the smallest subnormals, negatives, and gathered
 * images ({@code imageOf}) in another order than the forward's.
 */
class ReluBackwardTest {
    private static final float[] LEVELS = {-0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, 3.5e-3f, -2e30f, Float.MAX_VALUE};

    @Test
    void everyRuleFollowsItsDefinition() {
        SplittableRandom rnd = new SplittableRandom(17);
        int channels = 3, batch = 2, size = 6;
        int[] imageOf = {1, 0, 1};
        for (boolean spatial : new boolean[] {true, false}) {
            int sz = spatial ? size : 1;
            Act y = new Act(Buffers.allocate(Act.floats(channels, batch, sz, spatial), "y"), channels, batch, sz, spatial);
            for (int i = 0; i < y.buf.capacity(); i++) y.buf.put(i, LEVELS[rnd.nextInt(LEVELS.length)]);
            for (ReluRule rule : ReluRule.values()) {
                Act g = new Act(Buffers.allocate(Act.floats(channels, imageOf.length, sz, spatial), "g"), channels, imageOf.length, sz, spatial);
                float[] before = new float[g.buf.capacity()];
                for (int i = 0; i < before.length; i++) g.buf.put(i, before[i] = LEVELS[rnd.nextInt(LEVELS.length)]);
                try (Workers workers = new Workers(2)) {
                    new LayerOps(workers, Sgemm.best()).reluBackward(g, y, imageOf, rule);
                }
                int per = spatial ? g.plane() : 1;
                for (int i = 0; i < before.length; i++) {
                    int c, r, q;
                    if (spatial) { c = i / g.span(); r = (i % g.span()) / per; q = i % per; }
                    else { r = i / channels; c = i % channels; q = 0; }
                    float yv = spatial ? y.buf.get(c * y.span() + imageOf[r] * per + q) : y.buf.get(imageOf[r] * channels + c);
                    float gv = before[i];
                    float want = switch (rule) {
                        case GRADIENT -> yv > 0f ? gv : 0f;
                        case GUIDED -> yv > 0f ? (gv > 0f ? gv : 0f) : 0f;
                        case DECONVNET -> gv > 0f ? gv : 0f;
                    };
                    assertEquals(want, g.buf.get(i), 0f, rule + (spatial ? " spatial" : " flat") + " value " + i + " (y " + yv + ", g " + gv + ")");
                }
            }
        }
    }
}
