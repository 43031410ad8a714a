package org.gradcam4j.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order (NCHW for images and maps), backed by a heap array.
 * This is the type that crosses every backend boundary: backends may keep their own layouts
 * internally, but they take and give back {@code Tensor}s in the documented shapes.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    public Tensor(float[] data, int... shape) {
        long n = count(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor data has " + data.length + " values but shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        long n = count(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large for one array");
        }
        return new Tensor(new float[(int) n], shape);
    }

    public static long count(int... shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= s;
        }
        return n;
    }

    /** The shape (a copy). */
    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int i) { return shape[i]; }
    public int size() { return data.length; }
    /** The backing array, shared, not copied: callers that hand a tensor out must not mutate it afterwards. */
    public float[] data() { return data; }

    /** Number of values in one slice along the first dimension. */
    public int sliceSize() { return shape.length == 0 ? 1 : data.length / Math.max(1, shape[0]); }

    /** A copy of slice {@code i} along the first dimension, with the remaining shape. */
    public Tensor slice(int i) {
        int s = sliceSize();
        float[] out = Arrays.copyOfRange(data, i * s, (i + 1) * s);
        return new Tensor(out, Arrays.copyOfRange(shape, 1, shape.length));
    }

    public Tensor reshape(int... newShape) { return new Tensor(data, newShape); }

    public Tensor copy() { return new Tensor(data.clone(), shape); }

    public float get(int... idx) { return data[offset(idx)]; }

    public int offset(int... idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("index rank " + idx.length + " != " + shape.length);
        int off = 0;
        for (int d = 0; d < shape.length; d++) {
            if (idx[d] < 0 || idx[d] >= shape[d]) throw new IndexOutOfBoundsException("index " + Arrays.toString(idx) + " outside " + Arrays.toString(shape));
            off = off * shape[d] + idx[d];
        }
        return off;
    }

    /** Stacks equally-shaped tensors along a new first dimension. */
    public static Tensor stack(java.util.List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to stack");
        int[] inner = parts.get(0).shape;
        int s = parts.get(0).size();
        float[] out = new float[s * parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            Tensor t = parts.get(i);
            if (!Arrays.equals(t.shape, inner)) throw new IllegalArgumentException("cannot stack " + Arrays.toString(t.shape) + " with " + Arrays.toString(inner));
            System.arraycopy(t.data, 0, out, i * s, s);
        }
        int[] shape = new int[inner.length + 1];
        shape[0] = parts.size();
        System.arraycopy(inner, 0, shape, 1, inner.length);
        return new Tensor(out, shape);
    }

    @Override
    public String toString() { return "Tensor" + Arrays.toString(shape); }
}
