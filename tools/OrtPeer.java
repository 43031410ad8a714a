import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ONNX Runtime peer of {@code gradcam4j bench cpu --onnx}: times ONNX Runtime's Java API running a VGG exported by
 * tools/export_onnx.py, forward only, in its own JVM (so ONNX Runtime is no dependency of gradcam4j; the launcher
 * runs this file with the jar that {@code mvn -Pbench-peers -pl java package} copies to java/target/peers).
 *
 * <p>Session: intra-op threads as given, inter-op 1 (sequential execution), graph optimisation ALL, the default CPU
 * memory arena and memory patterns. Input: the same pseudo-random batch as our rows (SplittableRandom(7), uniform in
 * [-2, 2)). Output, read by bench/TorchPeer: {@code ort VERSION ...}, one {@code row forward_bN SECONDS} line per
 * batch size (median of the timed runs), and {@code logits_bN v...} (the first image's first 10 logits, so the
 * benchmark can check both engines computed the same network).
 *
 * <pre>java -cp onnxruntime.jar tools/OrtPeer.java MODEL.onnx --threads 2 --batches 8,1 --warmup 1 --reps 3</pre>
 */
public final class OrtPeer {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("usage: OrtPeer MODEL.onnx [--threads N] [--batches 8,1] [--warmup N] [--reps N] [--size S]");
        String model = args[0];
        int threads = 2, warmup = 1, reps = 3, size = 224;
        int[] batches = {8, 1};
        for (int i = 1; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--reps" -> reps = Integer.parseInt(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model, opts)) {
                System.out.println("ort " + env.getVersion() + ", Java API, " + threads + " intra-op threads, graph optimisation ALL, default CPU arena");
                for (int batch : batches) {
                    float[] x = input(batch, size);
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {batch, 3, size, size})) {
                        Map<String, OnnxTensor> feed = Map.of(session.getInputNames().iterator().next(), t);
                        float[] first = null;
                        for (int i = 0; i < warmup; i++) {
                            try (OrtSession.Result r = session.run(feed)) {
                                first = ((float[][]) r.get(0).getValue())[0];
                            }
                        }
                        List<Double> secs = new ArrayList<>();
                        for (int i = 0; i < reps; i++) {
                            long t0 = System.nanoTime();
                            try (OrtSession.Result r = session.run(feed)) {
                                if (first == null) first = ((float[][]) r.get(0).getValue())[0];
                            }
                            secs.add((System.nanoTime() - t0) / 1e9);
                        }
                        secs.sort(null);
                        int n = secs.size();
                        double median = n % 2 == 1 ? secs.get(n / 2) : (secs.get(n / 2 - 1) + secs.get(n / 2)) / 2;
                        System.out.println("row forward_b" + batch + " " + median);
                        StringBuilder sb = new StringBuilder("logits_b" + batch);
                        for (int i = 0; i < Math.min(10, first.length); i++) sb.append(' ').append(first[i]);
                        System.out.println(sb);
                    }
                }
            }
        }
    }

    /** The batch our rows time (CpuBenchmark.randomInput): NCHW, SplittableRandom(7), uniform in [-2, 2). */
    static float[] input(int n, int size) {
        float[] d = new float[n * 3 * size * size];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < d.length; i++) d[i] = (float) (r.nextDouble() * 4 - 2);
        return d;
    }
}
