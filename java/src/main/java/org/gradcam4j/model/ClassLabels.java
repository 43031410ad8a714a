package org.gradcam4j.model;

import org.gradcam4j.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Class labels in the model's output order: an id (ImageNet wnid, or any token) and a readable name
 * per class. ImageNet VGG models use the order of {@code data/synset.txt}, bundled in the jar.
 */
public final class ClassLabels {
    private final List<String> ids;
    private final List<String> names;
    private final Map<String, Integer> byId = new HashMap<>();
    private final Map<String, Integer> byName = new HashMap<>();

    public ClassLabels(List<String> ids, List<String> names) {
        if (ids.size() != names.size()) throw new IllegalArgumentException("ids and names differ in length");
        this.ids = List.copyOf(ids);
        this.names = List.copyOf(names);
        for (int i = 0; i < ids.size(); i++) {
            byId.putIfAbsent(ids.get(i).toLowerCase(Locale.ROOT), i);
            String full = names.get(i).toLowerCase(Locale.ROOT);
            byName.putIfAbsent(full, i);
            for (String part : full.split(",")) byName.putIfAbsent(part.trim(), i);
        }
    }

    /** Lines of the form {@code wnid name, synonym, ...} (the synset.txt format). */
    public static ClassLabels parseSynsetLines(List<String> lines) {
        List<String> ids = new ArrayList<>(), names = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty()) continue;
            int sp = t.indexOf(' ');
            ids.add(sp < 0 ? t : t.substring(0, sp));
            names.add(sp < 0 ? t : t.substring(sp + 1).strip());
        }
        return new ClassLabels(ids, names);
    }

    /** The 1000 ImageNet classes in VGG output order (bundled copy of data/synset.txt). */
    public static ClassLabels imagenet() {
        return fromResource("/org/gradcam4j/data/synset.txt");
    }

    static ClassLabels fromResource(String path) {
        try (InputStream in = ClassLabels.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("bundled resource " + path + " is missing from the jar");
            return parseSynsetLines(readLines(in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled resource " + path, e);
        }
    }

    static List<String> readLines(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) lines.add(l);
        }
        return lines;
    }

    /** Generic labels {@code class0 ... classN-1} for models that carry none. */
    public static ClassLabels numbered(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add("class" + i);
        return new ClassLabels(ids, ids);
    }

    public int size() { return ids.size(); }
    public String id(int i) { return ids.get(i); }
    public String name(int i) { return names.get(i); }
    /** The first synonym of the name (before the first comma). */
    public String shortName(int i) { String n = names.get(i); int c = n.indexOf(','); return c < 0 ? n : n.substring(0, c); }
    public List<String> ids() { return Collections.unmodifiableList(ids); }
    public List<String> names() { return Collections.unmodifiableList(names); }

    /**
     * Resolves a user's class reference: an index, an id (wnid), or a name or any of its synonyms
     * (case-insensitive). Unknown references are an error that says what was accepted.
     */
    public int resolve(String ref) {
        String t = ref.strip();
        if (t.matches("\\d+")) {
            int i;
            try { i = Integer.parseInt(t); } catch (NumberFormatException e) { i = -1; }
            if (i < 0 || i >= size()) throw new InvalidInputException("class index " + t + " is out of range 0.." + (size() - 1));
            return i;
        }
        String k = t.toLowerCase(Locale.ROOT);
        Integer i = byId.get(k);
        if (i == null) i = byName.get(k);
        if (i == null) i = byName.get(k.replace('_', ' '));
        if (i == null) {
            throw new InvalidInputException("unknown class '" + ref + "': give an index 0.." + (size() - 1)
                    + ", a class id such as '" + ids.get(0) + "', or a name such as '" + shortName(0) + "'");
        }
        return i;
    }
}
