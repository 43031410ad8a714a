package org.gradcam4j.localize;

import org.gradcam4j.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * ILSVRC2015 competition class ids ({@code data/map_clsloc.txt}: lines {@code wnid id name}), a different order
 * from the models' output order ({@code synset.txt}). Submissions and the devkit's ground-truth label file use
 * these ids; the XML annotations use wnids.
 */
public final class CompetitionIds {
    private final Map<String, Integer> idOfWnid;
    private final Map<Integer, String> wnidOfId;

    private CompetitionIds(Map<String, Integer> idOfWnid, Map<Integer, String> wnidOfId) {
        this.idOfWnid = Map.copyOf(idOfWnid);
        this.wnidOfId = Map.copyOf(wnidOfId);
    }

    /** The bundled copy of map_clsloc.txt. */
    public static CompetitionIds bundled() {
        String path = "/org/gradcam4j/data/map_clsloc.txt";
        try (InputStream in = CompetitionIds.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("bundled resource " + path + " is missing from the jar");
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled resource " + path, e);
        }
    }

    /** A map_clsloc.txt file. */
    public static CompetitionIds read(Path file) throws IOException {
        return read(GroundTruthFiles.LOCAL, file.toString());
    }

    /**
     * A map_clsloc.txt file opened through {@code files} (the Spark job reads it through Hadoop's file system, like
     * its ground truth). A file that does not exist is an {@link InvalidInputException} naming it.
     */
    public static CompetitionIds read(GroundTruthFiles files, String file) throws IOException {
        if (!files.isFile(file)) throw new InvalidInputException("--map-clsloc " + file + ": no such file");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(files.open(file), StandardCharsets.UTF_8))) {
            return parse(r, file);
        }
    }

    private static CompetitionIds parse(BufferedReader r, String name) throws IOException {
        Map<String, Integer> byWnid = new HashMap<>();
        Map<Integer, String> byId = new HashMap<>();
        int lineNo = 0;
        for (String line; (line = r.readLine()) != null; ) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty()) continue;
            String[] f = t.split("\\s+");
            int id;
            try {
                if (f.length < 2) throw new NumberFormatException();
                id = Integer.parseInt(f[1]);
            } catch (NumberFormatException e) {
                throw new InvalidInputException(name + " line " + lineNo + ": expected 'wnid id name', got '" + t + "'");
            }
            if (byWnid.put(f[0], id) != null || byId.put(id, f[0]) != null) {
                throw new InvalidInputException(name + " line " + lineNo + ": duplicate wnid or id in '" + t + "'");
            }
        }
        if (byWnid.isEmpty()) throw new InvalidInputException(name + " holds no classes");
        return new CompetitionIds(byWnid, byId);
    }

    /** The competition id of a wnid, or -1 when unknown. */
    public int idOf(String wnid) {
        Integer i = idOfWnid.get(wnid);
        return i == null ? -1 : i;
    }

    /** The wnid of a competition id, or null when unknown. */
    public String wnidOf(int id) { return wnidOfId.get(id); }

    public int size() { return idOfWnid.size(); }
}
