package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.gradcam4j.backend.Backend;
import org.gradcam4j.backend.cuda.CudaPrecision;
import org.gradcam4j.explain.Backends;
import org.gradcam4j.explain.Device;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.io.NpyArray;
import org.gradcam4j.io.Npz;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.ChannelOrder;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.LayerSpec;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.ModelWeights;
import org.gradcam4j.model.Preprocessing;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.tensor.Tensor;
import org.gradcam4j.train.FolderDataset;
import org.gradcam4j.train.Optimizer;
import org.gradcam4j.train.Trainer;
import org.gradcam4j.weights.CanonicalModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gradcam4j train}: trains a CAM-head (global-average-pool) classifier on a folder-per-class dataset, on
 * the CPU. Either from scratch (a small VGG-topology network described by {@code --blocks/--widths}) or by
 * fine-tuning from {@code --init} (a model file; its head is replaced by a fresh CAM head when it is not one for
 * these classes), optionally with the backbone frozen up to {@code --freeze}.
 *
 * <p>Checkpoints are gradcam4j model files ({@code --out}); beside each, {@code <out>.state.npz} holds the
 * parameters, the optimizer state and the position in the data, so {@code --resume} continues exactly where the
 * last checkpoint was taken.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a CAM-head (GAP) classifier on a folder-per-class image dataset.",
                "DATA/<class>/*.png; DATA/classes.txt gives the class order and names when present.",
                "Softmax cross-entropy, SGD with momentum or Adam, on the CPU or (--device cuda) the GPU."})
final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "training set, one folder per class")
    Path data;

    @Option(names = "--val", paramLabel = "DIR", description = "held-out set (same classes): accuracy after every epoch")
    Path val;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "checkpoint: a gradcam4j model file (.h5)")
    Path out;

    @Option(names = "--init", paramLabel = "W", description = "start from these weights (as --weights elsewhere) instead of from scratch")
    String init;

    @Option(names = "--freeze", paramLabel = "LAYER", description = "freeze every layer up to and including LAYER (fine-tuning a head)")
    String freeze;

    @Option(names = "--input-size", defaultValue = "64", paramLabel = "S", description = "from scratch: input side (default: ${DEFAULT-VALUE})")
    int inputSize;

    @Option(names = "--blocks", defaultValue = "1,1,2", split = ",", paramLabel = "N,..", description = "from scratch: convs per block (default: ${DEFAULT-VALUE})")
    int[] blocks;

    @Option(names = "--widths", defaultValue = "16,32,64", split = ",", paramLabel = "C,..", description = "from scratch: channels per block (default: ${DEFAULT-VALUE})")
    int[] widths;

    @Option(names = "--cam-width", defaultValue = "64", paramLabel = "C", description = "channels of cam_conv (default: ${DEFAULT-VALUE})")
    int camWidth;

    @Option(names = "--name", defaultValue = "cam-net", paramLabel = "NAME", description = "architecture name stored in the file (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "OPT", description = "sgd or adam (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "LR", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", paramLabel = "M", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "WD", description = "L2 weight decay, torch style (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "images per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "E", description = "passes over the data (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "use at most N training images (0: all)")
    int limit;

    @Option(names = "--seed", defaultValue = "7", paramLabel = "SEED", description = "initialisation and shuffling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads, >= 1 (default: all cores)")
    Integer threads;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "D",
            description = "cpu, cuda or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
            description = "CUDA arithmetic: fp32 or tf32 (default: ${DEFAULT-VALUE}); ignored on the CPU")
    String precision;

    @Option(names = "--log-every", defaultValue = "25", paramLabel = "N", description = "progress line every N steps (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--checkpoint-every", defaultValue = "200", paramLabel = "N", description = "checkpoint every N steps and after each epoch (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from --out and its .state.npz when they exist")
    boolean resume;

    /** RGB, x / 255, mean 0.5, std 0.5: inputs in [-1, 1]. */
    static Preprocessing scratchPreprocessing() {
        return new Preprocessing(ChannelOrder.RGB, 1f / 255f, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
    }

    static Path statePath(Path checkpoint) { return checkpoint.resolveSibling(checkpoint.getFileName() + ".state.npz"); }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (batch < 1 || epochs < 1 || logEvery < 1 || checkpointEvery < 1) {
            throw new InvalidInputException("--batch, --epochs, --log-every and --checkpoint-every must be >= 1");
        }
        int threadCount = ModelOptions.threadCount(threads);
        ClassLabels labels = FolderDataset.classesOf(data);
        Path state = statePath(out);
        boolean resuming = resume && Files.isRegularFile(out) && Files.isRegularFile(state);
        Model start = resuming ? CanonicalModelFile.read(out) : initialModel(labels, err);
        if (!start.labels().ids().equals(labels.ids())) {
            throw new InvalidInputException("the model's classes " + start.labels().ids() + " differ from the dataset's " + labels.ids());
        }
        Architecture arch = start.architecture();
        Set<String> trainable = freeze == null ? Trainer.allLayers(arch) : Trainer.layersAbove(arch, freeze);
        Optimizer opt = switch (optimizer.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new Optimizer.Sgd(lr, momentum, weightDecay);
            case "adam" -> new Optimizer.Adam(lr, 0.9, 0.999, 1e-8, weightDecay);
            default -> throw new InvalidInputException("unknown --optimizer '" + optimizer + "' (expected sgd or adam)");
        };
        Preprocessor pre = new Preprocessor(start.preprocessing(), arch.inputSize(), ResizeMode.CROP);
        FolderDataset train = FolderDataset.load(data, labels, pre, limit);
        FolderDataset held = val == null ? null : FolderDataset.load(val, labels, pre, 0);
        err.printf(Locale.ROOT, "train: %s, %d images, %d classes; %s; trainable: %s%n", arch, train.count(), labels.size(),
                opt.describe(), trainable);

        try (Backend backend = Backends.open(Device.parse(device), threadCount, CudaPrecision.parse(precision));
             Trainer t = new Trainer(backend, start, trainable, opt)) {
            err.println("train: backend " + backend.description());
            int epoch = 0, batchInEpoch = 0;
            if (resuming) {
                int[] pos = restore(state, t, opt);
                epoch = pos[0];
                batchInEpoch = pos[1];
                err.printf(Locale.ROOT, "resuming at epoch %d, step %d of the epoch (%d steps done)%n", epoch + 1, batchInEpoch, opt.steps());
            }
            int perEpoch = (train.count() + batch - 1) / batch;
            int[] y = new int[batch];
            long t0 = System.nanoTime();
            int seen = 0;
            for (; epoch < epochs; epoch++) {
                int[] order = permutation(train.count(), seed * 1_000_003L + epoch);
                double lossSum = 0;
                int correct = 0, count = 0;
                for (; batchInEpoch < perEpoch; batchInEpoch++) {
                    int from = batchInEpoch * batch, n = Math.min(batch, train.count() - from);
                    int[] yb = n == batch ? y : new int[n];
                    Tensor x = train.batch(order, from, n, yb);
                    Trainer.StepResult r = t.step(x, yb);
                    lossSum += r.loss() * n;
                    correct += r.correct();
                    count += n;
                    seen += n;
                    if ((batchInEpoch + 1) % logEvery == 0 || batchInEpoch == perEpoch - 1) {
                        double secs = (System.nanoTime() - t0) / 1e9;
                        err.printf(Locale.ROOT, "epoch %d/%d step %d/%d  loss %.4f  accuracy %.3f  (%.1f images/s)%n", epoch + 1, epochs,
                                batchInEpoch + 1, perEpoch, lossSum / count, correct / (double) count, seen / secs);
                        err.flush();
                    }
                    if ((batchInEpoch + 1) % checkpointEvery == 0 && batchInEpoch + 1 < perEpoch) {
                        checkpoint(t, opt, epoch, batchInEpoch + 1, state, train.count());
                    }
                }
                batchInEpoch = 0;
                checkpoint(t, opt, epoch + 1, 0, state, train.count());
                if (held != null) {
                    double acc = accuracy(t, held);
                    err.printf(Locale.ROOT, "epoch %d/%d  held-out accuracy %.4f (%d images)%n", epoch + 1, epochs, acc, held.count());
                }
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "trained %s: %d steps; model written to %s%n", arch.name(), opt.steps(), out);
        }
        return Main.EXIT_OK;
    }

    /** The fraction of {@code set} the trainer's current parameters classify correctly. */
    static double accuracy(Trainer t, FolderDataset set) {
        int correct = 0;
        int[] order = new int[set.count()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int from = 0; from < set.count(); from += 64) {
            int n = Math.min(64, set.count() - from);
            int[] y = new int[n];
            int[] p = t.predict(set.batch(order, from, n, y));
            for (int i = 0; i < n; i++) if (p[i] == y[i]) correct++;
        }
        return correct / (double) set.count();
    }

    private Model initialModel(ClassLabels labels, PrintWriter err) {
        if (init == null) {
            Architecture arch = Architecture.custom(name, inputSize, blocks, widths, new int[0], labels.size(), Head.GAP, camWidth);
            return new Model(arch, scratchPreprocessing(), labels, RandomWeights.he(arch, seed), "gradcam4j train (from scratch)");
        }
        Model base = ModelSource.resolve(init, null);
        Architecture a = base.architecture();
        if (a.head() == Head.GAP && a.numClasses() == labels.size()) {
            return new Model(a, base.preprocessing(), labels, base.weights(), "gradcam4j train (fine-tuned from " + base.source() + ")");
        }
        // a new CAM head for these classes on the old backbone: body weights kept, head freshly initialised
        Architecture headed = a.withHead(Head.GAP, labels.size(), camWidth);
        Map<String, Tensor> w = new LinkedHashMap<>(RandomWeights.he(headed, seed).all());
        for (LayerSpec l : headed.layers()) {
            if (!l.hasWeights() || l.name().equals("cam_conv") || l.name().equals("predictions")) continue;
            w.put(ModelWeights.kernelKey(l.name()), base.weights().kernel(l.name()));
            w.put(ModelWeights.biasKey(l.name()), base.weights().bias(l.name()));
        }
        err.println("new CAM head (cam_conv " + camWidth + " channels, " + labels.size() + " classes) on " + base.source());
        return new Model(headed, base.preprocessing(), labels, new ModelWeights(w), "gradcam4j train (CAM head on " + base.source() + ")");
    }

    static int[] permutation(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) { int j = r.nextInt(i + 1); int t = p[i]; p[i] = p[j]; p[j] = t; }
        return p;
    }

    private void checkpoint(Trainer t, Optimizer opt, int epoch, int batchInEpoch, Path state, int count) throws IOException {
        String source = String.format(Locale.ROOT, "gradcam4j train: %s, batch %d, seed %d, %d images of %s; %d steps (epoch %d, step %d)",
                opt.describe(), batch, seed, count, data.getFileName(), opt.steps(), epoch, batchInEpoch);
        // state first: it is self-contained (parameters included), so a crash between the two writes resumes correctly
        Npz.Builder b = Npz.builder();
        t.parameters().forEach((k, v) -> b.put("param." + k.replace('/', '.'), NpyArray.of(new Tensor(v, v.length))));
        opt.state().forEach((k, v) -> b.put("opt." + k.replace('/', '.'), NpyArray.of(new Tensor(v, v.length))));
        b.putInts("progress", new int[] {epoch, batchInEpoch, (int) opt.steps(), (int) seed, batch}, 5);
        Path tmp = state.resolveSibling(state.getFileName() + ".tmp");
        b.write(tmp);
        Files.move(tmp, state, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        CanonicalModelFile.write(t.model(source), out);
    }

    private int[] restore(Path state, Trainer t, Optimizer opt) throws IOException {
        Npz.Contents c = Npz.read(state);
        int[] progress = c.ints("progress");
        if (progress[3] != (int) seed || progress[4] != batch) {
            throw new InvalidInputException("the checkpoint was taken with --seed " + progress[3] + " --batch " + progress[4]
                    + "; resume with the same values");
        }
        Map<String, float[]> optState = new LinkedHashMap<>();
        for (String k : c.names()) {
            if (k.startsWith("param.")) {
                float[] dst = t.parameters().get(k.substring(6).replace('.', '/'));
                if (dst == null) throw new InvalidInputException(state + ": unknown parameter " + k);
                System.arraycopy(c.tensor(k).data(), 0, dst, 0, dst.length);
            } else if (k.startsWith("opt.")) {
                optState.put(k.substring(4).replace('.', '/'), c.tensor(k).data());
            }
        }
        opt.restore(optState, progress[2]);
        t.parametersChanged();
        return new int[] {progress[0], progress[1]};
    }
}
