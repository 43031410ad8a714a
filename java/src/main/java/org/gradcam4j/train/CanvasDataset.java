package org.gradcam4j.train;

import org.gradcam4j.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.gradcam4j.render.PngFiles;

/**
 * A localisation benchmark with exact ground truth: one Fashion-MNIST item, tinted, scaled and placed at random
 * on a larger RGB canvas over a noisy background with clutter (dimmed fragments of other items, thin strokes).
 * The item's bounding box is known to the pixel, so weak localisation (a box from a saliency map) can be scored.
 *
 * <p>Every canvas is a pure function of (recipe, split, index): sample {@code i} draws from its own random
 * stream seeded from the recipe's seed, the split and {@code i}, so any subset can be regenerated in any order.
 * Train canvases use items of the Fashion-MNIST train split, test canvases items of the t10k split.
 */
public final class CanvasDataset {

    /**
     * The generator's parameters.
     *
     * @param size       canvas side in pixels
     * @param minItem    smallest item side (the 28 x 28 item frame is resized to this square)
     * @param maxItem    largest item side
     * @param clutter    maximum number of clutter fragments (0 .. clutter, uniform)
     * @param strokes    maximum number of thin strokes
     * @param seed       the dataset seed
     */
    public record Recipe(int size, int minItem, int maxItem, int clutter, int strokes, long seed) {
        public Recipe {
            if (size < 28 || minItem < 8 || maxItem < minItem || maxItem > size) {
                throw new InvalidInputException("bad canvas recipe: size " + size + ", items " + minItem + ".." + maxItem);
            }
        }

        /** The demo model's recipe: 64 x 64 canvases, items 24..44 px, up to 4 fragments and 2 strokes. */
        public static Recipe demo(long seed) { return new Recipe(64, 24, 44, 4, 2, seed); }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "canvas %dx%d, item side %d..%d px, clutter 0..%d fragments, 0..%d strokes, seed %d",
                    size, size, minItem, maxItem, clutter, strokes, seed);
        }
    }

    /**
     * One canvas.
     *
     * @param image the canvas, {@code TYPE_INT_RGB}
     * @param label the item's Fashion-MNIST class
     * @param box   {xmin, ymin, xmax, ymax}: the item's visible pixels, 0-based, both ends included
     */
    public record Sample(BufferedImage image, int label, int[] box) {}

    /** Pixels of the resized item with at least this opacity count as the item (its box). */
    static final float BOX_ALPHA = 0.15f;

    private final FashionMnist items;
    private final Recipe recipe;
    private final long splitSalt;

    /**
     * @param items the Fashion-MNIST split the items are drawn from
     * @param split a name mixed into the seed ("train", "test") so the two splits' canvases differ
     */
    public CanvasDataset(FashionMnist items, Recipe recipe, String split) {
        this.items = items;
        this.recipe = recipe;
        this.splitSalt = split.hashCode() * 0x9E3779B97F4A7C15L;
    }

    public Recipe recipe() { return recipe; }

    /** Canvas {@code i}; its item is Fashion-MNIST item {@code i mod count} of the split. */
    public Sample sample(int i) {
        int s = recipe.size;
        SplittableRandom rnd = new SplittableRandom(recipe.seed ^ splitSalt ^ (i * 0xBF58476D1CE4E5B9L));
        float[][] rgb = new float[3][s * s];

        // background: a dark random colour, a gentle linear gradient, per-pixel noise
        float[] base = new float[3];
        for (int c = 0; c < 3; c++) base[c] = (float) (rnd.nextDouble() * 70);
        double gx = (rnd.nextDouble() - 0.5) * 40 / s, gy = (rnd.nextDouble() - 0.5) * 40 / s;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double shade = gx * (x - s / 2.0) + gy * (y - s / 2.0);
                for (int c = 0; c < 3; c++) rgb[c][y * s + x] = (float) (base[c] + shade + (rnd.nextDouble() - 0.5) * 24);
            }
        }

        // clutter: dimmed square fragments of other items, and thin strokes
        int fragments = rnd.nextInt(recipe.clutter + 1);
        for (int f = 0; f < fragments; f++) {
            byte[] other = items.images()[rnd.nextInt(items.size())];
            int side = 6 + rnd.nextInt(7);
            int sx = 4 + rnd.nextInt(FashionMnist.SIDE - 8 - side + 1), sy = 4 + rnd.nextInt(FashionMnist.SIDE - 8 - side + 1);
            int scale = 1 + rnd.nextInt(2);
            int px = rnd.nextInt(s - side * scale + 1), py = rnd.nextInt(s - side * scale + 1);
            float[] tint = tint(rnd, 0.35, 0.7);
            for (int y = 0; y < side * scale; y++) {
                for (int x = 0; x < side * scale; x++) {
                    float a = (other[(sy + y / scale) * FashionMnist.SIDE + sx + x / scale] & 0xff) / 255f;
                    blend(rgb, (py + y) * s + px + x, tint, a);
                }
            }
        }
        int strokes = rnd.nextInt(recipe.strokes + 1);
        for (int k = 0; k < strokes; k++) {
            float[] tint = tint(rnd, 0.3, 0.6);
            double x0 = rnd.nextDouble() * s, y0 = rnd.nextDouble() * s;
            double ang = rnd.nextDouble() * Math.PI, len = s * (0.2 + 0.3 * rnd.nextDouble());
            for (double t = 0; t < len; t += 0.5) {
                int x = (int) (x0 + t * Math.cos(ang)), y = (int) (y0 + t * Math.sin(ang));
                if (x >= 0 && y >= 0 && x < s && y < s) blend(rgb, y * s + x, tint, 0.8f);
            }
        }

        // the item: its 28 x 28 frame resized to side x side, tinted, composited by its grey level
        int index = Math.floorMod(i, items.size());
        byte[] item = items.images()[index];
        int side = recipe.minItem + rnd.nextInt(recipe.maxItem - recipe.minItem + 1);
        int ox = rnd.nextInt(s - side + 1), oy = rnd.nextInt(s - side + 1);
        float[] tint = tint(rnd, 0.55, 1.0);
        int xmin = s, ymin = s, xmax = -1, ymax = -1;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                float a = bilinear(item, (x + 0.5) * FashionMnist.SIDE / side - 0.5, (y + 0.5) * FashionMnist.SIDE / side - 0.5) / 255f;
                if (a <= 0) continue;
                int cx = ox + x, cy = oy + y;
                blend(rgb, cy * s + cx, tint, a);
                if (a >= BOX_ALPHA) {
                    xmin = Math.min(xmin, cx); ymin = Math.min(ymin, cy);
                    xmax = Math.max(xmax, cx); ymax = Math.max(ymax, cy);
                }
            }
        }
        if (xmax < 0) { xmin = ox; ymin = oy; xmax = ox + side - 1; ymax = oy + side - 1; } // an empty item (none in the data)

        BufferedImage im = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < s * s; p++) {
            im.setRGB(p % s, p / s, (clamp(rgb[0][p]) << 16) | (clamp(rgb[1][p]) << 8) | clamp(rgb[2][p]));
        }
        return new Sample(im, items.labels()[index], new int[] {xmin, ymin, xmax, ymax});
    }

    /** A random colour whose brightest channel is in [lo, hi] x 255 and whose others are at least a third of it. */
    private static float[] tint(SplittableRandom rnd, double lo, double hi) {
        double peak = 255 * (lo + (hi - lo) * rnd.nextDouble());
        float[] t = new float[3];
        int top = rnd.nextInt(3);
        for (int c = 0; c < 3; c++) t[c] = (float) (c == top ? peak : peak * (0.33 + 0.67 * rnd.nextDouble()));
        return t;
    }

    private static void blend(float[][] rgb, int p, float[] colour, float a) {
        for (int c = 0; c < 3; c++) rgb[c][p] = rgb[c][p] * (1 - a) + colour[c] * a;
    }

    private static float bilinear(byte[] im, double x, double y) {
        int n = FashionMnist.SIDE;
        x = Math.max(0, Math.min(n - 1, x));
        y = Math.max(0, Math.min(n - 1, y));
        int x0 = (int) x, y0 = (int) y, x1 = Math.min(n - 1, x0 + 1), y1 = Math.min(n - 1, y0 + 1);
        double fx = x - x0, fy = y - y0;
        double top = (im[y0 * n + x0] & 0xff) * (1 - fx) + (im[y0 * n + x1] & 0xff) * fx;
        double bot = (im[y1 * n + x0] & 0xff) * (1 - fx) + (im[y1 * n + x1] & 0xff) * fx;
        return (float) (top * (1 - fy) + bot * fy);
    }

    private static int clamp(float v) { return Math.max(0, Math.min(255, Math.round(v))); }

    /**
     * Writes canvases {@code 0 .. count-1} as a folder-per-class dataset: {@code dir/<class id>/<name>.png} and
     * {@code dir/boxes.csv} ({@code file,class,xmin,ymin,xmax,ymax}, file relative to {@code dir}, 0-based inclusive
     * pixel coordinates).
     */
    public void export(Path dir, String prefix, int count) throws IOException {
        for (String id : FashionMnist.IDS) Files.createDirectories(dir.resolve(id));
        StringBuilder csv = new StringBuilder("file,class,xmin,ymin,xmax,ymax\n");
        for (int i = 0; i < count; i++) {
            Sample smp = sample(i);
            String rel = FashionMnist.IDS.get(smp.label()) + "/" + String.format(Locale.ROOT, "%s%05d.png", prefix, i);
            PngFiles.write(smp.image(), dir.resolve(rel));
            int[] b = smp.box();
            csv.append(rel).append(',').append(FashionMnist.IDS.get(smp.label())).append(',')
                    .append(b[0]).append(',').append(b[1]).append(',').append(b[2]).append(',').append(b[3]).append('\n');
        }
        org.gradcam4j.io.AtomicFiles.write(dir.resolve("boxes.csv"), out -> out.write(csv.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code classes.txt}: one {@code id name} line per class in label order (read by {@code gradcam4j train}). */
    public static void writeClasses(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(dir.resolve("classes.txt"), StandardCharsets.UTF_8)) {
            for (int c = 0; c < FashionMnist.IDS.size(); c++) w.write(FashionMnist.IDS.get(c) + " " + FashionMnist.NAMES.get(c) + "\n");
        }
    }
}
