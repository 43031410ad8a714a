package org.gradcam4j.spark;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A Hadoop file system that java.nio cannot reach: the local disk under the made-up scheme {@code elsewhere:}
 * ({@code elsewhere:///tmp/x} is the file {@code /tmp/x}). Registered for a test with
 * {@code fs.elsewhere.impl}; it records every file created or opened for reading through it, so a test can tell that
 * a file was written or read through Hadoop's API and not by java.nio.
 */
public class ElsewhereFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "elsewhere";
    static final Set<String> CREATED = ConcurrentHashMap.newKeySet();
    static final Set<String> OPENED = ConcurrentHashMap.newKeySet();

    @Override public URI getUri() { return URI.create(SCHEME + ":///"); }

    @Override public String getScheme() { return SCHEME; }

    /**
     * Statuses with fixed permissions: the local file system's own statuses read their permissions through
     * {@code new File(URI)}, which takes {@code file:} URIs only.
     */
    private static FileStatus plain(FileStatus st) {
        return new FileStatus(st.getLen(), st.isDirectory(), st.getReplication(), st.getBlockSize(), st.getModificationTime(),
                st.getAccessTime(), st.isDirectory() ? FsPermission.getDirDefault() : FsPermission.getFileDefault(), "owner", "group",
                st.getPath());
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException { return plain(super.getFileStatus(f)); }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] all = super.listStatus(f);
        for (int i = 0; i < all.length; i++) all[i] = plain(all[i]);
        return all;
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        OPENED.add(f.toUri().getPath());
        return super.open(f, bufferSize);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                     long blockSize, Progressable progress) throws IOException {
        CREATED.add(f.toUri().getPath());
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        CREATED.add(f.toUri().getPath());
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }
}
