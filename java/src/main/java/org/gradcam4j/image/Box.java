package org.gradcam4j.image;

/**
 * An axis-aligned box in continuous pixel coordinates: pixel {@code (i, j)} covers
 * {@code [i, i+1) x [j, j+1)} and its centre is {@code (i + 0.5, j + 0.5)}. {@code x1, y1} are the
 * right and bottom edges, so a box covering pixels 0..9 is {@code [0, 10)}, width 10.
 * {@link InputGeometry} maps boxes between network-input and original-image coordinates.
 */
public record Box(double x0, double y0, double x1, double y1) {

    public Box {
        if (!(x1 >= x0) || !(y1 >= y0)) throw new IllegalArgumentException("box edges out of order: " + x0 + "," + y0 + " .. " + x1 + "," + y1);
    }

    /** The box that covers pixels {@code xmin..xmax} and {@code ymin..ymax}, both ends included (0-based). */
    public static Box ofPixels(int xmin, int ymin, int xmax, int ymax) {
        return new Box(xmin, ymin, xmax + 1.0, ymax + 1.0);
    }

    public double width() { return x1 - x0; }

    public double height() { return y1 - y0; }

    public double area() { return width() * height(); }

    /** The part inside {@code [0, width) x [0, height)}; may be empty (zero width or height). */
    public Box clamp(double width, double height) {
        double a = Math.min(Math.max(x0, 0), width), b = Math.min(Math.max(y0, 0), height);
        double c = Math.min(Math.max(x1, 0), width), d = Math.min(Math.max(y1, 0), height);
        return new Box(a, b, Math.max(a, c), Math.max(b, d));
    }

    /**
     * The 0-based, inclusive pixel range {@code {xmin, ymin, xmax, ymax}} this box touches: every pixel
     * whose square overlaps the box's interior. An empty box gives {@code xmax < xmin} or {@code ymax < ymin}.
     */
    public int[] pixels() {
        return new int[] {(int) Math.floor(x0), (int) Math.floor(y0), (int) Math.ceil(x1) - 1, (int) Math.ceil(y1) - 1};
    }
}
