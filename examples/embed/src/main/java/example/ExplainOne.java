package example;

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
 * Explains one image with Grad-CAM of its top class and writes the heat map over the original image.
 * Usage: {@code ExplainOne WEIGHTS.h5 IMAGE OUT.png} (WEIGHTS: a Keras VGG16/VGG19 .h5 or a gradcam4j model file,
 * e.g. the checkout's weights/demo-fashion-cam.h5).
 */
public final class ExplainOne {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ExplainOne WEIGHTS.h5 IMAGE OUT.png");
            System.exit(2);
        }
        Model model = ModelLoader.load(Path.of(args[0]), null); // architecture, preprocessing and labels come from the file
        LoadedImage image = new ImageLoader().load(Path.of(args[1]));
        try (Explainer explainer = Explainer.of(model, Explainer.Options.defaults())) {
            ImageExplanation result = explainer.explain(List.of(image), ExplainRequest.gradCam()).get(0);
            ClassExplanation top = result.classes().get(0);
            MapResult gradCam = top.maps().get("gradcam");
            PngFiles.write(HeatmapImages.overlay(image.image(), gradCam.mapInOriginal(), Colormap.JET), Path.of(args[2]));
            System.out.printf("%s: %s (p = %.3f)%n", image.source(), top.name(), top.probability());
        }
    }

    private ExplainOne() {}
}
