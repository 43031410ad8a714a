package org.gradcam4j.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.gradcam4j.cli.ExplainOptions;
import org.gradcam4j.cli.GroundTruthOptions;
import org.gradcam4j.cli.InputFiles;
import org.gradcam4j.cli.Main;
import org.gradcam4j.cli.SubmissionIds;
import org.gradcam4j.explain.Device;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.localize.IlsvrcScorer;
import org.gradcam4j.localize.Submission;
import org.gradcam4j.model.Model;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spark-submit --class org.gradcam4j.spark.ExplainJob gradcam4j-spark.jar --input DIR_OR_GLOB --weights FILE
 * --out DIR [explain options]}: {@code gradcam4j explain} over a dataset on a Spark cluster (docs/SPARK.md).
 *
 * <p>The driver lists the images through Spark's {@code binaryFile} source, checks every option and loads the model
 * once itself (a bad weights file fails the job at once, with the loader's message), then runs the images in
 * chunks of {@code --chunk}: each chunk is one Spark job whose tasks stream their images through the executor's
 * cached model in batches ({@link ExplainPartition}) and whose rows are appended to {@code OUT/explanations.parquet}
 * through Spark's output committer, so a retried task never duplicates a row and a chunk is committed whole or not
 * at all. {@code --resume} skips the images that already have result rows and tries the failed ones again
 * ({@link #dropErrorRows}); {@code --localize} with ground truth scores the submission file(s) at the end.
 */
@Command(name = "gradcam4j-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"gradcam4j explain on Apache Spark: one Parquet row per image, class and method at OUT/explanations.parquet,",
                "and the same png / npz / summary.json files as `gradcam4j explain` under OUT/IMG/ (OUT on any Hadoop file system).",
                "Options as in `gradcam4j explain`; see docs/SPARK.md."})
public final class ExplainJob implements Callable<Integer> {
    /** The dataset's folder name under {@code --out}. */
    public static final String PARQUET = "explanations.parquet";

    @Spec CommandSpec spec;

    @Option(names = "--input", required = true, split = ",", paramLabel = "DIR_OR_GLOB",
            description = "images: a folder (searched recursively for image files), a file, or a glob, on any Hadoop file system "
                    + "(file:, hdfs:, s3a:...); comma list or repeated")
    List<String> inputs;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "output folder, on any Hadoop file system")
    String out;

    /** What to compute and write: shared with `gradcam4j explain`. */
    @Mixin ExplainOptions explain;

    @Option(names = "--resume", description = "skip images already explained in OUT/explanations.parquet; images that failed "
            + "(error rows) are tried again, their old error rows removed")
    boolean resume;

    @Option(names = "--localize", description = "weak localisation: the box of every map in the boxes column (as --boxes), and "
            + "OUT/submission.txt (OUT/submission.<method>.txt with several map methods): the ILSVRC submission file of "
            + "`gradcam4j localize`, one line per image (sorted by path) of its classes' guesses in rank order (use --top-k 5)")
    boolean localize;

    /** --ids and --map-clsloc of `gradcam4j localize`, for the submission file. */
    @Mixin SubmissionIds submissionIds;

    /** --ground-truth, --labels, --blacklist, --partial of `gradcam4j score`: with --localize, the submission is scored. */
    @Mixin GroundTruthOptions groundTruth;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not run by spark-submit (default: local[*])")
    String master;

    @Option(names = "--chunk", defaultValue = "2000", paramLabel = "N",
            description = "images per Spark job; each job's rows are committed together, so a failed run loses at most one "
                    + "chunk (default: ${DEFAULT-VALUE})")
    int chunk;

    @Option(names = "--images-per-task", defaultValue = "0", paramLabel = "N",
            description = "images per Spark task, about (default: 4 x --batch, fewer when that leaves cores idle)")
    int imagesPerTask;

    @Option(names = "--task-log", paramLabel = "FILE",
            description = "write a JSON line per finished Spark task to FILE on the driver: executor, task attempt, partition, the GPU "
                    + "address Spark assigned, the device chosen and the reason for a CPU fallback, images, start, model ready and end (ms)")
    java.nio.file.Path taskLog;

    @Option(names = "--progress-seconds", defaultValue = "10", paramLabel = "S",
            description = "seconds between progress lines on the driver; 0: none (default: ${DEFAULT-VALUE})")
    int progressSeconds;

    /**
     * What a finished run did (also printed); {@code scores}: per map method, the submission's scores when
     * {@code --localize} was given with ground truth (else empty); {@code tasks}: a report per finished task, by start.
     */
    public record Summary(long explained, long failed, long skipped, double seconds, Map<String, Long> imagesPerExecutor,
                          Map<String, IlsvrcScorer.Scores> scores, List<TaskReport> tasks) {}

    private Summary summary;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the job and returns the exit code (0 all explained, 1 some images failed, 2 usage, 3 weights, 4 other). */
    public static int run(String... args) {
        return run(null, args);
    }

    /** As {@link #run(String...)}; {@code summary} (when not null) receives the run's summary. */
    public static int run(Summary[] summary, String... args) {
        ExplainJob job = new ExplainJob();
        CommandLine cl = new CommandLine(job);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println("error: " + Main.messageOf(ex));
            if (org.gradcam4j.SystemProperty.DEBUG.flag()) ex.printStackTrace(cmd.getErr());
            return Main.exitCodeOf(ex);
        });
        try {
            int code = cl.execute(args);
            if (summary != null && summary.length > 0) summary[0] = job.summary;
            return code;
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /** The job's options parsed from its command line (on the executors, to see the same options as the driver). */
    static ExplainJob parse(List<String> args) {
        ExplainJob job = new ExplainJob();
        new CommandLine(job).parseArgs(args.toArray(String[]::new));
        return job;
    }

    /** The explain options of the job's command line with {@code --localize}'s boxes turned on (on the executors). */
    static ExplainOptions explainOptions(List<String> args) {
        ExplainJob job = parse(args);
        job.plan();   // --localize turns boxes on
        return job.explain;
    }

    /** The explain plan, with {@code --localize} turning boxes on. */
    ExplainOptions.Plan plan() {
        if (localize) explain.requireBoxes();
        return explain.plan();
    }

    /** A binaryFile path (a URI such as {@code file:/data/a.jpg}) as a local path; other schemes keep their path part. */
    static Path localPath(String uri) {
        return Path.of(new org.apache.hadoop.fs.Path(uri).toUri().getPath());
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        if (chunk < 1) throw new org.gradcam4j.InvalidInputException("--chunk must be >= 1, got " + chunk);
        if (imagesPerTask < 0) throw new org.gradcam4j.InvalidInputException("--images-per-task must be >= 0, got " + imagesPerTask);
        if (localize) submissionIds.competition();   // checks --ids
        boolean score = groundTruth.given();
        if (score && !localize) throw new org.gradcam4j.InvalidInputException("--ground-truth scores the submission of --localize: give --localize too");
        ExplainOptions.Plan plan = plan();
        if (localize && plan.request().targets().isTopK() && plan.request().targets().k() > Submission.GUESSES) {
            throw new org.gradcam4j.InvalidInputException("--localize: a submission line holds at most " + Submission.GUESSES + " guesses; --top-k "
                    + plan.request().targets().k() + " is more");
        }
        List<String> args = List.of(spec.commandLine().getParseResult().originalArgs().toArray(String[]::new));

        boolean ownSession = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
        SparkSession.Builder builder = SparkSession.builder().appName("gradcam4j explain");
        if (master != null) builder.master(master);
        else if (!new org.apache.spark.SparkConf().contains("spark.master")) builder.master("local[*]");
        SparkSession spark = builder.getOrCreate();
        if (ownSession) spark.sparkContext().setLogLevel("WARN");   // the job reports its own progress
        try {
            summary = run(spark, args, plan, stdout, err, t0);
        } finally {
            if (ownSession) spark.stop();
        }
        return summary.failed() > 0 ? Main.EXIT_SOME_FAILED : Main.EXIT_OK;
    }

    private Summary run(SparkSession spark, List<String> args, ExplainOptions.Plan plan, PrintWriter stdout, PrintWriter err, long t0)
            throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        org.apache.hadoop.fs.Path outPath = new org.apache.hadoop.fs.Path(out);
        FileSystem outFs = outPath.getFileSystem(hadoop);
        outPath = outFs.makeQualified(outPath);
        SideFiles sideFiles = plan.save().isEmpty() ? null : new SideFiles(outPath.toString());
        HadoopFiles truthFiles = new HadoopFiles(hadoop);
        groundTruth.check(truthFiles);   // before any work: a missing ground-truth file fails here

        // 1. the model, on the driver: a bad weights file, class, layer or method fails here, once
        Model model = ExecutorModels.model(explain, hadoop);
        plan = plan.forModel(model);
        int[] classIds = localize ? submissionIds.classIds(model.labels(), truthFiles) : null;
        try (Explainer check = Explainer.of(model, org.gradcam4j.explain.Backends.cpu(1), plan.explainer().withDevice(Device.CPU))) {
            check.explain(List.of(), plan.request());
        }

        // 2. the images
        List<String> images = list(spark, hadoop, outPath);
        if (images.isEmpty()) throw new org.gradcam4j.InvalidInputException("no images found in " + String.join(", ", inputs));
        Map<String, String> names = outputNames(images);
        org.apache.hadoop.fs.Path parquet = new org.apache.hadoop.fs.Path(outPath, PARQUET);
        Set<String> complete = new HashSet<>();
        if (resume && outFs.exists(parquet)) {
            dropStaging(outFs, parquet);
            Dataset<Row> old = spark.read().parquet(escapeGlob(parquet.toString()));
            for (Row r : old.where("error is null").select("path").distinct().collectAsList()) complete.add(r.getString(0));
            int retried = dropErrorRows(spark, outFs, parquet);
            if (retried > 0) {
                stdout.printf(Locale.ROOT, "resume: %d image%s failed before and %s retried%n", retried, retried == 1 ? "" : "s",
                        retried == 1 ? "is" : "are");
            }
        }
        List<String> todo = images.stream().filter(p -> !complete.contains(p)).toList();
        long skipped = images.size() - todo.size();
        outFs.mkdirs(outPath);

        // 3. chunks of images, each one committed Spark job
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Map<String, String>> namesB = jsc.broadcast(names);
        Broadcast<SerializableConfiguration> hadoopB = jsc.broadcast(new SerializableConfiguration(hadoop));
        LongAccumulator done = spark.sparkContext().longAccumulator("gradcam4j images");
        CollectionAccumulator<TaskReport> tasks = spark.sparkContext().collectionAccumulator("gradcam4j tasks");
        int perTask = imagesPerTask > 0 ? imagesPerTask : 4 * plan.explainer().maxBatch();
        int parallelism = spark.sparkContext().defaultParallelism();
        stdout.printf(Locale.ROOT, "explain: %d images (%d already in %s), %d to do, in chunks of %d on %d cores%n",
                images.size(), skipped, parquet, todo.size(), chunk, parallelism);
        stdout.flush();
        JobProgress progress = new JobProgress(done, todo.size(), 0, progressSeconds, stdout);
        spark.sparkContext().addSparkListener(progress);
        try {
            for (int from = 0; from < todo.size(); from += chunk) {
                List<String> part = todo.subList(from, Math.min(todo.size(), from + chunk));
                partitionFor(spark, part.size(), perTask, parallelism);
                Dataset<Row> files = spark.read().format("binaryFile").load(part.stream().map(ExplainJob::escapeGlob).toArray(String[]::new));
                Dataset<Row> rows = files.mapPartitions(new ExplainPartition(args, namesB, sideFiles, hadoopB, done, tasks),
                        Encoders.row(OutputRows.SCHEMA));
                SaveMode mode = from == 0 && !resume ? SaveMode.Overwrite : SaveMode.Append;
                rows.write().mode(mode).parquet(parquet.toString());
            }
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            progress.close();
        }
        if (progressSeconds > 0 && !todo.isEmpty()) progress.report();
        if (sideFiles != null) SideFiles.removeTemporaries(outFs, outPath, PARQUET);

        // 4. the summary, from the committed rows of this run
        long failed = 0;
        if (!todo.isEmpty()) {
            Dataset<Row> ours = spark.read().parquet(escapeGlob(parquet.toString())).where("error is not null").select("path").distinct();
            Set<String> todoSet = new HashSet<>(todo);
            for (Row r : ours.collectAsList()) if (todoSet.contains(r.getString(0))) failed++;
        }
        List<TaskReport> reports = new ArrayList<>(tasks.value());
        reports.sort(java.util.Comparator.comparingLong(TaskReport::startMillis));
        Map<String, Long> perExec = new TreeMap<>();
        Map<String, Long> busy = new HashMap<>();   // per executor: milliseconds in which at least one of its tasks ran
        Map<String, Long> busyUntil = new HashMap<>();
        for (TaskReport t : reports) {
            perExec.merge(t.executor(), (long) t.images(), Long::sum);
            long from = Math.max(t.startMillis(), busyUntil.getOrDefault(t.executor(), Long.MIN_VALUE));
            if (t.endMillis() > from) busy.merge(t.executor(), t.endMillis() - from, Long::sum);
            busyUntil.merge(t.executor(), t.endMillis(), Math::max);
        }
        if (taskLog != null) writeTaskLog(taskLog, reports);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, IlsvrcScorer.Scores> scores = new LinkedHashMap<>();
        stdout.printf(Locale.ROOT, "%d images: %d explained, %d skipped (already in the output), %d failed; %.1f s, %.2f images/s%n",
                images.size(), todo.size() - failed, skipped, failed, seconds, seconds > 0 ? todo.size() / seconds : 0);
        for (var e : perExec.entrySet()) {
            long ms = busy.getOrDefault(e.getKey(), 0L);
            stdout.printf(Locale.ROOT, "  executor %s: %d images, %.2f images/s while it had tasks%n", e.getKey(), e.getValue(),
                    ms > 0 ? e.getValue() * 1000.0 / ms : 0);
        }
        stdout.println("output: " + parquet);
        if (localize) {
            if (failed > 0) {
                err.println("no submission file: it needs a line for every image, and " + failed + " failed");
            } else {
                for (Submissions.Written w : Submissions.write(spark, parquet, outPath, plan.methodTokens(), classIds)) {
                    stdout.println("submission: " + w.file());
                    if (!groundTruth.given()) continue;
                    IlsvrcScorer.Scores sc = groundTruth.score(new BufferedReader(new StringReader(w.text())), w.file().toString(),
                            submissionIds.table(truthFiles), truthFiles);
                    scores.put(w.method(), sc);
                    stdout.print(sc.table());
                }
            }
        }
        stdout.flush();
        Summary s = new Summary(todo.size() - failed, failed, skipped, seconds, perExec, scores, reports);
        if (failed > 0) {
            err.println(failed + " image" + (failed == 1 ? "" : "s") + " failed: see the error column of " + parquet);
            err.flush();
        }
        return s;
    }

    /** The staging folders {@link #dropErrorRows} writes in the dataset (hidden from Parquet readers by the leading _). */
    private static final String STAGING = "_gradcam4j-rewrite-";

    /**
     * Removes the error rows from {@code parquet} so that {@code --resume} explains those images again and the dataset
     * ends with each image once: every data file that holds an error row is rewritten without its error rows (the
     * other images' rows in it are kept, unchanged), through a staging folder inside the dataset. The old files are
     * deleted before the new ones are moved in, so a run that stops in between leaves some images without rows
     * (the next {@code --resume} explains them) but never an image twice. Returns the number of images retried.
     */
    static int dropErrorRows(SparkSession spark, FileSystem fs, org.apache.hadoop.fs.Path parquet) throws IOException {
        Dataset<Row> errors = spark.read().parquet(escapeGlob(parquet.toString())).where("error is not null")
                .select(org.apache.spark.sql.functions.col("path"), org.apache.spark.sql.functions.col("_metadata.file_path"));
        List<Row> found = errors.collectAsList();
        if (found.isEmpty()) return 0;
        Set<String> images = new HashSet<>();
        TreeSet<String> files = new TreeSet<>();
        for (Row r : found) {
            images.add(r.getString(0));
            files.add(dataFile(r.getString(1)).toString());
        }
        org.apache.hadoop.fs.Path staging = new org.apache.hadoop.fs.Path(parquet, STAGING + java.util.UUID.randomUUID());
        spark.read().schema(OutputRows.SCHEMA).parquet(files.stream().map(ExplainJob::escapeGlob).toArray(String[]::new))
                .where("error is null").write().parquet(staging.toString());
        for (String f : files) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(f);
            if (!fs.delete(p, false) && fs.exists(p)) throw new IOException("cannot delete " + p);
        }
        for (FileStatus st : fs.listStatus(staging)) {
            String name = st.getPath().getName();
            if (name.startsWith("_") || name.startsWith(".")) continue;
            org.apache.hadoop.fs.Path to = new org.apache.hadoop.fs.Path(parquet, name);
            if (!fs.rename(st.getPath(), to)) throw new IOException("cannot move " + st.getPath() + " to " + to);
        }
        fs.delete(staging, true);
        return images.size();
    }

    /** Removes the staging folders a rewrite that stopped half-way left in {@code parquet}. */
    private static void dropStaging(FileSystem fs, org.apache.hadoop.fs.Path parquet) throws IOException {
        for (FileStatus st : fs.listStatus(parquet)) {
            if (st.isDirectory() && st.getPath().getName().startsWith(STAGING)) fs.delete(st.getPath(), true);
        }
    }

    /** A data file's path as Spark's {@code _metadata.file_path} gives it (a URI string). */
    private static org.apache.hadoop.fs.Path dataFile(String filePath) {
        try {
            return new org.apache.hadoop.fs.Path(new java.net.URI(filePath));
        } catch (java.net.URISyntaxException e) {
            return new org.apache.hadoop.fs.Path(filePath);
        }
    }

    /** The task reports as JSON lines, written atomically. */
    private static void writeTaskLog(java.nio.file.Path file, List<TaskReport> reports) throws IOException {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (TaskReport t : reports) sb.append(mapper.writeValueAsString(t)).append('\n');
        org.gradcam4j.io.AtomicFiles.write(file.toAbsolutePath(), sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Sizes the next scan's partitions to about {@code perTask} images each, and at least one per core: every file
     * counts as {@code spark.sql.files.openCostInBytes} towards a partition of {@code maxPartitionBytes}.
     */
    private static void partitionFor(SparkSession spark, int images, int perTask, int parallelism) {
        long maxBytes = 128L << 20;
        int partitions = partitions(images, perTask, parallelism);
        int perPartition = Math.max(1, (images + partitions - 1) / partitions);
        spark.conf().set("spark.sql.files.maxPartitionBytes", maxBytes);
        spark.conf().set("spark.sql.files.openCostInBytes", maxBytes / perPartition);
        spark.conf().set("spark.sql.files.minPartitionNum", partitions);
        // the scan lists its explicit file paths in a Spark job when there are more than 32 of them, by default in one
        // task per path (a 1,000-image chunk: 1,000 tasks, 6 s on two cores); one task per core lists them as well
        spark.conf().set("spark.sql.sources.parallelPartitionDiscovery.parallelism", Math.max(1, parallelism));
    }

    /**
     * How many tasks a scan of {@code images} is split into: about {@code perTask} images each, as many as the images
     * allow up to a whole number of waves of {@code parallelism} tasks (so the last wave does not leave cores idle
     * while one task finishes), and never more than the images.
     */
    static int partitions(int images, int perTask, int parallelism) {
        int p = Math.max(1, parallelism);
        int tasks = Math.max(p, (images + perTask - 1) / perTask);
        tasks = (tasks + p - 1) / p * p;
        return Math.max(1, Math.min(tasks, images));
    }

    /** A path as a literal for Hadoop's glob expansion (binaryFile's load expands globs). */
    static String escapeGlob(String path) {
        return path.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }

    /**
     * The images of {@code --input}: binaryFile's listing (hidden files, starting with . or _, left out), image
     * extensions only for folders (a named file or glob is taken as given), without anything under OUT; sorted.
     */
    private List<String> list(SparkSession spark, Configuration hadoop, org.apache.hadoop.fs.Path outPath) throws IOException {
        TreeSet<String> all = new TreeSet<>();
        String outPrefix = outPath.toString() + "/";
        for (String input : inputs) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(input);
            FileSystem fs = p.getFileSystem(hadoop);
            boolean folder = false;
            FileStatus[] matches = fs.globStatus(p);
            if (matches == null || matches.length == 0) {
                throw new org.gradcam4j.InvalidInputException("--input " + input + ": no such file or folder");
            }
            for (FileStatus st : matches) folder |= st.isDirectory();
            // the scan's file listing, without a job over every file: its URIs turned into the strings of binaryFile's
            // path column (a Hadoop Path's form: "a b.png", not "a%20b.png")
            String[] files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(input).inputFiles();
            for (String file : files) {
                org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(java.net.URI.create(file));
                String path = f.toString();
                if (path.startsWith(outPrefix)) continue;
                if (folder && !InputFiles.isImageName(Path.of(f.getName()))) continue;
                all.add(path);
            }
        }
        return new ArrayList<>(all);
    }

    /** The CLI's output folder names ({@code gradcam4j explain} on the same files gives the same names). */
    static Map<String, String> outputNames(List<String> images) {
        Map<Path, String> byPath = new LinkedHashMap<>();
        List<Path> locals = new ArrayList<>();
        Map<Path, String> uriOf = new HashMap<>();
        for (String uri : images) {
            Path p = localPath(uri).toAbsolutePath().normalize();
            locals.add(p);
            uriOf.put(p, uri);
        }
        byPath.putAll(InputFiles.outputNames(locals));
        Map<String, String> names = new HashMap<>();
        byPath.forEach((p, n) -> names.put(uriOf.get(p), n));
        return names;
    }

}
