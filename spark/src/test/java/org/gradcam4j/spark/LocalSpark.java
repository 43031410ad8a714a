package org.gradcam4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/** One {@code local[2]} Spark session for the tests of this JVM, on the loopback interface, without a UI. */
final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {}

    static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("gradcam4j tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "2")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
        }
        return session;
    }

    /** The bundled sample images (6 Fashion-MNIST canvases the demo model knows) copied into {@code dir}. */
    static Path samples(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(Path.of("java/src/main/resources/org/gradcam4j/samples"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).toList()) Files.copy(p, dir.resolve(p.getFileName()));
        }
        return dir;
    }
}
