package org.gradcam4j.model;

import org.gradcam4j.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layer table: the single description of a VGG-family network that every backend, the weight
 * loaders and the methods read. VGG16 and VGG19 are two instances; narrower or smaller-input
 * variants of the same topology (used by fast tests and the demo model) are others.
 */
public final class Architecture {
    /** Pseudo layer name for the network input (gradients w.r.t. the image). */
    public static final String INPUT = "input";

    private final String name;
    private final int inputSize;
    private final int inputChannels;
    private final int[] convsPerBlock;
    private final int[] widths;
    private final int[] fcWidths;
    private final int numClasses;
    private final Head head;
    private final int camWidth;
    private final List<LayerSpec> layers;
    private final Map<String, Integer> index = new LinkedHashMap<>();

    private Architecture(String name, int inputSize, int[] convsPerBlock, int[] widths, int[] fcWidths,
                         int numClasses, Head head, int camWidth) {
        if (convsPerBlock.length != widths.length || convsPerBlock.length == 0) {
            throw new IllegalArgumentException("convsPerBlock and widths must have the same, non-zero length");
        }
        int div = 1 << convsPerBlock.length;
        if (inputSize <= 0 || inputSize % div != 0) {
            throw new IllegalArgumentException("input size " + inputSize + " must be a positive multiple of " + div);
        }
        this.name = name;
        this.inputSize = inputSize;
        this.inputChannels = 3;
        this.convsPerBlock = convsPerBlock.clone();
        this.widths = widths.clone();
        this.fcWidths = fcWidths.clone();
        this.numClasses = numClasses;
        this.head = head;
        this.camWidth = camWidth;
        List<LayerSpec> l = new ArrayList<>();
        int c = inputChannels, s = inputSize;
        for (int b = 0; b < convsPerBlock.length; b++) {
            for (int k = 0; k < convsPerBlock[b]; k++) {
                l.add(new LayerSpec("block" + (b + 1) + "_conv" + (k + 1), LayerKind.CONV3X3, c, s, widths[b], s, true, true));
                c = widths[b];
            }
            boolean lastBlock = b == convsPerBlock.length - 1;
            if (!(lastBlock && head == Head.GAP)) {
                l.add(new LayerSpec("block" + (b + 1) + "_pool", LayerKind.MAXPOOL2, c, s, c, s / 2, false, false));
                s /= 2;
            }
        }
        switch (head) {
            case FC -> {
                String[] names = new String[fcWidths.length + 1];
                for (int i = 0; i < fcWidths.length; i++) names[i] = "fc" + (i + 1);
                names[fcWidths.length] = "predictions";
                int in = c, inSize = s;
                for (int i = 0; i <= fcWidths.length; i++) {
                    int out = i < fcWidths.length ? fcWidths[i] : numClasses;
                    boolean last = i == fcWidths.length;
                    l.add(new LayerSpec(names[i], LayerKind.FC, in, inSize, out, 1, !last, true));
                    in = out;
                    inSize = 1;
                }
            }
            case GAP -> {
                l.add(new LayerSpec("cam_conv", LayerKind.CONV3X3, c, s, camWidth, s, true, true));
                l.add(new LayerSpec("gap", LayerKind.GAP, camWidth, s, camWidth, 1, false, false));
                l.add(new LayerSpec("predictions", LayerKind.FC, camWidth, 1, numClasses, 1, false, false));
            }
            case NONE -> { }
        }
        this.layers = Collections.unmodifiableList(l);
        for (int i = 0; i < l.size(); i++) index.put(l.get(i).name(), i);
    }

    public static Architecture vgg16() {
        return new Architecture("vgg16", 224, new int[] {2, 2, 3, 3, 3}, new int[] {64, 128, 256, 512, 512},
                new int[] {4096, 4096}, 1000, Head.FC, 0);
    }

    public static Architecture vgg19() {
        return new Architecture("vgg19", 224, new int[] {2, 2, 4, 4, 4}, new int[] {64, 128, 256, 512, 512},
                new int[] {4096, 4096}, 1000, Head.FC, 0);
    }

    /** Any VGG-topology network: used for narrow test networks, CAM heads and the demo model. */
    public static Architecture custom(String name, int inputSize, int[] convsPerBlock, int[] widths, int[] fcWidths,
                                      int numClasses, Head head, int camWidth) {
        return new Architecture(name, inputSize, convsPerBlock, widths, fcWidths, numClasses, head, camWidth);
    }

    /** The standard network by name ({@code vgg16} or {@code vgg19}). */
    public static Architecture byName(String arch) {
        return switch (arch.toLowerCase(java.util.Locale.ROOT)) {
            case "vgg16" -> vgg16();
            case "vgg19" -> vgg19();
            default -> throw new InvalidInputException("unknown architecture '" + arch + "' (expected vgg16 or vgg19)");
        };
    }

    /** The same network with a different head (e.g. the notop variant of VGG16). */
    public Architecture withHead(Head newHead, int newClasses, int newCamWidth) {
        return new Architecture(name, inputSize, convsPerBlock, widths, fcWidths, newClasses, newHead, newCamWidth);
    }

    public String name() { return name; }
    public int inputSize() { return inputSize; }
    public int inputChannels() { return inputChannels; }
    public int[] convsPerBlock() { return convsPerBlock.clone(); }
    public int[] widths() { return widths.clone(); }
    public int[] fcWidths() { return fcWidths.clone(); }
    public int numClasses() { return head == Head.NONE ? 0 : numClasses; }
    public Head head() { return head; }
    public int camWidth() { return camWidth; }
    public List<LayerSpec> layers() { return layers; }

    public boolean has(String layer) { return index.containsKey(layer); }

    public int indexOf(String layer) {
        Integer i = index.get(layer);
        if (i == null) {
            throw new InvalidInputException("unknown layer '" + layer + "' in " + name + "; layers are: "
                    + String.join(", ", index.keySet()));
        }
        return i;
    }

    public LayerSpec layer(String layer) { return layers.get(indexOf(layer)); }

    /** The last convolution before the head: the default Grad-CAM target (block5_conv3 / block5_conv4 / cam_conv). */
    public String defaultTargetLayer() {
        String last = null;
        for (LayerSpec l : layers) if (l.kind() == LayerKind.CONV3X3) last = l.name();
        return last;
    }

    /** Multiply-adds of one image's forward pass. */
    public long forwardMacs() {
        long m = 0;
        for (LayerSpec l : layers) m += l.macs();
        return m;
    }

    @Override
    public String toString() {
        return name + " (" + inputSize + "x" + inputSize + ", blocks " + Arrays.toString(convsPerBlock) + ", widths "
                + Arrays.toString(widths) + ", head " + head.name().toLowerCase() + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Architecture a)) return false;
        return name.equals(a.name) && inputSize == a.inputSize && Arrays.equals(convsPerBlock, a.convsPerBlock)
                && Arrays.equals(widths, a.widths) && Arrays.equals(fcWidths, a.fcWidths) && numClasses == a.numClasses
                && head == a.head && camWidth == a.camWidth;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + inputSize; }
}
