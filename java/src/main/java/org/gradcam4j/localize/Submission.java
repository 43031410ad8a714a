package org.gradcam4j.localize;

import org.gradcam4j.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One line of an ILSVRC classification-with-localisation submission: up to 5 guesses
 * {@code class_id xmin ymin xmax ymax}, class ids in competition numbering ({@link CompetitionIds}), boxes in
 * original-image pixels, 1-based, both ends included (the devkit's convention; the Augmented Grad-CAM seed
 * writes exclusive right / bottom edges, one pixel too large).
 */
public final class Submission {
    /** Guesses per line, as the devkit reads them. */
    public static final int GUESSES = 5;

    private Submission() {}

    /** One guess, 1-based inclusive pixel coordinates. */
    public record Guess(int classId, int xmin, int ymin, int xmax, int ymax) {
        public Guess {
            if (classId < 1) throw new IllegalArgumentException("class ids are 1-based, got " + classId);
            if (xmin < 1 || ymin < 1 || xmax < xmin || ymax < ymin) {
                throw new IllegalArgumentException("box " + xmin + "," + ymin + " .. " + xmax + "," + ymax + " is not 1-based and inclusive");
            }
        }

        /** From a 0-based inclusive box (what {@link HeatmapBoxes} gives). */
        public static Guess of(int classId, HeatmapBoxes.PixelBox b) {
            return new Guess(classId, b.xmin() + 1, b.ymin() + 1, b.xmax() + 1, b.ymax() + 1);
        }

        /** The first box found, or the whole image when the map had none (an all-zero map). */
        public static Guess of(int classId, List<HeatmapBoxes.PixelBox> found, int width, int height) {
            return found.isEmpty() ? wholeImage(classId, width, height) : of(classId, found.get(0));
        }

        /** The whole image: the guess written for a class whose map is empty (the format has no "no box"). */
        public static Guess wholeImage(int classId, int width, int height) {
            return new Guess(classId, 1, 1, width, height);
        }
    }

    /** The text of one line, without the line break. */
    public static String format(List<Guess> guesses) {
        if (guesses.isEmpty() || guesses.size() > GUESSES) throw new IllegalArgumentException("a line holds 1 to 5 guesses, got " + guesses.size());
        StringBuilder sb = new StringBuilder();
        for (Guess g : guesses) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(String.format(Locale.ROOT, "%d %d %d %d %d", g.classId(), g.xmin(), g.ymin(), g.xmax(), g.ymax()));
        }
        return sb.toString();
    }

    /**
     * Parses one line.
     *
     * @param where names the line in errors ({@code file:line})
     * @throws IllegalArgumentException when the line is not groups of 5 integers (at most 5 groups)
     */
    public static List<Guess> parse(String line, String where) {
        String t = line.strip();
        if (t.isEmpty()) throw new InvalidInputException(where + ": empty line (every image needs a line of guesses)");
        String[] f = t.split("\\s+");
        if (f.length % 5 != 0 || f.length > 5 * GUESSES) {
            throw new InvalidInputException(where + ": expected up to 5 groups of 'class_id xmin ymin xmax ymax', got " + f.length + " numbers");
        }
        List<Guess> out = new ArrayList<>();
        for (int g = 0; g < f.length; g += 5) {
            int[] v = new int[5];
            for (int k = 0; k < 5; k++) {
                try {
                    v[k] = Integer.parseInt(f[g + k]);
                } catch (NumberFormatException e) {
                    throw new InvalidInputException(where + ": '" + f[g + k] + "' is not an integer");
                }
            }
            try {
                out.add(new Guess(v[0], v[1], v[2], v[3], v[4]));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(where + ", guess " + (g / 5 + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }
}
