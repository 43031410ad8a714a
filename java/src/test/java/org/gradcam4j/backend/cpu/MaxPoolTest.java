package org.gradcam4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LayerOps#maxPoolForward} against the definition written out directly (docs/ALGORITHMS.md, max pooling as
 * PyTorch's: each 2x2 window's maximum, the first maximum in row-major order winning a tie), on inputs built to tie:
 * values drawn from a few levels including -0 and +0 (equal as floats), negatives, and large magnitudes whose
 * difference would overflow an int.
 */
class MaxPoolTest {
    private static final float[] LEVELS = {-0f, 0f, 1f, 1f, 2.5f, -3f, -3f, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f, -1e-40f};

    @Test
    void windowsAndTiesFollowTheDefinition() {
        int channels = 5, batch = 3, size = 10, os = size / 2;
        SplittableRandom rnd = new SplittableRandom(5);
        Act in = WinogradConvTest.emptyAct(channels, batch, size);
        for (int i = 0; i < in.buf.capacity(); i++) in.buf.put(i, 0f);
        for (int c = 0; c < channels; c++) for (int b = 0; b < batch; b++) for (int y = 0; y < size; y++) for (int x = 0; x < size; x++) {
            in.buf.put(in.at(c, b, y, x), LEVELS[rnd.nextInt(LEVELS.length)]);
        }
        Act out = WinogradConvTest.emptyAct(channels, batch, os);
        byte[] argmax = new byte[channels * batch * os * os];
        try (Workers workers = new Workers(2)) {
            new LayerOps(workers, Sgemm.best()).maxPoolForward(in, out, argmax);
        }
        int ties = 0;
        for (int c = 0; c < channels; c++) for (int b = 0; b < batch; b++) for (int y = 0; y < os; y++) for (int x = 0; x < os; x++) {
            float best = in.buf.get(in.at(c, b, 2 * y, 2 * x));
            int win = 0;
            for (int k = 1; k < 4; k++) {
                float v = in.buf.get(in.at(c, b, 2 * y + k / 2, 2 * x + k % 2));
                if (v == best) ties++;
                if (v > best) { best = v; win = k; }
            }
            String where = "channel " + c + " image " + b + " window " + y + "," + x;
            assertEquals(win, argmax[((c * batch + b) * os + y) * os + x], where + ": argmax");
            assertEquals(best, out.buf.get(out.at(c, b, y, x)), 0f, where + ": value");   // -0 and +0 compare equal here
        }
        for (int c = 0; c < channels; c++) for (int b = 0; b < batch; b++) for (int i = 0; i < os + 2; i++) {
            int w2 = os + 2, base = c * out.span() + b * out.plane();
            for (int q : new int[] {base + i, base + (w2 - 1) * w2 + i, base + i * w2, base + i * w2 + w2 - 1}) {
                assertEquals(0f, out.buf.get(q), 0f, "border value at " + q);
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(ties > 100, "the input ties often enough to test the rule: " + ties);
    }
}
