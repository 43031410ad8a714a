package org.gradcam4j.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 2: another Maven project ({@code examples/embed}) builds against the artifact that
 * {@code mvn install} puts into the local repository, and its program runs. Installs this checkout's compiled classes
 * (a nested {@code mvn install} that neither compiles nor tests again), builds the example, runs it on a sample image
 * with the demo model. Needs {@code mvn} on PATH (skipped otherwise) and takes a minute: tagged {@code slow}.
 */
@Tag("slow")
class ExampleProjectTest {
    @TempDir Path tmp;

    /** The checkout's root: the working folder (the module's) or a folder above it that holds examples/embed. */
    static Path checkoutRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("examples/embed/pom.xml"))) return p;
        }
        return null;
    }

    private static String mvn() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "mvn"))) return Path.of(dir, "mvn").toString();
        }
        return null;
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "still running: " + command);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " in " + dir + ":\n" + out);
        return out;
    }

    @Test
    void exampleProjectBuildsAgainstTheInstalledArtifactAndRuns() throws Exception {
        Path root = checkoutRoot();
        assumeTrue(root != null, "not run inside the checkout");
        Path example = root.resolve("examples/embed");
        String mvn = mvn();
        assumeTrue(mvn != null, "no mvn on PATH");
        // what a user does: mvn -DskipTests install (here without compiling again: the classes are fresh)
        run(root, List.of(mvn, "-B", "-q", "-Dmaven.main.skip=true", "-Dmaven.test.skip=true", "-pl", "java", "-am", "install"));
        run(example, List.of(mvn, "-B", "-q", "package"));

        Path sample = root.resolve("java/src/main/resources/org/gradcam4j/samples/canvas-coat.png");
        Path png = tmp.resolve("overlay.png");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-cp",
                example.resolve("target/embed-example.jar") + File.pathSeparator + example.resolve("target/lib") + File.separator + "*",
                "example.ExplainOne", root.resolve("weights/demo-fashion-cam.h5").toString(), sample.toString(), png.toString()));
        String out = run(tmp, command);
        assertTrue(out.contains("canvas-coat.png: "), out);
        BufferedImage overlay = ImageIO.read(png.toFile());
        BufferedImage input = ImageIO.read(sample.toFile());
        assertEquals(input.getWidth(), overlay.getWidth());
        assertEquals(input.getHeight(), overlay.getHeight());
    }
}
