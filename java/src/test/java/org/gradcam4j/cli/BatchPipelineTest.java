package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchPipeline}'s contract, pipelined and sequential alike: the writer sees every input in input order, with
 * batches cut where the sequential loop cuts them, and a failure in any stage surfaces after exactly the effects
 * before it, with the reader stopped (it never runs far ahead: the hand-offs are bounded).
 */
class BatchPipelineTest {
    /** Runs 23 inputs in batches of 4: every 5th is skipped, every 7th fails; the rest are "loaded" as i * 10. */
    private static List<String> run(boolean sequential, IntPredicate readerCrash, IntPredicate networkCrash, IntPredicate writerCrash,
                                    AtomicInteger maxRead) {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        new BatchPipeline<Integer, String, Integer>(23, 4,
                i -> {
                    maxRead.accumulateAndGet(i, Math::max);
                    if (readerCrash.test(i)) throw new IllegalStateException("reader " + i);
                    if (i % 5 == 0) return new BatchPipeline.Skipped<>(i);
                    if (i % 7 == 0) return new BatchPipeline.Failed<>(i, "bad " + i);
                    return new BatchPipeline.Loaded<>(i, i * 10);
                },
                batch -> "prepared " + batch,
                (batch, prepared) -> {
                    if (!prepared.equals("prepared " + batch)) throw new AssertionError(prepared);
                    for (int v : batch) if (networkCrash.test(v / 10)) throw new IllegalArgumentException("network " + v / 10);
                    log.add("batch " + batch);
                    List<Integer> r = new ArrayList<>();
                    for (int v : batch) r.add(v + 1);
                    return r;
                },
                new BatchPipeline.Writer<>() {
                    @Override public void skipped(int index) { log.add("skip " + index); }

                    @Override public void failed(int index, String message) { log.add("fail " + index + " " + message); }

                    @Override public void done(int index, Integer input, Integer result) {
                        if (writerCrash.test(index)) throw new OutputException(java.nio.file.Path.of("out" + index), new java.io.IOException("disk full"));
                        log.add("done " + index + " " + input + " " + result);
                    }
                }).run(sequential);
        return log;
    }

    private static List<String> writes(List<String> log) {
        return log.stream().filter(s -> !s.startsWith("batch ")).toList();
    }

    @Test
    void writerSeesTheSequentialOrder() {
        AtomicInteger a = new AtomicInteger(), b = new AtomicInteger();
        List<String> seq = run(true, i -> false, i -> false, i -> false, a);
        List<String> pip = run(false, i -> false, i -> false, i -> false, b);
        // the network stage's own log lines ("batch ...") interleave with the writer's differently when they overlap
        assertEquals(writes(seq), writes(pip));
        assertEquals("skip 0", seq.get(0));
        assertEquals(true, seq.contains("fail 7 bad 7"));
        assertEquals(true, seq.contains("done 22 220 221"));
        assertEquals(true, seq.contains("batch [10, 20, 30, 40]"));   // input 5 skipped: the first batch is 1, 2, 3, 4
    }

    @Test
    void failuresSurfaceAfterExactlyTheEffectsBeforeThem() {
        for (int at : new int[] {1, 9, 22}) {
            List<List<String>> logs = new ArrayList<>();
            for (boolean sequential : new boolean[] {true, false}) {
                List<String> log = new ArrayList<>();
                AtomicInteger maxRead = new AtomicInteger();
                // the writer fails at input `at`: what was written before it, then the writer's exception itself
                OutputException w = assertThrows(OutputException.class, () -> log.addAll(run(sequential, i -> false, i -> false, i -> i == at, maxRead)));
                assertEquals(true, w.getMessage().contains("out" + at), w.getMessage());
                // the reader stopped within a few batches of the failure
                assertEquals(true, maxRead.get() <= at + 4 * (BatchPipeline.QUEUE + 3), "read up to " + maxRead.get());
                logs.add(writes(log));
            }
            assertEquals(logs.get(0), logs.get(1));
        }
        for (boolean sequential : new boolean[] {true, false}) {
            AtomicInteger m = new AtomicInteger();
            IllegalStateException r = assertThrows(IllegalStateException.class, () -> run(sequential, i -> i == 13, i -> false, i -> false, m));
            assertEquals("reader 13", r.getMessage());
            IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> run(sequential, i -> false, i -> i == 16, i -> false, m));
            assertEquals("network 16", n.getMessage());
        }
    }

    @Test
    void effectsBeforeAFailureAreTheSameInBothModes() {
        for (IntPredicate[] crash : List.of(new IntPredicate[] {i -> i == 13, i -> false}, new IntPredicate[] {i -> false, i -> i == 16})) {
            List<List<String>> logs = new ArrayList<>();
            for (boolean sequential : new boolean[] {true, false}) {
                List<String> log = Collections.synchronizedList(new ArrayList<>());
                try {
                    new BatchPipeline<Integer, Void, Integer>(23, 4,
                            i -> {
                                if (crash[0].test(i)) throw new IllegalStateException("reader " + i);
                                return i % 7 == 0 ? new BatchPipeline.Failed<>(i, "bad") : new BatchPipeline.Loaded<>(i, i);
                            },
                            batch -> null,
                            (batch, none) -> {
                                for (int v : batch) if (crash[1].test(v)) throw new IllegalArgumentException("network " + v);
                                return batch;
                            },
                            new BatchPipeline.Writer<>() {
                                @Override public void skipped(int index) { log.add("skip " + index); }

                                @Override public void failed(int index, String message) { log.add("fail " + index); }

                                @Override public void done(int index, Integer input, Integer result) { log.add("done " + index); }
                            }).run(sequential);
                } catch (RuntimeException e) {
                    log.add("threw " + e.getMessage());
                }
                logs.add(log);
            }
            assertEquals(logs.get(0), logs.get(1));
            assertSame(true, logs.get(0).get(logs.get(0).size() - 1).startsWith("threw "));
        }
    }

    @Test
    void aLastFailureEndsTheRunAfterTheBatchBeforeIt() {
        // batches of 4; input 7 fails as the last one: the batch 5 and 6 were loaded into is cut there, then 7 is reported,
        // and nothing after it is read, in both modes
        List<List<String>> logs = new ArrayList<>();
        for (boolean sequential : new boolean[] {true, false}) {
            List<String> log = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger maxRead = new AtomicInteger();
            new BatchPipeline<Integer, Void, Integer>(23, 4,
                    i -> {
                        maxRead.accumulateAndGet(i, Math::max);
                        if (i == 7) return new BatchPipeline.Failed<>(i, "bad", true);
                        return i == 2 ? new BatchPipeline.Failed<>(i, "bad") : new BatchPipeline.Loaded<>(i, i);
                    },
                    batch -> null,
                    (batch, none) -> {
                        log.add("batch " + batch);
                        return batch;
                    },
                    new BatchPipeline.Writer<>() {
                        @Override public void failed(int index, String message) { log.add("fail " + index); }

                        @Override public void done(int index, Integer input, Integer result) { log.add("done " + index); }
                    }).run(sequential);
            assertEquals(7, maxRead.get(), "read up to");
            logs.add(log);
        }
        assertEquals(List.of("fail 2", "batch [0, 1, 3, 4]", "done 0", "done 1", "done 3", "done 4", "batch [5, 6]", "done 5",
                "done 6", "fail 7"), logs.get(0));
        assertEquals(writes(logs.get(0)), writes(logs.get(1)));
    }
}
