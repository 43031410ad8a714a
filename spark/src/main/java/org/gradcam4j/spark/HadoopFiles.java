package org.gradcam4j.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.gradcam4j.localize.GroundTruthFiles;

/**
 * The scoring's ground truth ({@code --ground-truth}, {@code --labels}, {@code --blacklist}) read through Hadoop's
 * {@code FileSystem}, like the job's images: any scheme the job's Hadoop configuration knows ({@code file:},
 * {@code hdfs:}, {@code s3a:}...), a path without one on the default file system.
 */
final class HadoopFiles implements GroundTruthFiles {
    private final Configuration conf;

    HadoopFiles(Configuration conf) { this.conf = conf; }

    private FileStatus status(String path) throws IOException {
        Path p = new Path(path);
        try {
            return p.getFileSystem(conf).getFileStatus(p);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    @Override
    public boolean isFolder(String path) throws IOException {
        FileStatus st = status(path);
        return st != null && st.isDirectory();
    }

    @Override
    public boolean isFile(String path) throws IOException {
        FileStatus st = status(path);
        return st != null && st.isFile();
    }

    @Override
    public List<String> files(String folder) throws IOException {
        Path p = new Path(folder);
        List<String> out = new ArrayList<>();
        for (FileStatus st : p.getFileSystem(conf).listStatus(p)) if (st.isFile()) out.add(st.getPath().toString());
        return out;
    }

    @Override
    public InputStream open(String file) throws IOException {
        Path p = new Path(file);
        return p.getFileSystem(conf).open(p);
    }
}
