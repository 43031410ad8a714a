package org.gradcam4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
    @TempDir Path root;

    private Path touch(String rel) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        return Files.writeString(p, "x");
    }

    @Test
    void foldersAreSearchedRecursivelySortedAndFiltered() throws IOException {
        touch("b/z.JPG");
        touch("a.webp");
        touch("b/c/y.tiff");
        touch("notes.md");
        touch(".hidden.png");
        touch(".cache/thumb.png");
        touch("out/old.png");
        InputFiles.Expanded e = InputFiles.expand(List.of(root.toString(), root.resolve("a.webp").toString()), root.resolve("out"));
        List<String> rel = e.files().stream().map(p -> root.relativize(p.toAbsolutePath()).toString()).toList();
        assertEquals(List.of("a.webp", "b/c/y.tiff", "b/z.JPG"), rel);
        assertTrue(e.problems().isEmpty());
    }

    @Test
    void namedFilesAreTakenWhateverTheirExtension() throws IOException {
        Path f = touch("data.bin");
        assertEquals(List.of(f), InputFiles.expand(List.of(f.toString()), null).files());
    }

    @Test
    void sharedNamesGetTheirRelativeFolder() {
        Map<Path, String> n = names("a/x/cat.jpg", "b/x/cat.jpg", "dog.png");
        assertEquals("cat_a_x", n.get(root.resolve("a/x/cat.jpg")));
        assertEquals("cat_b_x", n.get(root.resolve("b/x/cat.jpg")));
        assertEquals("dog", n.get(root.resolve("dog.png")));

        Map<Path, String> top = names("cat.jpg", "sub/cat.jpg");
        assertEquals("cat", top.get(root.resolve("cat.jpg")));
        assertEquals("cat_sub", top.get(root.resolve("sub/cat.jpg")));

        Map<Path, String> ext = names("cat.jpg", "Cat.PNG");
        assertEquals("cat_jpg", ext.get(root.resolve("cat.jpg")));
        assertEquals("Cat_PNG", ext.get(root.resolve("Cat.PNG")));

        // a derived name that is another file's plain name: the plain one keeps it
        Map<Path, String> clash = names("cat_sub.png", "cat.png", "sub/cat.png");
        assertEquals("cat_sub", clash.get(root.resolve("cat_sub.png")));
        assertTrue(clash.get(root.resolve("sub/cat.png")).matches("cat_sub_[0-9a-f]{8}"), clash.toString());
    }

    @Test
    void namesDoNotDependOnInputOrder() {
        List<String> files = new ArrayList<>(List.of("a/x/cat.jpg", "b/x/cat.jpg", "cat.png", "c/dog.png", "dog.png"));
        Map<Path, String> first = names(files.toArray(String[]::new));
        Collections.reverse(files);
        assertEquals(first, names(files.toArray(String[]::new)));
    }

    private Map<Path, String> names(String... rel) {
        List<Path> files = new ArrayList<>();
        for (String r : rel) files.add(root.resolve(r));
        return InputFiles.outputNames(files);
    }
}
