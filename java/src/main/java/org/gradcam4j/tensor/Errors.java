package org.gradcam4j.tensor;

/** Relative L2 error, the one tolerance formula used by every parity test and check. */
public final class Errors {
    private Errors() {}

    /** ||a - b|| / max(||b||, tiny): b is the reference. */
    public static double relativeL2(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("length " + a.length + " != " + b.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        if (den == 0) return Math.sqrt(num);
        return Math.sqrt(num / den);
    }

    public static double relativeL2(Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(a.shape()) + " != " + java.util.Arrays.toString(b.shape()));
        }
        return relativeL2(a.data(), b.data());
    }
}
