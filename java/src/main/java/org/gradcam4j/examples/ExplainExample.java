package org.gradcam4j.examples;

import java.nio.file.Path;
import java.util.List;
import org.gradcam4j.explain.ClassExplanation;
import org.gradcam4j.explain.ExplainRequest;
import org.gradcam4j.explain.Explainer;
import org.gradcam4j.explain.ImageExplanation;
import org.gradcam4j.explain.MapResult;
import org.gradcam4j.image.ImageLoader;
import org.gradcam4j.image.LoadedImage;
import org.gradcam4j.model.Model;
import org.gradcam4j.render.Colormap;
import org.gradcam4j.render.HeatmapImages;
import org.gradcam4j.render.PngFiles;
import org.gradcam4j.weights.ModelLoader;

/**
 * The library in a few lines: load VGG16 weights, explain one image with Grad-CAM of its top class, write the
 * heat map over the original image. Usage: {@code ExplainExample WEIGHTS.h5 IMAGE OUT.png}.
 */
public final class ExplainExample {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ExplainExample WEIGHTS.h5 IMAGE OUT.png");
            System.exit(2);
        }
        Model model = ModelLoader.load(Path.of(args[0]), null); // architecture and preprocessing come from the file
        LoadedImage image = new ImageLoader().load(Path.of(args[1]));
        try (Explainer explainer = Explainer.of(model, Explainer.Options.defaults())) {
            ImageExplanation result = explainer.explain(List.of(image), ExplainRequest.gradCam()).get(0);
            ClassExplanation top = result.classes().get(0);
            MapResult gradCam = top.maps().get("gradcam");
            // the map in the original image's pixels (zero where the centre crop cut the image away)
            PngFiles.write(HeatmapImages.overlay(image.image(), gradCam.mapInOriginal(), Colormap.JET), Path.of(args[2]));
            System.out.printf("%s: %s (p = %.3f)%s%n", image.source(), top.name(), top.probability(),
                    gradCam.empty() ? ", empty map: nothing of this class found" : "");
        }
    }

    private ExplainExample() {}
}
