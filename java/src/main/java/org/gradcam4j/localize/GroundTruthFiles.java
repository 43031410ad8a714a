package org.gradcam4j.localize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the ground truth of a scoring run is read from (the XML folder, the labels, the blacklist): the local file
 * system ({@link #LOCAL}, {@code gradcam4j score}) or any other through an implementation (the Spark job reads them
 * through Hadoop's {@code FileSystem}, like its images). Files are named by strings as the user gave them, or as the
 * listing returned them, and messages name them that way.
 */
public interface GroundTruthFiles {
    /** Whether {@code path} is a folder (false when it does not exist). */
    boolean isFolder(String path) throws IOException;

    /** Whether {@code path} is a regular file (false when it does not exist). */
    boolean isFile(String path) throws IOException;

    /** The regular files directly in {@code folder}, in any order. */
    List<String> files(String folder) throws IOException;

    /** Opens a file for reading. */
    InputStream open(String file) throws IOException;

    /** The file name of a path as {@link #files} returns it (the part after the last {@code /}). */
    static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The local file system, through java.nio. */
    GroundTruthFiles LOCAL = new GroundTruthFiles() {
        @Override public boolean isFolder(String path) { return Files.isDirectory(Path.of(path)); }

        @Override public boolean isFile(String path) { return Files.isRegularFile(Path.of(path)); }

        @Override
        public List<String> files(String folder) throws IOException {
            List<String> out = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of(folder))) {
                for (Path p : ds) if (Files.isRegularFile(p)) out.add(p.toString());
            }
            return out;
        }

        @Override public InputStream open(String file) throws IOException { return Files.newInputStream(Path.of(file)); }
    };
}
