package org.gradcam4j;

/**
 * Every {@code -Dgradcam4j.*} system property that changes the library's or the command line's behaviour, read here
 * and nowhere else (a test checks that no other source reads one). {@code docs/EMBEDDING.md} lists them with the same
 * descriptions. Set them on the JVM ({@code java -Dgradcam4j.conv=direct ...}; for the launcher through
 * {@code GRADCAM4J_JAVA_OPTS}). Most are read once, when the class that uses them is first loaded.
 */
public enum SystemProperty {
    /** CPU backend: how 3x3 convolutions run. */
    CONV("gradcam4j.conv", "auto",
            "CPU 3x3 convolutions: auto (per layer, the rule measured by `gradcam4j bench conv`), direct, winograd (F(2x2,3x3)) or winograd4 (F(4x4,3x3) forwards)"),
    /** CPU backend: which SGEMM. */
    BLAS("gradcam4j.blas", "auto",
            "CPU matrix products: auto (OpenBLAS, the pure-Java GEMM if it cannot load) or java (always the pure-Java GEMM)"),
    /** CPU backend: the im2col threshold. */
    IM2COL_BELOW("gradcam4j.im2colBelow", "32",
            "CPU forward convolution: below this many input channels, gather an im2col panel (K = 9 cin) per chunk"),
    /** CPU backend: per-layer timings. */
    PROFILE("gradcam4j.profile", "false", "true: print per-layer forward times of the CPU backend"),
    /** CUDA backend: the default arithmetic. */
    CUDA_PRECISION("gradcam4j.cuda.precision", "tf32",
            "CUDA backend arithmetic when the caller does not choose: tf32 or fp32 (strict float32, the parity mode)"),
    /** CUDA: where the JNI library is. */
    NATIVE_PATH("gradcam4j.native.path", "",
            "the JNI library file to load first (before the jar's bundled copy, java.library.path and a developer build)"),
    /** Where weights and the extracted native library are cached. */
    CACHE("gradcam4j.cache", "",
            "cache folder for fetched weights; unset: $GRADCAM4J_CACHE, else ~/.cache/gradcam4j (the extracted native "
                    + "library follows $GRADCAM4J_CACHE only)"),
    /** Command line: the pipelined explain / classify. */
    PIPELINE("gradcam4j.pipeline", "true",
            "false: explain, classify, eval and localize decode, compute and write one batch after another instead of overlapping them (same outputs)"),
    /** Model files: mapped or read. */
    MAP_WEIGHTS("gradcam4j.mapWeights", "true",
            "false: model files are read into memory instead of mapped (mapped: faster loading, parameters shared with the "
                    + "page cache; a model file rewritten in place, not replaced, while a process maps it can crash that process)"),
    /** Command line: stack traces. */
    DEBUG("gradcam4j.debug", "false", "true: the command line prints the stack trace of an error");

    private final String key, defaultValue, description;

    SystemProperty(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** The property's name, e.g. {@code gradcam4j.conv}. */
    public String key() { return key; }

    /** The value used when the property is not set ("" where there is none). */
    public String defaultValue() { return defaultValue; }

    /** One line on what it changes. */
    public String description() { return description; }

    /** The value set on this JVM, trimmed, else the default. */
    public String value() {
        String v = System.getProperty(key);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    /** Whether it is set (not blank) on this JVM. */
    public boolean isSet() {
        String v = System.getProperty(key);
        return v != null && !v.isBlank();
    }

    /** The value as a boolean ({@code true}, any case, is true). */
    public boolean flag() { return Boolean.parseBoolean(value()); }

    /** The value as an integer. */
    public int intValue() {
        try {
            return Integer.parseInt(value());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(key + " must be an integer, got '" + value() + "'");
        }
    }
}
