package org.gradcam4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.gradcam4j.backend.cuda.CudaException;
import org.gradcam4j.cli.ExplainOptions;
import org.gradcam4j.explain.Backends;
import org.gradcam4j.explain.Device;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.model.Model;
import org.gradcam4j.weights.WeightsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one JVM (an executor, or the driver in local mode) keeps between tasks: each model loaded once, cached by
 * its weights path, and one {@link Explainer} per model and device. Tasks of one executor share them; an
 * Explainer serialises its calls, each of which already uses every thread the backend was given.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();
    /** Explain options parsed from a command line, by who parsed it and the arguments. */
    private static final Map<List<String>, ExplainOptions> OPTIONS = new ConcurrentHashMap<>();
    private static final Map<String, Explainer> EXPLAINERS = new ConcurrentHashMap<>();
    /** What the device policy chose per GPU address (or "none"): device name and, for an auto fallback, the reason. */
    private static final Map<String, Placement> PLACEMENTS = new ConcurrentHashMap<>();

    record Placement(String device, String fallback) {}

    private ExecutorModels() {}

    /**
     * The explain options of a command line ({@code args}, as the job or the transformer passes them to its tasks),
     * parsed once per JVM by {@code parse} and shared, read only, by the executor's tasks: parsing builds picocli's
     * model of the options by reflection, which per task cost more than a batch's bookkeeping and kept the JIT
     * compiling it. {@code who} keeps different parsers of one argument list apart.
     */
    static ExplainOptions options(String who, List<String> args, Function<List<String>, ExplainOptions> parse) {
        List<String> key = new ArrayList<>(args.size() + 1);
        key.add(who);
        key.addAll(args);
        return OPTIONS.computeIfAbsent(key, k -> parse.apply(args));
    }

    /**
     * The model that {@code --weights} names. A file is read through Hadoop's file system (local, HDFS, S3A...) into a
     * local copy once per JVM; the special values (demo, vgg16, random:...) resolve as on the command line.
     */
    static Model model(ExplainOptions o, Configuration hadoop) {
        String key = o.weights() + "\u0000" + o.arch();
        return MODELS.computeIfAbsent(key, k -> o.loadModel(localWeights(o.weights(), hadoop)));
    }

    /** The weights as a local file name (copied from a non-local Hadoop file system), or the value as given. */
    static String localWeights(String weights, Configuration hadoop) {
        if (weights == null || !weights.contains(":/") || weights.startsWith("file:")) {
            return weights != null && weights.startsWith("file:") ? new org.apache.hadoop.fs.Path(weights).toUri().getPath() : weights;
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(weights);
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            String name = p.getName();
            Path local = Files.createTempFile("gradcam4j-weights-", name.contains(".") ? name.substring(name.lastIndexOf('.')) : ".h5");
            local.toFile().deleteOnExit();
            try (InputStream in = fs.open(p)) {
                Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            }
            return local.toString();
        } catch (IOException e) {
            throw new WeightsException(weights, "cannot read the weights file: " + e.getMessage(), e);
        }
    }

    /** The device policy's choice for a task given {@code gpuAddress} by Spark (null: none), logged once per address. */
    static Placement placement(Device device, String gpuAddress) {
        return PLACEMENTS.computeIfAbsent(gpuAddress == null ? "none" : gpuAddress, k -> {
            int index = gpuAddress == null ? 0 : parseAddress(gpuAddress);
            if (device == Device.CPU) return new Placement("cpu", null);
            Backends.Choice c = Backends.choose(device, index, 1, org.gradcam4j.backend.cuda.CudaPrecision.FP32);
            String name = c.backend().name().equals("cuda") ? "cuda:" + index : "cpu";
            c.backend().close();
            Placement p = new Placement(name, c.fallback());
            if (p.fallback() != null) {
                LOG.warn("gradcam4j: GPU address {} assigned by Spark; device policy {}: using the CPU: {}",
                        gpuAddress == null ? "(none)" : gpuAddress, device.name().toLowerCase(java.util.Locale.ROOT), p.fallback());
            } else {
                LOG.info("gradcam4j: GPU address {} assigned by Spark; using {}", gpuAddress == null ? "(none)" : gpuAddress, name);
            }
            return p;
        });
    }

    /** A GPU address as Spark reports it ("0", "1", ...): the CUDA device index. */
    static int parseAddress(String address) {
        try {
            return Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new org.gradcam4j.InvalidInputException("GPU address '" + address + "' from Spark's resource discovery is not a CUDA "
                    + "device index (the discovery script must announce addresses 0, 1, ...)");
        }
    }

    /**
     * The shared explainer of this model on the placement's device. On the CPU the backend gets {@code --threads}, or
     * when that is 0 the executor's cores ({@code spark.executor.cores}; all of the machine's in local mode).
     */
    static Explainer explainer(ExplainOptions o, Explainer.Options options, Model model, Placement where) {
        int threads = options.threads() > 0 ? options.threads() : executorCores();
        String key = o.weights() + "\u0000" + o.arch() + "\u0000" + where.device() + "\u0000" + threads + "\u0000"
                + options.maxBatch() + "\u0000" + options.resize() + "\u0000" + options.precision();
        return EXPLAINERS.computeIfAbsent(key, k -> {
            if (where.device().startsWith("cuda:")) {
                int index = Integer.parseInt(where.device().substring(5));
                try {
                    return Explainer.of(model, Backends.choose(Device.CUDA, index, threads, options.precision()).backend(), options);
                } catch (CudaException e) {
                    if (options.device() != Device.AUTO) throw e;
                    LOG.warn("gradcam4j: device auto: the CUDA backend could not load the model on GPU {}, using the CPU: {}",
                            index, e.getMessage());
                }
            }
            Explainer e = Explainer.of(model, Backends.cpu(threads), options);
            LOG.info("gradcam4j: model {} on {}", o.weights(), e.backend().description());
            return e;
        });
    }

    static int executorCores() {
        SparkEnv env = SparkEnv.get();
        if (env != null && env.conf().contains("spark.executor.cores") && !"driver".equals(env.executorId())) {
            return Math.max(1, env.conf().getInt("spark.executor.cores", 1));
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
