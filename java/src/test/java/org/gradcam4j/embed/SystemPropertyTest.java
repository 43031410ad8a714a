package org.gradcam4j.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.gradcam4j.SystemProperty;
import org.junit.jupiter.api.Test;

/** Issue 12, item 2: the gradcam4j.* system properties are read in one class and listed in one place in the docs. */
class SystemPropertyTest {
    private static final Path ROOT = ExampleProjectTest.checkoutRoot() == null ? Path.of("").toAbsolutePath() : ExampleProjectTest.checkoutRoot();

    @Test
    void noSourceButSystemPropertyReadsAGradcam4jProperty() throws IOException {
        Path main = ROOT.resolve("java/src/main/java");
        assumeTrue(Files.isDirectory(main), "run from the checkout's root");
        Pattern read = Pattern.compile("(getProperty|getBoolean|getInteger|getLong)\\(\\s*\"gradcam4j\\.");
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                if (f.getFileName().toString().equals("SystemProperty.java")) continue;
                Matcher m = read.matcher(Files.readString(f, StandardCharsets.UTF_8));
                if (m.find()) offenders.add(main.relativize(f).toString());
            }
        }
        assertEquals(List.of(), offenders, "read these through org.gradcam4j.SystemProperty");
    }

    @Test
    void theDocsListEveryProperty() throws IOException {
        Path doc = ROOT.resolve("docs/EMBEDDING.md");
        assumeTrue(Files.isRegularFile(doc), "run from the checkout's root");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        for (SystemProperty p : SystemProperty.values()) {
            assertTrue(text.contains("| `" + p.key() + "` |"), p.key() + " is missing from the table in docs/EMBEDDING.md");
        }
    }

    @Test
    void valuesFallBackToTheDefault() {
        String key = SystemProperty.IM2COL_BELOW.key();
        String before = System.getProperty(key);
        try {
            System.clearProperty(key);
            assertEquals(32, SystemProperty.IM2COL_BELOW.intValue());
            System.setProperty(key, " 16 ");
            assertEquals(16, SystemProperty.IM2COL_BELOW.intValue());
        } finally {
            if (before == null) System.clearProperty(key);
            else System.setProperty(key, before);
        }
    }
}
