package org.gradcam4j.spark;

import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Prints the JVM options Spark needs on Java 17 (module opens), as spark-submit adds them: for launchers that start a
 * driver JVM without spark-submit ({@code tools/gradcam4j-spark}, the tests' cluster).
 */
public final class SparkJavaOptions {
    private SparkJavaOptions() {}

    public static void main(String[] args) {
        System.out.println(JavaModuleOptions.defaultModuleOptions());
    }
}
