package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * A side-by-side figure: labelled tiles in a row (image | heat map | overlay | guided), on white, with a
 * strip of text above each tile. Tiles may differ in size; they are top-aligned.
 */
public final class Panel {
    /** One labelled picture of a panel. */
    public record Tile(String label, BufferedImage image) {
        public Tile {
            if (label == null || image == null) throw new IllegalArgumentException("a tile needs a label and an image");
        }
    }

    static final int GAP = 4;
    private static final int WHITE = 0xFFFFFF, INK = 0x202020;

    private Panel() {}

    /** The tiles in a row, labels drawn at {@code scale} times the 5 x 7 font. */
    public static BufferedImage compose(List<Tile> tiles, int scale) {
        if (tiles.isEmpty()) throw new IllegalArgumentException("a panel needs at least one tile");
        if (scale < 1) throw new IllegalArgumentException("label scale must be at least 1, got " + scale);
        int strip = labelStripHeight(scale);
        int width = GAP, height = 0;
        for (Tile t : tiles) {
            width += t.image().getWidth() + GAP;
            height = Math.max(height, t.image().getHeight());
        }
        height += strip + 2 * GAP;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] white = new int[width];
        java.util.Arrays.fill(white, WHITE);
        for (int y = 0; y < height; y++) out.setRGB(0, y, width, 1, white, 0, width);
        int x = GAP;
        for (Tile t : tiles) {
            int w = t.image().getWidth(), h = t.image().getHeight();
            PixelFont.draw(out, t.label(), x, GAP, scale, INK, w);
            int[] rgb = t.image().getRGB(0, 0, w, h, null, 0, w);
            out.setRGB(x, GAP + strip, w, h, rgb, 0, w);
            x += w + GAP;
        }
        return out;
    }

    /** The standard explanation panel; {@code guided} may be null (no gradient method requested). */
    public static BufferedImage explanation(BufferedImage image, BufferedImage heatmap, BufferedImage overlay,
                                            BufferedImage guided, String methodLabel, String guidedLabel) {
        List<Tile> tiles = new ArrayList<>();
        tiles.add(new Tile("image", image));
        tiles.add(new Tile(methodLabel, heatmap));
        tiles.add(new Tile("overlay", overlay));
        if (guided != null) tiles.add(new Tile(guidedLabel, guided));
        return compose(tiles, image.getWidth() >= 200 ? 2 : 1);
    }

    /** Height of the label strip above the tiles, including the space below the text. */
    static int labelStripHeight(int scale) {
        return PixelFont.GLYPH_H * scale + GAP;
    }
}
