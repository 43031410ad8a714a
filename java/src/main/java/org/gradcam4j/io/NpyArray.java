package org.gradcam4j.io;

import java.util.Arrays;
import org.gradcam4j.tensor.Tensor;

/**
 * One array of an .npy / .npz file in the subset gradcam4j reads and writes: little-endian float32
 * ({@code <f4}) or int32 ({@code <i4}), C order. Data arrays are shared, not copied.
 */
public sealed interface NpyArray permits NpyArray.Float32, NpyArray.Int32 {
    /** The shape (a copy). */
    int[] shape();

    /** numpy's dtype string, {@code <f4} or {@code <i4}. */
    String descr();

    /** Number of values. */
    int size();

    static Float32 of(Tensor t) { return new Float32(t.data(), t.shape()); }

    static Int32 ofInts(int[] data, int... shape) { return new Int32(data, shape); }

    /** A float32 array. */
    record Float32(float[] data, int[] shape) implements NpyArray {
        public Float32 {
            shape = shape.clone();
            checkCount(data.length, shape);
        }

        @Override public int[] shape() { return shape.clone(); }
        @Override public String descr() { return "<f4"; }
        @Override public int size() { return data.length; }

        public Tensor tensor() { return new Tensor(data, shape); }

        @Override public String toString() { return "float32" + Arrays.toString(shape); }
    }

    /** An int32 array. */
    record Int32(int[] data, int[] shape) implements NpyArray {
        public Int32 {
            shape = shape.clone();
            checkCount(data.length, shape);
        }

        @Override public int[] shape() { return shape.clone(); }
        @Override public String descr() { return "<i4"; }
        @Override public int size() { return data.length; }

        @Override public String toString() { return "int32" + Arrays.toString(shape); }
    }

    private static void checkCount(int length, int[] shape) {
        long n = Tensor.count(shape);
        if (n != length) throw new IllegalArgumentException(length + " values do not fill shape " + Arrays.toString(shape));
    }
}
