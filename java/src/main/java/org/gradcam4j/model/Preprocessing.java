package org.gradcam4j.model;

import java.util.Arrays;

/**
 * How a pixel value {@code p} in 0..255 becomes a network input: {@code x = (p * scale - mean[c]) / std[c]},
 * with {@code c} counted in the model's channel order. Carried by every model file so that mixing
 * conventions is impossible.
 */
public record Preprocessing(ChannelOrder channelOrder, float scale, float[] mean, float[] std) {

    public Preprocessing {
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values");
        for (float s : std) if (!(s > 0) || !Float.isFinite(s)) throw new IllegalArgumentException("std values must be positive: " + Arrays.toString(std));
        if (!(scale > 0) || !Float.isFinite(scale)) throw new IllegalArgumentException("scale must be positive: " + scale);
        mean = mean.clone();
        std = std.clone();
    }

    /** Keras applications / Caffe VGG: BGR, 0..255, minus the ImageNet means, no scaling. */
    public static Preprocessing keras() {
        return new Preprocessing(ChannelOrder.BGR, 1f, new float[] {103.939f, 116.779f, 123.68f}, new float[] {1f, 1f, 1f});
    }

    /** torchvision: RGB scaled to 0..1, normalised with the ImageNet mean and std. */
    public static Preprocessing torchvision() {
        return new Preprocessing(ChannelOrder.RGB, 1f / 255f, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    /** The network input value for pixel value {@code p} (0..255) in model channel {@code c}. */
    public float apply(float p, int c) { return (p * scale - mean[c]) / std[c]; }

    /** Inverse of {@link #apply}: the pixel value for input value {@code x} in model channel {@code c}. */
    public float invert(float x, int c) { return (x * std[c] + mean[c]) / scale; }

    /** d input / d pixel for model channel c: converts input gradients to pixel gradients. */
    public float inputPerPixel(int c) { return scale / std[c]; }

    @Override public float[] mean() { return mean.clone(); }
    @Override public float[] std() { return std.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.channelOrder == channelOrder && p.scale == scale
                && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
    }

    @Override public int hashCode() { return channelOrder.hashCode() * 31 + Arrays.hashCode(mean); }

    @Override
    public String toString() {
        return channelOrder + " x" + scale + " mean " + Arrays.toString(mean) + " std " + Arrays.toString(std);
    }
}
