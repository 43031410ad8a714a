package org.gradcam4j.backend.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.gradcam4j.tensor.Tensor;

/**
 * A pool of direct float buffers, reused across forward passes so the hot path does not allocate (and
 * does not lean on the garbage collector to free native memory). Buffers are handed out with
 * arbitrary contents; callers write every value they later read.
 */
final class Buffers {
    /** Largest buffer one direct ByteBuffer can hold, in floats. */
    static final long MAX_FLOATS = (Integer.MAX_VALUE - 64) / 4;

    private final Map<Integer, ArrayDeque<FloatBuffer>> free = new HashMap<>();
    private long pooledFloats;

    static FloatBuffer allocate(long floats, String what) {
        if (floats > MAX_FLOATS) {
            throw new IllegalArgumentException(what + " needs " + floats * 4 / (1 << 20)
                    + " MiB in one buffer, more than the CPU backend's 2 GiB limit: use a smaller batch");
        }
        try {
            return ByteBuffer.allocateDirect((int) floats * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        } catch (OutOfMemoryError e) {
            throw new OutOfMemoryError("out of direct memory allocating " + floats * 4 / (1 << 20) + " MiB for " + what
                    + " (raise -XX:MaxDirectMemorySize or use a smaller batch)");
        }
    }

    /**
     * The tensor's values as a direct buffer the GEMMs can read: the tensor's own buffer when it is a view of direct
     * memory at a float-aligned address (a model file's parameter mapped from the page cache, a layout conversion's
     * output: nothing copied), else a copy made in parallel slices (VGG's fc1 is 400 MB), without copying a view to
     * the heap first. The buffer may be read-only: the backend never writes its parameters in place.
     */
    static FloatBuffer ready(Tensor t, String what) {
        FloatBuffer own = t.direct();
        return own != null && floatAligned(own) ? own : copyOf(t, what);
    }

    private static FloatBuffer copyOf(Tensor t, String what) {
        int n = t.size();
        FloatBuffer b = allocate(n, what);
        final int slice = 1 << 22;
        java.util.stream.IntStream.range(0, (n + slice - 1) / slice).parallel().forEach(i -> {
            int from = i * slice, len = Math.min(slice, n - from);
            if (t.onHeap()) {
                b.put(from, t.data(), from, len);
            } else {
                float[] chunk = new float[Math.min(len, 1 << 16)];
                for (int at = from; at < from + len; at += chunk.length) {
                    int m = Math.min(chunk.length, from + len - at);
                    t.read(at, chunk, 0, m);
                    b.put(at, chunk, 0, m);
                }
            }
        });
        return b;
    }

    /**
     * Whether a direct buffer starts at a multiple of 4 bytes, as OpenBLAS's float pointers must (a mapped dataset
     * starts wherever its file offset puts it). Asked of JavaCPP, which OpenBLAS loads anyway; where JavaCPP cannot
     * load, the answer is no and the caller copies.
     */
    static boolean floatAligned(FloatBuffer direct) {
        try {
            return (new org.bytedeco.javacpp.Pointer(direct).address() & 3) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    synchronized FloatBuffer take(long floats, String what) {
        if (floats > MAX_FLOATS) allocate(floats, what); // throws with the message
        ArrayDeque<FloatBuffer> q = free.get((int) floats);
        if (q != null && !q.isEmpty()) {
            pooledFloats -= floats;
            return q.pop();
        }
        return allocate(floats, what);
    }

    synchronized void give(FloatBuffer b) {
        if (b == null) return;
        free.computeIfAbsent(b.capacity(), k -> new ArrayDeque<>()).push(b);
        pooledFloats += b.capacity();
    }

    synchronized void clear() {
        free.clear();
        pooledFloats = 0;
    }

    synchronized long pooledBytes() { return pooledFloats * 4; }
}
