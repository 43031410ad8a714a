package org.gradcam4j.cli;

import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The command line's INPUTS turned into a sorted list of image files, and each file's output name.
 *
 * <p>An INPUT is a file (taken whatever its extension: the user named it), a directory (searched recursively for
 * files with an image extension, case-insensitive; names starting with a dot are skipped, and so is the output
 * folder when it lies inside), or {@code @list.txt}: one path per line, relative to the list file's folder,
 * blank lines and lines starting with {@code #} ignored, each line treated like an INPUT. The result is
 * de-duplicated and sorted by absolute path, so every run over the same inputs has the same order.
 */
public final class InputFiles {
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp");

    /**
     * @param files    the image files, sorted; a named file that does not exist is kept (it fails when loaded)
     * @param problems folders that could not be read, one message each
     */
    record Expanded(List<Path> files, List<String> problems) {}

    private InputFiles() {}

    /**
     * @param inputs  the INPUT arguments
     * @param exclude a folder never to search (the output folder), or null
     * @throws InvalidInputException for a list file that cannot be read
     */
    static Expanded expand(List<String> inputs, Path exclude) {
        Path skip = exclude == null ? null : exclude.toAbsolutePath().normalize();
        TreeMap<Path, Path> found = new TreeMap<>(); // absolute, normalised -> as the user wrote it
        List<String> problems = new ArrayList<>();
        for (String input : inputs) {
            if (input.startsWith("@") && input.length() > 1) {
                Path list = Path.of(input.substring(1));
                List<String> lines;
                try {
                    lines = Files.readAllLines(list, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new InvalidInputException("cannot read list file " + list + ": " + Main.messageOf(e));
                }
                Path base = list.toAbsolutePath().getParent();
                for (String line : lines) {
                    String t = line.strip();
                    if (t.isEmpty() || t.startsWith("#")) continue;
                    Path p = Path.of(t);
                    add(p.isAbsolute() ? p : base.resolve(p), skip, found, problems);
                }
            } else {
                add(Path.of(input), skip, found, problems);
            }
        }
        return new Expanded(List.copyOf(found.values()), List.copyOf(problems));
    }

    private static void add(Path p, Path skip, Map<Path, Path> found, List<String> problems) {
        if (!Files.isDirectory(p)) {
            found.putIfAbsent(p.toAbsolutePath().normalize(), p);
            return;
        }
        try {
            Files.walkFileTree(p, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(p) && hidden(dir)) return FileVisitResult.SKIP_SUBTREE;
                    if (skip != null && dir.toAbsolutePath().normalize().equals(skip)) return FileVisitResult.SKIP_SUBTREE;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (hidden(file) || !isImageName(file)) return FileVisitResult.CONTINUE;
                    if (attrs.isRegularFile()) {
                        found.putIfAbsent(file.toAbsolutePath().normalize(), file);
                    } else if (attrs.isSymbolicLink()) {
                        // following the link failed (the walk then hands over the link itself): a failed input, as
                        // when the same file is named on the command line, not a silent omission
                        problems.add(file + ": cannot read: " + brokenLink(file));
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (!(e instanceof FileSystemLoopException)) problems.add(file + ": cannot read: " + Main.messageOf(e));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            problems.add(p + ": cannot read: " + Main.messageOf(e));
        }
    }

    /** Why a symbolic link cannot be followed: a loop, or a target that does not exist. */
    static String brokenLink(Path link) {
        try {
            link.toRealPath();
            return "symbolic link cannot be followed";
        } catch (java.nio.file.NoSuchFileException e) {
            String target;
            try {
                target = Files.readSymbolicLink(link).toString();
            } catch (IOException | UnsupportedOperationException e2) {
                target = "?";
            }
            return "dangling symbolic link (its target " + target + " does not exist)";
        } catch (java.nio.file.FileSystemException e) {
            String reason = e.getReason() == null ? "" : e.getReason();
            return reason.contains("symbolic links") ? "symbolic link loop (" + reason + ")" : "broken symbolic link: " + Main.messageOf(e);
        } catch (IOException e) {
            return "broken symbolic link: " + Main.messageOf(e);
        }
    }

    private static boolean hidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    public static boolean isImageName(Path file) {
        return IMAGE_EXTENSIONS.contains(extension(file).toLowerCase(Locale.ROOT));
    }

    static String extension(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot <= 0 ? "" : n.substring(dot + 1);
    }

    /** The file name without its extension ({@code .bashrc}-like names and extensionless names as they are). */
    static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot <= 0 ? n : n.substring(0, dot);
    }

    /**
     * The output folder name of each file (keyed by absolute, normalised path): the file name without extension.
     * Files sharing that name (compared case-insensitively, for case-insensitive file systems) get {@code _} and
     * their folder relative to the nearest folder holding all of them, path separators as {@code _}; the one in
     * that folder itself keeps the plain name. If that still collides (same folder, different extensions),
     * {@code _<extension>} is appended, and should a name still be taken, {@code _<8 hex digits of the SHA-1 of
     * the absolute path>}. Depends only on the set of inputs, not on their order.
     */
    public static Map<Path, String> outputNames(List<Path> files) {
        List<Path> abs = files.stream().map(f -> f.toAbsolutePath().normalize()).sorted().toList();
        Map<String, List<Path>> byStem = new LinkedHashMap<>();
        for (Path f : abs) byStem.computeIfAbsent(key(stem(f)), k -> new ArrayList<>()).add(f);
        Map<Path, String> names = new LinkedHashMap<>();
        for (List<Path> group : byStem.values()) {
            if (group.size() == 1) {
                names.put(group.get(0), stem(group.get(0)));
                continue;
            }
            Path common = group.get(0).getParent();
            for (Path f : group) while (!f.getParent().startsWith(common)) common = common.getParent();
            Map<Path, String> proposed = new LinkedHashMap<>();
            Map<String, Integer> count = new HashMap<>();
            for (Path f : group) {
                Path rel = common.relativize(f.getParent());
                StringBuilder sb = new StringBuilder(stem(f));
                for (Path part : rel) if (!part.toString().isEmpty()) sb.append('_').append(part);
                proposed.put(f, sb.toString());
                count.merge(key(sb.toString()), 1, Integer::sum);
            }
            for (Path f : group) {
                String n = proposed.get(f);
                if (count.get(key(n)) > 1) n = n + "_" + extension(f);
                names.put(f, n);
            }
        }
        // rare: a derived name equals another file's plain one, or names still tie
        Set<String> used = new HashSet<>();
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path f : abs) if (names.get(f).equals(stem(f))) reserve(f, names.get(f), used, out);
        for (Path f : abs) if (!out.containsKey(f)) reserve(f, names.get(f), used, out);
        return out;
    }

    private static void reserve(Path f, String name, Set<String> used, Map<Path, String> out) {
        String n = name;
        while (!used.add(key(n))) n = n + "_" + shortHash(f.toString());
        out.put(f, n);
    }

    private static String key(String name) { return name.toLowerCase(Locale.ROOT); }

    static String shortHash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java runtime", e);
        }
    }
}
