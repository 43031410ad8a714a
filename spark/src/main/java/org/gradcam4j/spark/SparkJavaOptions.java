package org.gradcam4j.spark;

import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Prints the JVM options Spark needs on Java 17 (module opens), as spark-submit adds them: for launchers that start a
 * driver JVM without spark-submit ({@code tools/gradcam4j-spark}, the tests' cluster). With {@code --tuning}, prints
 * {@link #TUNING} instead, the options that make the job's JVMs cheaper per image (docs/SPARK.md, "JVM options"); with
 * {@code --all}, both.
 */
public final class SparkJavaOptions {
    /**
     * JIT options for the JVMs that explain images (the driver in local mode, the executors): without them the code
     * cache sweeper keeps flushing the compiled code of Spark and ours while tasks run, and the C2 compiler keeps
     * compiling it again (BENCHMARKS.md, "Spark").
     */
    public static final String TUNING = "-XX:-UseCodeCacheFlushing -XX:ReservedCodeCacheSize=512m";

    private SparkJavaOptions() {}

    public static void main(String[] args) {
        String arg = args.length > 0 ? args[0] : "";
        System.out.println(switch (arg) {
            case "--tuning" -> TUNING;
            case "--all" -> JavaModuleOptions.defaultModuleOptions() + " " + TUNING;
            default -> JavaModuleOptions.defaultModuleOptions();
        });
    }
}
