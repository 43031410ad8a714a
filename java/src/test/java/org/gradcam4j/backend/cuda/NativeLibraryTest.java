package org.gradcam4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's search: every place reported with a reason, extraction into a versioned cache, never a throw. */
class NativeLibraryTest {
    private static final String ABSENT = "gradcam4j_absent_for_test";

    private static NativeLibrary.Search nowhere(Path tmp, String override, String resource) {
        return new NativeLibrary.Search(override, resource, tmp.resolve("cache"), "test", ABSENT,
                tmp.resolve("build/native/lib").resolve(System.mapLibraryName(ABSENT)));
    }

    @Test
    void nothingFoundReportsEveryPlaceWithItsReason(@TempDir Path tmp) {
        NativeLibrary.LoadResult r = NativeLibrary.load(nowhere(tmp, null, "/org/gradcam4j/native/nowhere/libabsent.so"));

        assertFalse(r.loaded());
        assertTrue(r.source().isEmpty());
        List<NativeLibrary.Attempt> a = r.attempts();
        assertEquals(4, a.size(), r.summary());
        assertEquals("-Dgradcam4j.native.path", a.get(0).place());
        assertEquals("not set", a.get(0).outcome());
        assertTrue(a.get(1).place().startsWith("jar resource /org/gradcam4j/native/nowhere/"), a.get(1).toString());
        assertTrue(a.get(1).outcome().contains("-Pnative"), a.get(1).toString());
        assertTrue(a.get(2).place().startsWith("System.loadLibrary(\"" + ABSENT + "\")"), a.get(2).toString());
        assertTrue(a.get(2).outcome().contains(ABSENT), a.get(2).toString());
        assertTrue(a.get(3).place().contains(tmp.resolve("build/native/lib").toString()), a.get(3).toString());
        assertEquals("no such file", a.get(3).outcome());
        for (NativeLibrary.Attempt at : a) {
            assertFalse(at.loaded());
            assertTrue(r.summary().contains(at.toString()), r.summary());
        }
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing to extract, so no cache folder");
    }

    @Test
    void aMissingOverrideIsReportedAndTheSearchGoesOn(@TempDir Path tmp) {
        Path missing = tmp.resolve("lib-missing.so");
        NativeLibrary.LoadResult r = NativeLibrary.load(nowhere(tmp, missing.toString(), "/absent.so"));
        assertFalse(r.loaded());
        assertEquals(4, r.attempts().size());
        assertEquals("-Dgradcam4j.native.path=" + missing, r.attempts().get(0).place());
        assertEquals("no such file", r.attempts().get(0).outcome());
    }

    @Test
    void aFileThatIsNotALibraryIsReportedWithTheLoadersError(@TempDir Path tmp) throws IOException {
        Path notElf = Files.writeString(tmp.resolve("libfake.so"), "not a shared library");
        NativeLibrary.LoadResult r = NativeLibrary.load(nowhere(tmp, notElf.toString(), "/absent.so"));
        String outcome = r.attempts().get(0).outcome();
        assertTrue(outcome.startsWith("not a shared library") || outcome.startsWith("cannot load it: "), outcome);
    }

    /** An executable is ELF but not loadable (dlopen refuses it), like a library whose dependencies are missing. */
    @Test
    void aFileTheDynamicLoaderRejectsIsReportedWithItsError(@TempDir Path tmp) {
        Path executable = Path.of("/bin/true");
        assumeTrue(Files.isRegularFile(executable) && NativeLibrary.platform().startsWith("linux-"), "no /bin/true");
        NativeLibrary.LoadResult r = NativeLibrary.load(nowhere(tmp, executable.toString(), "/absent.so"));
        String outcome = r.attempts().get(0).outcome();
        assertTrue(outcome.startsWith("cannot load it: "), outcome);  // UnsatisfiedLinkError caught, with its message
        assertFalse(r.loaded());
    }

    /** Any resource stands in for the library: extraction does not care what the bytes are. */
    @Test
    void theBundledLibraryIsExtractedOnceIntoAFolderNamedByVersionAndHash(@TempDir Path tmp) throws IOException {
        String resource = "/org/gradcam4j/data/synset.txt";
        byte[] bytes;
        try (InputStream in = NativeLibraryTest.class.getResourceAsStream(resource)) {
            bytes = in.readAllBytes();
        }
        NativeLibrary.Search s = nowhere(tmp, null, resource);
        Path folder = tmp.resolve("cache/native/test-" + NativeLibrary.sha256(bytes).substring(0, 16));
        Path file = folder.resolve(System.mapLibraryName(ABSENT));

        NativeLibrary.LoadResult first = NativeLibrary.load(s);
        NativeLibrary.Attempt jar = first.attempts().get(1);
        assertEquals("jar resource " + resource + " extracted to " + file, jar.place());
        assertTrue(jar.outcome().startsWith("not a shared library") || jar.outcome().startsWith("cannot load it: "),
                jar.toString());
        assertArrayEquals(bytes, Files.readAllBytes(file));

        FileTime written = FileTime.fromMillis(0);
        Files.setLastModifiedTime(file, written);
        NativeLibrary.load(s);
        assertEquals(written, Files.getLastModifiedTime(file), "an existing complete file is reused, not rewritten");
        try (Stream<Path> files = Files.list(folder)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left behind");
        }
    }

    @Test
    void theDefaultSearchNeverThrows() {
        NativeLibrary.LoadResult r = assertDoesNotThrow(() -> NativeLibrary.load());
        r.path().ifPresent(p -> assertTrue(Files.isRegularFile(p), p.toString()));
        assertEquals(r.loaded(), r.source().isPresent());
    }

    @Test
    void platformNamesMatchTheBuildScript() {
        String p = NativeLibrary.platform();
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertEquals("linux-x86_64", p);
            assertEquals("/org/gradcam4j/native/linux-x86_64/libgradcam4j_native.so", NativeLibrary.bundledResource());
        }
    }
}
