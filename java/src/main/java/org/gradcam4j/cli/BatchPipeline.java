package org.gradcam4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * The loop of a command that runs the network over many images in batches ({@code explain}, {@code classify},
 * {@code eval}, {@code localize}), as three overlapping stages: a reader thread decodes the next images and prepares
 * their batch ahead, the calling thread runs the network on one batch at a time, and a writer thread renders and
 * writes (or scores) the previous batch's outputs. The hand-offs are synchronous (a stage that is ahead waits for
 * the next one to take its step), so at most three batches of decoded images are alive, however many images there
 * are.
 *
 * <p>Outputs are the sequential loop's, in its order: the reader walks the inputs in order and cuts batches where
 * the sequential loop did (when {@code maxBatch} images are loaded, at the last input, or at a failure marked
 * {@code last}); every visible effect (a file, a message, a count) happens in the writer's callbacks, in the
 * sequential loop's order: input order, except that a skipped or failed input is reported as the reader meets it,
 * before the batch still being loaded around it (the same in both modes). An exception from any stage surfaces
 * from {@link #run} after everything before it in input order was written, as the sequential loop's would, and the
 * other stages stop. With {@code sequential} the same stages run one after another on the calling thread (the loop
 * as it was before the pipeline; the tests compare the two).
 *
 * @param <L> a loaded input (a decoded image)
 * @param <P> a prepared batch (network-ready tensors), or anything the network stage takes besides the inputs
 * @param <R> the network's result for one input
 */
final class BatchPipeline<L, P, R> {
    /** What the reader made of one input. */
    sealed interface Item<L> permits Skipped, Failed, Loaded {}

    /** An input left out on purpose (complete under {@code --resume}). */
    record Skipped<L>(int index) implements Item<L> {}

    /**
     * An input that could not be read. The run goes on without it, unless {@code last}: then the batch loaded before
     * it is cut there and completed, the failure is reported after it, and no later input is read ({@code localize},
     * whose file cannot skip a line).
     */
    record Failed<L>(int index, String message, boolean last) implements Item<L> {
        Failed(int index, String message) {
            this(index, message, false);
        }
    }

    record Loaded<L>(int index, L value) implements Item<L> {}

    /** Stage 1 (reader thread): one input, in input order; a thrown exception stops the run. */
    interface Reader<L> {
        Item<L> read(int index);
    }

    /** Stage 1, at a batch cut (reader thread): what the network stage needs besides the loaded inputs; may be null. */
    interface Preparer<L, P> {
        P prepare(List<L> batch);
    }

    /** Stage 2 (calling thread): the network on one batch, a result per input in the batch's order. */
    interface Network<L, P, R> {
        List<R> run(List<L> batch, P prepared);
    }

    /** Stage 3 (writer thread): every visible effect, in input order. */
    interface Writer<L, R> {
        /** Only where the reader returns {@link Skipped}. */
        default void skipped(int index) {
            throw new IllegalStateException("this command skips no input, yet input " + index + " was skipped");
        }

        void failed(int index, String message);

        void done(int index, L input, R result);
    }

    /**
     * How many steps wait between two stages besides the one being handed over: none. A stage that is ahead blocks
     * in its hand-off until the next stage takes the step, which keeps the overlap (the reader holds batch k+1 ready
     * while the network runs k and the writer writes k-1) with at most three batches of decoded images alive.
     */
    static final int QUEUE = 0;

    private final int inputs, maxBatch;
    private final Reader<L> reader;
    private final Preparer<L, P> preparer;
    private final Network<L, P, R> network;
    private final Writer<L, R> writer;

    BatchPipeline(int inputs, int maxBatch, Reader<L> reader, Preparer<L, P> preparer, Network<L, P, R> network, Writer<L, R> writer) {
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1");
        this.inputs = inputs;
        this.maxBatch = maxBatch;
        this.reader = reader;
        this.preparer = preparer;
        this.network = network;
        this.writer = writer;
    }

    /** Whether the pipeline should run its stages one after another: {@code -Dgradcam4j.pipeline=false}. */
    static boolean sequentialByDefault() {
        return "false".equalsIgnoreCase(org.gradcam4j.SystemProperty.PIPELINE.value());
    }

    // ---- the steps that travel between the stages ---------------------------------------------------------------

    /** A skipped or failed input, passed along in its place in the order. */
    private record Single<L, P, R>(Item<L> item) implements Step<L, P, R> {}

    /** A batch cut by the reader; the network stage fills in the results. */
    private record Batch<L, P, R>(List<Loaded<L>> inputs, P prepared, List<R> results) implements Step<L, P, R> {}

    /** A stage failed at this point of the order: the writer stops here and the run throws it. */
    private record Crash<L, P, R>(Throwable error) implements Step<L, P, R> {}

    private record End<L, P, R>() implements Step<L, P, R> {}

    private sealed interface Step<L, P, R> permits Single, Batch, Crash, End {}

    /** Thrown inside a stage that another stage's failure stopped. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() { super(null, null, false, false); }
    }

    // ---- running ------------------------------------------------------------------------------------------------

    void run(boolean sequential) {
        if (sequential) runSequentially();
        else runPipelined();
    }

    private void runSequentially() {
        walk(s -> write(s instanceof Batch<L, P, R> b ? new Batch<>(b.inputs(), null, network.run(values(b.inputs()), b.prepared())) : s));
    }

    /**
     * Stage 1, the same in both loops: the inputs in order, each skipped or failed one handed on in its place, batches
     * cut when {@code maxBatch} inputs are loaded, at the last input, or at a failure that is {@code last}.
     */
    private void walk(java.util.function.Consumer<Step<L, P, R>> next) {
        List<Loaded<L>> batch = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            Item<L> item = reader.read(i);
            boolean stop = item instanceof Failed<L> f && f.last();
            if (item instanceof Loaded<L> l) batch.add(l);
            else if (!stop) next.accept(new Single<>(item));
            if (!batch.isEmpty() && (batch.size() == maxBatch || i == inputs - 1 || stop)) {
                next.accept(new Batch<>(List.copyOf(batch), preparer.prepare(values(batch)), null));
                batch.clear();
            }
            if (stop) {
                next.accept(new Single<>(item));
                return;
            }
        }
    }

    private volatile boolean cancelled;

    private void runPipelined() {
        BlockingQueue<Step<L, P, R>> toNetwork = new SynchronousQueue<>(), toWriter = new SynchronousQueue<>();
        Throwable[] writerError = new Throwable[1];
        Thread read = new Thread(() -> readAll(toNetwork), "gradcam4j-reader");
        Thread write = new Thread(() -> {
            try {
                while (true) {
                    Step<L, P, R> s = toWriter.take();
                    if (s instanceof End) return;
                    if (s instanceof Crash<L, P, R> c) {
                        writerError[0] = c.error();
                        return;
                    }
                    write(s);
                }
            } catch (Throwable t) {
                writerError[0] = t;
            } finally {
                if (writerError[0] != null) cancelled = true;
            }
        }, "gradcam4j-writer");
        read.setDaemon(true);
        write.setDaemon(true);
        read.start();
        write.start();
        boolean handedOver = false;   // End or a Crash went to the writer: it stops by itself
        try {
            while (true) {
                Step<L, P, R> s = take(toNetwork);
                if (s instanceof Batch<L, P, R> b) {
                    try {
                        s = new Batch<>(b.inputs(), null, network.run(values(b.inputs()), b.prepared()));
                    } catch (RuntimeException | Error e) {
                        s = new Crash<>(e);
                    }
                }
                put(toWriter, s);
                if (s instanceof End || s instanceof Crash) {
                    handedOver = true;
                    break;
                }
            }
        } catch (Cancelled e) {
            // the writer failed (its error is thrown below), or this thread was interrupted
        } finally {
            if (!handedOver) {
                cancelled = true;
                write.interrupt();
            }
            join(write);
            cancelled = true;   // the reader may still be ahead: stop it
            read.interrupt();
            join(read);
        }
        Throwable t = writerError[0];
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    /** The reader thread: {@link #walk}, then End (or a Crash). */
    private void readAll(BlockingQueue<Step<L, P, R>> toNetwork) {
        try {
            walk(s -> put(toNetwork, s));
            put(toNetwork, new End<>());
        } catch (Cancelled e) {
            // stopped by another stage
        } catch (RuntimeException | Error e) {
            try {
                put(toNetwork, new Crash<>(e));
            } catch (Cancelled ignored) {
                // stopped by another stage meanwhile
            }
        }
    }

    private void write(Step<L, P, R> s) {
        if (s instanceof Single<L, P, R> one) {
            if (one.item() instanceof Skipped<L> k) writer.skipped(k.index());
            else if (one.item() instanceof Failed<L> f) writer.failed(f.index(), f.message());
        } else if (s instanceof Batch<L, P, R> b) {
            if (b.results().size() != b.inputs().size()) {
                throw new IllegalStateException("the network stage returned " + b.results().size() + " results for " + b.inputs().size() + " inputs");
            }
            for (int k = 0; k < b.inputs().size(); k++) writer.done(b.inputs().get(k).index(), b.inputs().get(k).value(), b.results().get(k));
        }
    }

    private static <L> List<L> values(List<Loaded<L>> batch) {
        List<L> v = new ArrayList<>(batch.size());
        for (Loaded<L> l : batch) v.add(l.value());
        return v;
    }

    /** A blocking put that gives up (Cancelled) once another stage has failed. */
    private <T> void put(BlockingQueue<T> q, T value) {
        try {
            while (!q.offer(value, 50, TimeUnit.MILLISECONDS)) {
                if (cancelled) throw new Cancelled();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancelled();
        }
    }

    private <T> T take(BlockingQueue<T> q) {
        try {
            while (true) {
                T v = q.poll(50, TimeUnit.MILLISECONDS);
                if (v != null) return v;
                if (cancelled) throw new Cancelled();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancelled();
        }
    }

    private static void join(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
