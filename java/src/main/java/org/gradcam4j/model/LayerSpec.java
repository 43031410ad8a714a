package org.gradcam4j.model;

/**
 * One row of the layer table. Shapes are per image: input {@code inChannels x inSize x inSize},
 * output {@code outChannels x outSize x outSize} (fc layers: size 1).
 *
 * @param name      Keras layer name ({@code block1_conv1}, {@code fc1}, {@code predictions}, ...)
 * @param relu      whether a ReLU follows (the layer's output, as every API exposes it, is after it)
 * @param bias      whether the layer has a bias vector
 */
public record LayerSpec(String name, LayerKind kind, int inChannels, int inSize, int outChannels, int outSize,
                        boolean relu, boolean bias) {

    public boolean hasWeights() { return kind == LayerKind.CONV3X3 || kind == LayerKind.FC; }

    /** Shape of the canonical kernel: conv (cout, cin, 3, 3); fc (out, in). */
    public int[] kernelShape() {
        return switch (kind) {
            case CONV3X3 -> new int[] {outChannels, inChannels, 3, 3};
            case FC -> new int[] {outChannels, inChannels * inSize * inSize};
            default -> throw new IllegalStateException(name + " has no kernel");
        };
    }

    public int fanIn() { return kind == LayerKind.CONV3X3 ? inChannels * 9 : inChannels * inSize * inSize; }

    /** Values in one image's output. */
    public int outVolume() { return outChannels * outSize * outSize; }
    public int inVolume() { return inChannels * inSize * inSize; }

    /** Multiply-adds of this layer's forward pass for one image. */
    public long macs() {
        return switch (kind) {
            case CONV3X3 -> (long) outSize * outSize * outChannels * inChannels * 9;
            case FC -> (long) outChannels * inVolume();
            default -> 0;
        };
    }

    public boolean isSpatial() { return kind != LayerKind.FC && kind != LayerKind.GAP; }
}
