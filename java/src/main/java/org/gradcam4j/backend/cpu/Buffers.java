package org.gradcam4j.backend.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

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

    /** A direct buffer holding a copy of {@code data}, copied in parallel slices (VGG's fc1 is 400 MB). */
    static FloatBuffer copyOf(float[] data, String what) {
        FloatBuffer b = allocate(data.length, what);
        final int slice = 1 << 22;
        java.util.stream.IntStream.range(0, (data.length + slice - 1) / slice).parallel()
                .forEach(i -> b.put(i * slice, data, i * slice, Math.min(slice, data.length - i * slice)));
        return b;
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
