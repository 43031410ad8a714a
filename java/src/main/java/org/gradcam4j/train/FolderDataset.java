package org.gradcam4j.train;

import org.gradcam4j.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.Preprocessor;
import org.gradcam4j.model.ClassLabels;
import org.gradcam4j.tensor.Tensor;

/**
 * A folder-per-class image dataset, held in memory preprocessed: {@code root/<class id>/*.png|jpg|...}. The class
 * order is {@code root/classes.txt} when present (lines {@code id name}, the synset format), otherwise the folder
 * names sorted. Images are resized to the network input with the model's own {@link Preprocessor}.
 *
 * @param inputs (count) per image (3 x S x S) network inputs
 * @param files  the image files, in the same order
 */
public record FolderDataset(ClassLabels labels, List<float[]> inputs, int[] targets, List<Path> files, int size) {

    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    /** The classes of a folder-per-class dataset (classes.txt, or sorted sub-folder names). */
    public static ClassLabels classesOf(Path root) throws IOException {
        Path list = root.resolve("classes.txt");
        if (Files.isRegularFile(list)) return ClassLabels.parseSynsetLines(Files.readAllLines(list, StandardCharsets.UTF_8));
        List<String> ids = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().forEach(ids::add);
        }
        if (ids.isEmpty()) throw new InvalidInputException(root + " has no class folders (expected " + root + "/<class>/*.png)");
        return new ClassLabels(ids, ids);
    }

    /**
     * Loads every image below {@code root}'s class folders.
     *
     * @param labels the class order to use (a dataset's folders must all be in it)
     * @param limit  at most this many images (the first ones in file order per class, round robin); 0 for all
     */
    public static FolderDataset load(Path root, ClassLabels labels, Preprocessor pre, int limit) throws IOException {
        List<List<Path>> perClass = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                String id = d.getFileName().toString();
                if (id.startsWith(".")) continue;
                boolean known = labels.ids().contains(id);
                if (!known) throw new InvalidInputException("class folder '" + id + "' of " + root + " is not among the model's classes " + labels.ids());
            }
        }
        for (String id : labels.ids()) {
            Path d = root.resolve(id);
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.filter(p -> EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                            .sorted().forEach(files::add);
                }
            }
            perClass.add(files);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        for (int round = 0; ; round++) {
            boolean any = false;
            for (int c = 0; c < perClass.size(); c++) {
                if (round < perClass.get(c).size()) {
                    any = true;
                    if (limit <= 0 || files.size() < limit) { files.add(perClass.get(c).get(round)); classes.add(c); }
                }
            }
            if (!any || (limit > 0 && files.size() >= limit)) break;
        }
        if (files.isEmpty()) throw new InvalidInputException("no images found under " + root);
        ImageLoader loader = new ImageLoader();
        List<float[]> inputs = new ArrayList<>(files.size());
        for (Path f : files) inputs.add(pre.prepare(loader.load(f)).input().data());
        int[] t = classes.stream().mapToInt(Integer::intValue).toArray();
        return new FolderDataset(labels, inputs, t, files, pre.size());
    }

    public int count() { return targets.length; }

    /** (n x 3 x S x S) the images at {@code order[from .. from+n)} and their labels into {@code labelsOut}. */
    public Tensor batch(int[] order, int from, int n, int[] labelsOut) {
        int per = 3 * size * size;
        float[] x = new float[n * per];
        for (int i = 0; i < n; i++) {
            int k = order[from + i];
            System.arraycopy(inputs.get(k), 0, x, i * per, per);
            labelsOut[i] = targets[k];
        }
        return new Tensor(x, n, 3, size, size);
    }
}
