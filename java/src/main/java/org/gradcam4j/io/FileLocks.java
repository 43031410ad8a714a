package org.gradcam4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS file lock on a lock file that holds the holder's process id, so that a second process is refused
 * with a message naming the first. The lock file exists only while the lock is held: {@link Held#close()} deletes
 * it before releasing the lock, and {@link #tryAcquire} checks after locking that the file it locked is still the one
 * under that name (a process that opened it just before it was deleted would otherwise hold a lock on nothing): it
 * writes its pid and a nonce through the locked channel and reads them back by name, through a second descriptor
 * that stays open as long as the lock (closing any descriptor of a file drops the process's POSIX locks on it).
 * The OS drops the lock when the holder dies ({@code kill -9} included); the stale file is then simply locked again.
 */
public final class FileLocks {
    private FileLocks() {}

    /** Another process (or another part of this one) holds the lock. */
    public static final class HeldElsewhereException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String holderPid;

        HeldElsewhereException(Path lockFile, String holderPid) {
            super(lockFile + " is locked by " + (holderPid.isEmpty() ? "another process" : "process " + holderPid));
            this.holderPid = holderPid;
        }

        /** The holder's process id as it wrote it into the lock file (empty if it had not yet). */
        public String holderPid() { return holderPid; }
    }

    /** A held lock; closing it deletes the lock file and releases the lock. */
    public static final class Held implements AutoCloseable {
        private final Path file, key;
        private final FileChannel channel, byName;
        private final FileLock lock;
        private boolean closed;

        private Held(Path file, Path key, FileChannel channel, FileChannel byName, FileLock lock) {
            this.file = file;
            this.key = key;
            this.channel = channel;
            this.byName = byName;
            this.lock = lock;
        }

        public Path file() { return file; }

        @Override
        public synchronized void close() throws IOException {
            if (closed) return;
            closed = true;
            try {
                Files.deleteIfExists(file); // while still locked: a waiter that opened it re-checks the name after locking
                lock.release();
            } finally {
                try {
                    channel.close();
                } finally {
                    try {
                        byName.close();
                    } finally {
                        HELD_HERE.remove(key);
                    }
                }
            }
        }
    }

    /**
     * Takes the lock on {@code lockFile} (created if missing, with its parent folders) without waiting.
     *
     * @throws HeldElsewhereException when another process, or this JVM, holds it; the message names the holder's pid
     */
    public static Held tryAcquire(Path lockFile) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        // held by this JVM: refuse before opening a descriptor, whose closing would drop the holder's POSIX lock
        if (HELD_HERE.putIfAbsent(key, Boolean.TRUE) != null) {
            throw new HeldElsewhereException(lockFile, String.valueOf(ProcessHandle.current().pid()));
        }
        boolean acquired = false;
        try {
            Held held = acquire(lockFile, key);
            acquired = true;
            return held;
        } finally {
            if (!acquired) HELD_HERE.remove(key);
        }
    }

    /** The lock files this JVM holds (absolute, normalised). */
    private static final java.util.concurrent.ConcurrentHashMap<Path, Boolean> HELD_HERE = new java.util.concurrent.ConcurrentHashMap<>();

    private static Held acquire(Path lockFile, Path key) throws IOException {
        Files.createDirectories(key.getParent());
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            boolean keep = false;
            try {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // held by this JVM through a path that normalises differently (a link)
                }
                if (lock == null) throw new HeldElsewhereException(lockFile, readPid(ch));
                // the pid and a nonce, written through the lock; read back by name, they show that the name still
                // refers to the file we locked (a holder deletes it on release: we may have opened it just before)
                String content = ProcessHandle.current().pid() + " " + Long.toHexString(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong()) + "\n";
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)), 0);
                ch.force(false);
                // read back through a second descriptor that stays open while the lock is held: POSIX drops a
                // process's locks on a file when it closes any descriptor of that file
                FileChannel byName = openByName(lockFile);
                if (byName == null || !content.equals(read(byName))) {
                    lock.release();
                    if (byName != null) byName.close();
                    if (attempt > 100) throw new IOException(lockFile + ": keeps being replaced while locking it");
                    continue;
                }
                keep = true;
                return new Held(lockFile, key, ch, byName, lock);
            } finally {
                if (!keep) ch.close();
            }
        }
    }

    private static FileChannel openByName(Path name) {
        try {
            return FileChannel.open(name, StandardOpenOption.READ);
        } catch (IOException e) {
            return null; // deleted meanwhile
        }
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        int n = ch.read(b, 0);
        return n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.US_ASCII);
    }

    private static String readPid(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            int n = ch.read(b, 0);
            String t = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.US_ASCII).strip();
            int space = t.indexOf(' ');
            return space < 0 ? t : t.substring(0, space);
        } catch (IOException e) {
            return "";
        }
    }
}
