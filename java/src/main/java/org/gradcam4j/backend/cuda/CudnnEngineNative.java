package org.gradcam4j.backend.cuda;

/**
 * The native methods of {@code native/jni_cudnn_engine.cpp}, present in the library only when it was built with
 * cuDNN 9 and cuBLAS ({@link CudaRuntime.Status#cudnnEngineBuilt()}); calling them otherwise fails with
 * {@link UnsatisfiedLinkError}. A context (stream + cuDNN + cuBLAS handles on one device) is owned by exactly one
 * {@link CudnnContext}, a network by exactly one {@link CudaNetwork}. Callers serialise all calls on one context.
 */
final class CudnnEngineNative {
    private CudnnEngineNative() {}

    /** A new context on {@code device}; the handle is never 0. */
    static native long createContext(int device);

    /** "cuDNN &lt;runtime&gt; (built against &lt;header&gt;), cuBLAS &lt;version&gt;". */
    static native String libraryVersions(long context);

    /** Frees the context; Java guarantees at most once per handle. */
    static native void freeContext(long context);

    /**
     * A network on the context's device. {@code table}: 7 ints per layer (kind ordinal, in channels, in size,
     * out channels, out size, relu 0/1, bias 0/1). {@code precision}: {@link CudaPrecision} ordinal.
     */
    static native long createNetwork(long context, int[] table, int inChannels, int inSize, int precision);

    /** One layer's canonical kernel and bias ({@code null} when it has none). */
    static native void upload(long network, int layer, float[] kernel, float[] bias);

    /**
     * A batch forward; {@code keep}: lowest layer whose output later calls need (-1: the input too, layer count:
     * none). Returns the pass id.
     */
    static native int forward(long network, float[] input, int n, int keep);

    /** {@link #forward} over {@code n} copies of one image warped on the device ({@code kernels/augment.cuh}). */
    static native int forwardWarped(long network, float[] image, float[] fill, double[] affine, byte[] identity, int n, int keep);

    /** Output of {@code layer} (-1: the input) of a pass into {@code out} (n x volume). */
    static native void output(long network, int pass, int layer, float[] out);

    /**
     * The logits ({@code n x classes}, into {@code logits}) of a batch whose output of {@code layer} is
     * {@code activations} (n x its volume): the layers above run on the device, nothing stays open
     * ({@code CudnnNetwork::forward_from}).
     */
    static native void forwardFrom(long network, int layer, float[] activations, int n, float[] logits);

    /**
     * The logits ({@code count x classes}, into {@code logits}) of Ablation-CAM's copies {@code first .. first+count-1}
     * of row {@code image} of open pass {@code pass}'s output of {@code layer}, made on the device
     * ({@code CudnnNetwork::forward_ablated}, {@code kernels/ablated_copies.cuh}); the pass stays open.
     */
    static native void forwardAblated(long network, int pass, int layer, int image, int first, int count, float[] logits);

    /**
     * {@link #forward} over copies {@code first .. first+count-1} of one image made on the device
     * ({@code CudnnNetwork::forward_copies}, {@code kernels/input_copies.cuh}). {@code kind}: 0 Score-CAM masks
     * ({@code values} the activation, {@code ints} C, h, w, alignCorners 0/1, {@code doubles} eps), 1 path points
     * ({@code values} the baseline, {@code doubles} the copies' alphas), 2 occlusion ({@code values} the fill,
     * {@code ints} patch, stride), 3 noisy copies ({@code values} null, {@code ints} samples, {@code doubles} sigma,
     * {@code seed} that of the noise {@link #uploadNoise} left on the device). Returns the pass id.
     */
    static native int forwardCopies(long network, int kind, float[] image, int first, int count, int keep, float[] values,
                                    int[] ints, double[] doubles, long seed);

    /** SmoothGrad's noise ({@code samples x C x S x S}, drawn from {@code seed}) onto the device, kept until replaced. */
    static native void uploadNoise(long network, long seed, int samples, float[] noise);

    /** Frees the pass's arena for reuse. */
    static native void release(long network, int pass);

    /**
     * Backward from {@code seeds} (m x classes). Fills {@code captureOut[i]} (m x volume of {@code capture[i]},
     * -1 the input) and {@code weightOut[2i]}, {@code weightOut[2i+1]} (kernel and bias gradients of
     * {@code weightLayers[i]}; the bias entry may be null for layers without one).
     */
    static native void backward(long network, int pass, float[] seeds, int m, int[] imageOf, int stop, int rule,
                                int[] capture, float[][] captureOut, int[] weightLayers, float[][] weightOut);

    /**
     * The CAM-family step on a pass, on the device (native/cudnn_network.h, CamJob): {@code kinds} are
     * {@code CamKind} codes, {@code rawRules} {@link org.gradcam4j.backend.ReluRule} ordinals, {@code products}
     * positions in {@code kinds}; {@code out} holds 4 slots per kind (weights or null, layer maps, normalised maps,
     * maxima), then one per raw rule, then one per product, each sized by the caller.
     */
    static native void camMaps(long network, int pass, float[] seeds, int m, int[] imageOf, int layer, int[] kinds,
                               float[] camWeights, int outSize, float gradCamPlusPlusEps, float xGradCamEps, int[] rawRules,
                               int[] products, float[][] out);

    /**
     * Page-locked room for {@code floats} input values as a direct buffer (native byte order) that the caller fills
     * and then runs {@link #forwardStaged} on, both inside one backend call: the memory is reused and may move on the
     * next call.
     */
    static native java.nio.ByteBuffer inputBuffer(long network, int floats);

    /** A forward pass from the input written into {@link #inputBuffer}; returns the pass id. */
    static native int forwardStaged(long network, int n, int keep);

    /**
     * Input slot {@code slot} (0 or 1) as {@code floats} values of page-locked memory, a direct buffer (native byte
     * order) valid until the slot is handed out again; waits until the slot's previous upload has read it.
     */
    static native java.nio.ByteBuffer slotBuffer(long network, int slot, int floats);

    /** Starts the upload of the slot's batch of {@code n} on the network's copy stream; returns at once. */
    static native void uploadSlot(long network, int slot, int n);

    /** A forward pass from the slot's uploaded batch of {@code n} (the engine's stream waits for the upload). */
    static native int forwardSlot(long network, int slot, int n, int keep);

    /** Bytes: parameters, arenas, scratch, workspace, device free, device total. */
    static native long[] memory(long network);

    /** The cuDNN algorithm chosen per layer, direction and batch so far, one per line. */
    static native String algorithms(long network);

    /** Frees the network; Java guarantees at most once per handle. */
    static native void freeNetwork(long network);
}
