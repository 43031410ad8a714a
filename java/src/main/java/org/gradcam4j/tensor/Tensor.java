package org.gradcam4j.tensor;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order (NCHW for images and maps), backed by a heap array.
 * This is the type that crosses every backend boundary: backends may keep their own layouts
 * internally, but they take and give back {@code Tensor}s in the documented shapes.
 *
 * <p>A tensor may also be a {@linkplain #view view} of values outside the heap (a model file's parameter mapped
 * from the page cache, a layout conversion's direct buffer): those values are copied into a heap array only when
 * something asks for {@link #data()}, once. A backend that can use them where they are asks {@link #direct()}.
 * A view may also hold its values in another order than the one it shows ({@link KerasDenseOrder}: a Keras file's
 * dense kernel, mapped): every accessor shows the tensor's own row-major order, and {@link #stored()} hands the
 * values as they lie to a backend that reads that order.
 */
public final class Tensor {
    private final int[] shape;
    private final int size;
    /** The values of a plain tensor; null for a view. */
    private final float[] data;
    /** A view's values outside the heap (position 0, capacity = size), else null. */
    private final FloatBuffer outside;
    /** The order {@link #outside} holds the values in when it is not this tensor's row-major order, else null. */
    private final KerasDenseOrder order;
    /** A view's values copied to the heap by the first {@link #data()}, else null. */
    private volatile float[] copied;

    public Tensor(float[] data, int... shape) {
        long n = count(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor data has " + data.length + " values but shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
        this.shape = shape.clone();
        this.size = data.length;
        this.data = data;
        this.outside = null;
        this.order = null;
    }

    private Tensor(FloatBuffer values, KerasDenseOrder order, int[] shape) {
        long n = count(shape);
        if (n != values.remaining()) {
            throw new IllegalArgumentException("tensor view has " + values.remaining() + " values but shape "
                    + Arrays.toString(shape) + " needs " + n);
        }
        this.shape = shape.clone();
        this.size = (int) n;
        this.outside = values.slice();
        this.data = null;
        this.order = order;
    }

    /**
     * A tensor over {@code values} (from its position to its limit) without copying them. The caller hands the
     * values over: they must not change while the tensor lives (a read-only mapping of a file that is replaced,
     * not rewritten in place, or a buffer nothing else writes).
     */
    public static Tensor view(FloatBuffer values, int... shape) {
        return new Tensor(values, null, shape);
    }

    /**
     * A tensor of shape {@link KerasDenseOrder#shape()} over {@code values} stored in {@code order}, without copying or
     * reordering them (same contract as {@link #view(FloatBuffer, int...)}). Reads show the canonical order; a first
     * {@link #data()} reorders onto the heap.
     */
    public static Tensor view(FloatBuffer values, KerasDenseOrder order) {
        return new Tensor(values, order, order.shape());
    }

    /**
     * The direct buffer holding this tensor's values (position 0, a duplicate the caller may move), when it is a
     * view of direct memory in the platform's byte order whose values were never copied to the heap; else null. Once {@link #data()} handed out
     * the heap array, that array is the tensor's values (a caller may have changed it against the rule above), so
     * the buffer is no longer offered.
     */
    public FloatBuffer direct() {
        return order == null ? outsideDirect() : null;
    }

    /**
     * The order a view holds its values in when it is not the tensor's own ({@link #view(FloatBuffer, KerasDenseOrder)}),
     * else null.
     */
    public KerasDenseOrder storedOrder() { return order; }

    /**
     * For a view in a {@link #storedOrder()}, the direct buffer holding its values in that order (position 0, a
     * duplicate), on the same terms as {@link #direct()}; else null.
     */
    public FloatBuffer stored() {
        return order != null ? outsideDirect() : null;
    }

    private FloatBuffer outsideDirect() {
        return outside != null && outside.isDirect() && outside.order() == java.nio.ByteOrder.nativeOrder() && copied == null
                ? outside.duplicate() : null;
    }

    /**
     * Copies values {@code [from, from + n)} of the order they are stored in ({@link #storedOrder()}; for other
     * tensors their own order) into {@code dst} at {@code at}: for scans that visit every value and do not care in
     * which order (the finite-value check), without reordering. {@link #canonicalIndex} says where a value sits.
     */
    public void readStored(int from, float[] dst, int at, int n) {
        if (order == null || heap() != null) read(from, dst, at, n);
        else outside.get(from, dst, at, n);
    }

    /** The index in this tensor's row-major order of the value {@link #readStored} gives at {@code storedIndex}. */
    public int canonicalIndex(int storedIndex) {
        return order == null || heap() != null ? storedIndex : order.canonicalIndex(storedIndex);
    }

    /** Copies values {@code [from, from + n)} into {@code dst} at {@code at}, without materialising a view on the heap. */
    public void read(int from, float[] dst, int at, int n) {
        float[] d = heap();
        if (d != null) System.arraycopy(d, from, dst, at, n);
        else if (order == null) outside.get(from, dst, at, n);
        else for (int i = 0; i < n; i++) dst[at + i] = outside.get(order.storedIndex(from + i));
    }

    /** A new heap array holding the values (a view stays a view). */
    public float[] toArray() {
        float[] d = heap();
        if (d != null) return d.clone();
        return outsideToArray();
    }

    /** A view's values in this tensor's order, in a new array. */
    private float[] outsideToArray() {
        float[] out = new float[size];
        if (order == null) outside.get(0, out, 0, size);
        else order.toCanonical(outside.duplicate(), FloatBuffer.wrap(out));
        return out;
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
    public int size() { return size; }

    /**
     * The backing array, shared, not copied: callers that hand a tensor out must not mutate it afterwards. A view's
     * values are copied to the heap on the first call (once; later calls return the same array).
     */
    public float[] data() {
        return data != null ? data : materialise();
    }

    private float[] materialise() {
        float[] c = copied;
        if (c != null) return c;
        synchronized (this) {
            if (copied == null) copied = outsideToArray();
            return copied;
        }
    }

    /** The heap array if there is one (a plain tensor, or a view that was materialised), else null. */
    private float[] heap() { return data != null ? data : copied; }

    /** Whether the values are on the heap (a plain tensor, or a view that was materialised). */
    public boolean onHeap() { return heap() != null; }

    /** Number of values in one slice along the first dimension. */
    public int sliceSize() { return shape.length == 0 ? 1 : size / Math.max(1, shape[0]); }

    /** A copy of slice {@code i} along the first dimension, with the remaining shape. */
    public Tensor slice(int i) {
        int s = sliceSize();
        float[] out = new float[s];
        read(i * s, out, 0, s);
        return new Tensor(out, Arrays.copyOfRange(shape, 1, shape.length));
    }

    /** The same values with another shape; a view that was never materialised stays a view. */
    public Tensor reshape(int... newShape) {
        float[] d = heap();
        return d == null ? new Tensor(outside.duplicate(), order, newShape) : new Tensor(d, newShape);
    }

    public Tensor copy() { return new Tensor(toArray(), shape); }

    public float get(int... idx) {
        float[] d = heap();
        return d != null ? d[offset(idx)] : outside.get(order == null ? offset(idx) : order.storedIndex(offset(idx)));
    }

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
            t.read(0, out, i * s, s);
        }
        int[] shape = new int[inner.length + 1];
        shape[0] = parts.size();
        System.arraycopy(inner, 0, shape, 1, inner.length);
        return new Tensor(out, shape);
    }

    @Override
    public String toString() { return "Tensor" + Arrays.toString(shape); }
}
