package org.gradcam4j.bench;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.render.PngEncoder;

/**
 * {@code gradcam4j bench png}: PNG encoding of a folder of photos in memory, ImageIO's writer and {@link PngEncoder}
 * against libpng (OpenCV's default settings and libpng's default zlib level 6) and Pillow, in one run; medians.
 */
public final class PngBenchmark {
    public record Options(Path images, int reps, String python, Path toolsDir) {}

    private final Options o;
    private final PrintStream out;

    public PngBenchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    private interface Encoder {
        void write(BufferedImage image, OutputStream out) throws IOException;
    }

    public void run() throws IOException, InterruptedException {
        List<BufferedImage> images = new ArrayList<>();
        ImageLoader loader = new ImageLoader();
        try (Stream<Path> s = Files.list(o.images())) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|bmp)")) images.add(loader.load(p).image());
            }
        }
        double mpix = images.stream().mapToDouble(i -> (double) i.getWidth() * i.getHeight()).sum() / 1e6;
        out.printf(Locale.ROOT, "gradcam4j bench png: %d photos from %s (%.1f Mpixel), encoded in memory, median of %d%n", images.size(),
                o.images(), mpix, o.reps());
        out.println("machine: " + MachineInfo.describe());
        out.printf(Locale.ROOT, "%-28s %8s %9s %9s%n", "encoder", "s", "Mpix/s", "MB");
        row("ImageIO (JDK)", images, mpix, PngBenchmark::imageIo);
        row("PngEncoder (gradcam4j)", images, mpix, PngEncoder::write);
        Process p = new ProcessBuilder(o.python(), o.toolsDir().resolve("bench_png.py").toString(), o.images().toString(), Integer.toString(o.reps()))
                .redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                if (!l.startsWith("row ")) {
                    out.println("peer: " + l);
                    continue;
                }
                String[] v = l.substring(4).split("\\|");
                double s = Double.parseDouble(v[1]);
                out.printf(Locale.ROOT, "%-28s %8.2f %9.2f %9.1f%n", v[0], s, mpix / s, Long.parseLong(v[2]) / 1e6);
            }
        }
        if (p.waitFor() != 0) out.println("peer: exited with " + p.exitValue() + " (needs OpenCV: Debian's python3-opencv)");
    }

    private void row(String name, List<BufferedImage> images, double mpix, Encoder e) {
        long[] bytes = new long[1];
        double[] t = Timing.measure(() -> {
            long n = 0;
            for (BufferedImage img : images) {
                ByteArrayOutputStream b = new ByteArrayOutputStream(1 << 20);
                e.write(img, b);
                n += b.size();
            }
            bytes[0] = n;
        }, 1, o.reps());
        double s = Timing.median(t);
        out.printf(Locale.ROOT, "%-28s %8.2f %9.2f %9.1f%n", name, s, mpix / s, bytes[0] / 1e6);
    }

    private static void imageIo(BufferedImage image, OutputStream out) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(image);
        } finally {
            w.dispose();
        }
    }
}
