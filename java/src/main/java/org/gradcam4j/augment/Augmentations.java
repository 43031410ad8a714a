package org.gradcam4j.augment;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gradcam4j.tensor.Tensor;

/**
 * The augmented copies of docs/ALGORITHMS.md section 5: copy 0 is the identity; copy {@code l >= 1} rotates by
 * {@code theta ~ U(-maxAngle, maxAngle)} radians about the centre, then shifts by {@code dx, dy ~
 * U(-maxShift, maxShift)} pixels, drawn in that order from one {@link SplittableRandom} seeded with
 * {@code seed}, so a seed always gives the same copies.
 */
public final class Augmentations {
    /** The paper's rotation range, radians. */
    public static final double MAX_ANGLE = 0.5;
    /** The paper's shift range, pixels of a 224 x 224 input. */
    public static final double MAX_SHIFT_224 = 30;

    private Augmentations() {}

    /** The shift range for an input of {@code size}: 30 px at 224, scaled in proportion for other sizes. */
    public static double maxShift(int size) { return MAX_SHIFT_224 * size / 224.0; }

    /**
     * {@code copies} warps of {@code size x size} planes.
     *
     * @param copies N >= 1; copy 0 is the identity
     */
    public static List<AffineWarp> random(int copies, int size, long seed, double maxAngle, double maxShift) {
        if (copies < 1) throw new IllegalArgumentException("copies must be >= 1, got " + copies);
        if (!(maxAngle >= 0) || !(maxShift >= 0)) throw new IllegalArgumentException("ranges must be >= 0");
        SplittableRandom r = new SplittableRandom(seed);
        List<AffineWarp> out = new ArrayList<>(copies);
        out.add(AffineWarp.identity(size));
        for (int l = 1; l < copies; l++) {
            double angle = uniform(r, maxAngle), dx = uniform(r, maxShift), dy = uniform(r, maxShift);
            out.add(AffineWarp.rotateThenShift(size, angle, dx, dy));
        }
        return List.copyOf(out);
    }

    /** The paper's ranges: 0.5 rad and 30 px at 224. */
    public static List<AffineWarp> random(int copies, int size, long seed) {
        return random(copies, size, seed, MAX_ANGLE, maxShift(size));
    }

    private static double uniform(SplittableRandom r, double half) {
        return half == 0 ? 0 : (r.nextDouble() * 2 - 1) * half;
    }

    /**
     * Warps a network input into copies. The fill is the input value of a black pixel per channel, so that the
     * zero fill happens in pixel space, as the seed warps the 0..255 image before subtracting the means.
     *
     * @param input (3 x S x S) preprocessed, model channel order
     * @param fill  (3) the value outside the image, per channel
     * @param from  first warp of {@code warps} to apply
     * @param count how many copies
     * @return (count x 3 x S x S)
     */
    public static Tensor warpInput(Tensor input, float[] fill, List<AffineWarp> warps, int from, int count) {
        if (input.rank() != 3 || input.dim(1) != input.dim(2)) throw new IllegalArgumentException("input must be (C x S x S), got " + input);
        int c = input.dim(0), s = input.dim(1), plane = s * s;
        if (fill.length != c) throw new IllegalArgumentException(fill.length + " fill values for " + c + " channels");
        float[] src = input.data();
        float[] out = new float[Math.multiplyExact(count, c * plane)];
        float[] shifted = new float[plane];
        for (int k = 0; k < count; k++) {
            AffineWarp w = warps.get(from + k);
            if (w.size() != s) throw new IllegalArgumentException("warp of size " + w.size() + " for a " + s + " input");
            for (int ch = 0; ch < c; ch++) {
                int o = (k * c + ch) * plane;
                if (w.isIdentity()) {
                    System.arraycopy(src, ch * plane, out, o, plane);
                    continue;
                }
                float f = fill[ch];
                for (int i = 0; i < plane; i++) shifted[i] = src[ch * plane + i] - f;
                w.apply(shifted, 0, out, o);
                for (int i = 0; i < plane; i++) out[o + i] += f;
            }
        }
        return new Tensor(out, count, c, s, s);
    }
}
