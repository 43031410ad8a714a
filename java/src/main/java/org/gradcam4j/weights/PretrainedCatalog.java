package org.gradcam4j.weights;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The pretrained weight files gradcam4j can download, with their pinned checksums. {@link #KERAS} is the real
 * table; tests build their own (a local server's address, the checksum of a generated file).
 */
public final class PretrainedCatalog {
    private static final String RELEASE = "https://github.com/fchollet/deep-learning-models/releases/download/v0.1/";

    /**
     * The Keras application files of the {@code v0.1} release of fchollet/deep-learning-models. Addresses and
     * MD5s are those that keras-team/keras-applications pins in {@code keras_applications/vgg16.py} and
     * {@code vgg19.py} ({@code WEIGHTS_PATH}, {@code WEIGHTS_PATH_NO_TOP}, and the {@code file_hash} passed to
     * {@code get_file}, which Keras checks as MD5 when it has 32 hex digits).
     */
    public static final PretrainedCatalog KERAS = new PretrainedCatalog(List.of(
            keras("vgg16", false, "64373286793e3c8b2b4e3219cbf3544b"),
            keras("vgg16", true, "6d6bbae143d832006294945121d1f1fc"),
            keras("vgg19", false, "cbe5617147190e668d6c5d5026f83318"),
            keras("vgg19", true, "253f8cb515780f3b799900260a226db6")));

    private final List<PretrainedFile> files;

    public PretrainedCatalog(List<PretrainedFile> files) {
        this.files = List.copyOf(files);
    }

    private static PretrainedFile keras(String arch, boolean notop, String md5) {
        String name = arch + "_weights_tf_dim_ordering_tf_kernels" + (notop ? "_notop" : "") + ".h5";
        return new PretrainedFile(arch, notop, name, URI.create(RELEASE + name), md5);
    }

    public List<PretrainedFile> files() { return files; }

    /** The file for {@code arch} ({@code vgg16}, {@code vgg19}, any case) with or without the classifier. */
    public Optional<PretrainedFile> find(String arch, boolean notop) {
        String a = arch.trim().toLowerCase(Locale.ROOT);
        return files.stream().filter(f -> f.arch().equals(a) && f.notop() == notop).findFirst();
    }

    /** The architectures known here, for messages: {@code vgg16|vgg19}. */
    public String archNames() {
        return String.join("|", files.stream().map(PretrainedFile::arch).distinct().toList());
    }
}
