package org.gradcam4j.render;

import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A 5 x 7 bitmap font for panel labels. Drawing text with a built-in bitmap keeps PNG output identical on
 * every machine and works on headless servers without any installed font. Letters are drawn as capitals;
 * characters without a glyph are drawn as {@code ?}.
 */
final class PixelFont {
    static final int GLYPH_W = 5, GLYPH_H = 7, ADVANCE = 6;

    private static final Map<Character, String[]> GLYPHS = new HashMap<>();

    static {
        // each glyph: 7 rows of 5 columns, '#' = ink
        define('A', ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#");
        define('B', "####.", "#...#", "#...#", "####.", "#...#", "#...#", "####.");
        define('C', ".###.", "#...#", "#....", "#....", "#....", "#...#", ".###.");
        define('D', "####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####.");
        define('E', "#####", "#....", "#....", "####.", "#....", "#....", "#####");
        define('F', "#####", "#....", "#....", "####.", "#....", "#....", "#....");
        define('G', ".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####");
        define('H', "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#");
        define('I', ".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.");
        define('J', "..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##..");
        define('K', "#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#");
        define('L', "#....", "#....", "#....", "#....", "#....", "#....", "#####");
        define('M', "#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#");
        define('N', "#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#");
        define('O', ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.");
        define('P', "####.", "#...#", "#...#", "####.", "#....", "#....", "#....");
        define('Q', ".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#");
        define('R', "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#");
        define('S', ".####", "#....", "#....", ".###.", "....#", "....#", "####.");
        define('T', "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..");
        define('U', "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.");
        define('V', "#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#..");
        define('W', "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#.");
        define('X', "#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#");
        define('Y', "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#..");
        define('Z', "#####", "....#", "...#.", "..#..", ".#...", "#....", "#####");
        define('0', ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.");
        define('1', "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.");
        define('2', ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####");
        define('3', "#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###.");
        define('4', "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.");
        define('5', "#####", "#....", "####.", "....#", "....#", "#...#", ".###.");
        define('6', "..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###.");
        define('7', "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...");
        define('8', ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.");
        define('9', ".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##..");
        define(' ', ".....", ".....", ".....", ".....", ".....", ".....", ".....");
        define('-', ".....", ".....", ".....", ".###.", ".....", ".....", ".....");
        define('.', ".....", ".....", ".....", ".....", ".....", ".##..", ".##..");
        define(',', ".....", ".....", ".....", ".....", ".##..", "..#..", ".#...");
        define(':', ".....", ".##..", ".##..", ".....", ".##..", ".##..", ".....");
        define('(', "...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#.");
        define(')', ".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#...");
        define('%', "##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##");
        define('/', ".....", "....#", "...#.", "..#..", ".#...", "#....", ".....");
        define('_', ".....", ".....", ".....", ".....", ".....", ".....", "#####");
        define('+', ".....", "..#..", "..#..", "#####", "..#..", "..#..", ".....");
        define('\'', "..#..", "..#..", ".#...", ".....", ".....", ".....", ".....");
        define('=', ".....", ".....", "#####", ".....", "#####", ".....", ".....");
        define('?', ".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#..");
    }

    private PixelFont() {}

    private static void define(char c, String... rows) {
        if (rows.length != GLYPH_H) throw new AssertionError("glyph " + c);
        for (String r : rows) if (r.length() != GLYPH_W) throw new AssertionError("glyph " + c);
        GLYPHS.put(c, rows);
    }

    /** Width in pixels of {@code text} at integer {@code scale}. */
    static int width(String text, int scale) {
        return text.isEmpty() ? 0 : (text.length() * ADVANCE - 1) * scale;
    }

    /**
     * Draws {@code text} with its top-left corner at (x, y), clipped to the image and to {@code maxWidth}
     * pixels; characters that would not fit whole are left out.
     */
    static void draw(BufferedImage img, String text, int x, int y, int scale, int rgb, int maxWidth) {
        String upper = text.toUpperCase(Locale.ROOT);
        int fit = Math.max(0, (maxWidth / scale + 1) / ADVANCE);
        for (int i = 0; i < Math.min(upper.length(), fit); i++) {
            String[] glyph = GLYPHS.getOrDefault(upper.charAt(i), GLYPHS.get('?'));
            int gx = x + i * ADVANCE * scale;
            for (int row = 0; row < GLYPH_H; row++) {
                for (int col = 0; col < GLYPH_W; col++) {
                    if (glyph[row].charAt(col) != '#') continue;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            int px = gx + col * scale + dx, py = y + row * scale + dy;
                            if (px >= 0 && py >= 0 && px < img.getWidth() && py < img.getHeight()) img.setRGB(px, py, rgb);
                        }
                    }
                }
            }
        }
    }
}
