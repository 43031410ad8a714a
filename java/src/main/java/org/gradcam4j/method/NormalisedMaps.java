package org.gradcam4j.method;

import org.gradcam4j.tensor.Tensor;

/**
 * Maps scaled into [0, 1], with a flag per map saying it had nothing to scale (all zero, all non-positive, or
 * constant for min-max): such a map is all zero, never NaN, and callers report it rather than draw it.
 *
 * @param maps  (M x H x W) the normalised maps, a new tensor
 * @param empty (M) whether map {@code m} was empty
 */
public record NormalisedMaps(Tensor maps, boolean[] empty) {
    public NormalisedMaps {
        if (maps.rank() != 3 || empty.length != maps.dim(0)) {
            throw new IllegalArgumentException("need (M x H x W) maps and M flags, got " + maps + " and " + empty.length);
        }
        empty = empty.clone();
    }

    @Override public boolean[] empty() { return empty.clone(); }

    public boolean isEmpty(int m) { return empty[m]; }

    public int emptyCount() {
        int n = 0;
        for (boolean e : empty) if (e) n++;
        return n;
    }
}
