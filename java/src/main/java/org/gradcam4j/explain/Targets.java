package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
import java.util.List;

/**
 * Which classes to explain per image: the top-k predicted classes, or explicit class references (index,
 * wnid or name) applied to every image, or per-image explicit lists.
 */
public final class Targets {
    private final int topK;
    private final List<String> classes;
    private final List<List<String>> perImage;

    private Targets(int topK, List<String> classes, List<List<String>> perImage) {
        this.topK = topK;
        this.classes = classes;
        this.perImage = perImage;
    }

    public static Targets topK(int k) {
        if (k < 1) throw new InvalidInputException("top-k must be >= 1, got " + k);
        return new Targets(k, null, null);
    }

    public static Targets classes(List<String> refs) {
        if (refs.isEmpty()) throw new InvalidInputException("no classes given");
        return new Targets(0, List.copyOf(refs), null);
    }

    /** One list of class references per image, in the order of the images. */
    public static Targets perImage(List<List<String>> refs) {
        return new Targets(0, null, refs.stream().map(List::copyOf).toList());
    }

    public boolean isTopK() { return topK > 0; }
    public int k() { return topK; }

    List<String> forImage(int i) {
        if (classes != null) return classes;
        if (i >= perImage.size()) throw new IllegalArgumentException("no target classes for image " + i);
        return perImage.get(i);
    }

    @Override
    public String toString() { return topK > 0 ? "top-" + topK : classes != null ? String.join(",", classes) : "per-image classes"; }
}
