package org.gradcam4j.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.gradcam4j.cli.Main;
import org.gradcam4j.model.Architecture;
import org.gradcam4j.model.Head;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.RandomWeights;
import org.gradcam4j.weights.CanonicalModelFile;
import org.gradcam4j.weights.KerasWeights;

/**
 * The run the launcher ({@code tools/gradcam4j}) makes once after each build with
 * {@code -XX:ArchiveClassesAtExit}, so that later runs start from a class-data-sharing archive of the classes a
 * command loads (the JDK's AppCDS; a fresh JVM then maps them instead of reading, parsing and verifying them from the
 * jars): a small random network written as a model file and as a Keras file, then {@code classify} and
 * {@code explain} (Grad-CAM, PNG) on a generated photo with each. Nothing is left behind.
 */
public final class StartupTraining {
    private StartupTraining() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("gradcam4j-cds");
        try {
            Model m = RandomWeights.model(Architecture.custom("narrow", 32, new int[] {2, 2, 3, 3, 3}, new int[] {8, 16, 16, 32, 32},
                    new int[] {64, 48}, 10, Head.FC, 0), 1);
            Path canonical = dir.resolve("m.gradcam4j.h5"), keras = dir.resolve("m_keras.h5"), photo = dir.resolve("photo.jpg");
            CanonicalModelFile.write(m, canonical);
            KerasWeights.write(m, keras);
            BufferedImage img = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 64; y++) for (int x = 0; x < 96; x++) img.setRGB(x, y, (x * 2) << 16 | (y * 3) << 8 | (x + y));
            ImageIO.write(img, "jpg", photo.toFile());
            PrintWriter sink = new PrintWriter(new StringWriter());
            for (Path w : new Path[] {canonical, keras}) {
                int c = Main.run(sink, sink, "classify", photo.toString(), "--weights", w.toString());
                int e = Main.run(sink, sink, "explain", photo.toString(), "--weights", w.toString(), "--method", "gradcam",
                        "--save", "png", "--out", dir.resolve("out-" + w.getFileName()).toString());
                if (c != 0 || e != 0) System.err.println("startup training: classify exit " + c + ", explain exit " + e + " on " + w);
            }
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
