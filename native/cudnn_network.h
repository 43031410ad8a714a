// A VGG-family network on one device: parameters uploaded once, batched forward passes whose
// kept activations live in reusable arenas, and backward passes from per-seed logit gradients
// under a ReLU rule, with optional weight gradients. The same layer table as the Java side
// (org.gradcam4j.model.Architecture): 3x3 convolutions (pad 1, stride 1, bias, optional ReLU),
// 2x2 max-pools, global average pooling and fully-connected layers.
//
// Semantics are those of the CPU backend (the reference): cuDNN does the convolutions (cross-
// correlation, as PyTorch and Keras), cuBLAS the fc products; pooling, bias + ReLU, GAP and the
// ReLU backward rules are the hand-written kernels of kernels/engine_ops.cuh and
// kernels/relu_backward.cuh, whose tie rules match the CPU backend's.
//
// Threading: not thread-safe. The Java owner (CudaNetwork) serialises every call.
#pragma once

#ifdef GRADCAM4J_HAVE_CUDNN

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "cudnn_engine.h"
#include "relu_backward.cuh"

namespace gradcam4j {

// Ordinals of the Java enum org.gradcam4j.model.LayerKind.
enum class LayerKind : int { kConv3x3 = 0, kMaxPool2 = 1, kGap = 2, kFc = 3 };

// fp32: strict float32 everywhere (no TF32 tensor cores): the parity mode.
// tf32: TF32 tensor cores for convolutions and fc products (10-bit mantissa inputs, float32
//       accumulation), the usual GPU default.
enum class Precision : int { kFp32 = 0, kTf32 = 1 };

struct LayerInfo {
    LayerKind kind;
    int cin, in_size, cout, out_size;
    bool relu, has_bias;

    int64_t in_volume() const { return static_cast<int64_t>(cin) * in_size * in_size; }
    int64_t out_volume() const { return static_cast<int64_t>(cout) * out_size * out_size; }
    int64_t kernel_count() const {
        switch (kind) {
            case LayerKind::kConv3x3: return static_cast<int64_t>(cout) * cin * 9;
            case LayerKind::kFc: return static_cast<int64_t>(cout) * in_volume();
            default: return 0;
        }
    }
    int64_t bias_count() const { return has_bias ? cout : 0; }
};

// One cudaMalloc, freed by the destructor (errors ignored there). Grows, never shrinks.
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    ~DeviceBuffer();
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    // At least `bytes`; contents are lost when it grows.
    void reserve(size_t bytes);
    void* get() const { return ptr_; }
    float* f() const { return static_cast<float*>(ptr_); }
    size_t bytes() const { return bytes_; }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// Page-locked host memory for transfers, same growth rule.
class PinnedBuffer {
public:
    PinnedBuffer() = default;
    ~PinnedBuffer();
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;
    void reserve(size_t bytes);
    float* f() const { return static_cast<float*>(ptr_); }
    int* i() const { return static_cast<int*>(ptr_); }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

// A CUDA event (timing disabled) or non-blocking stream, created on first use on the current
// device and destroyed with its owner (errors ignored there).
class Event {
public:
    Event() = default;
    ~Event();
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    cudaEvent_t get();

private:
    cudaEvent_t event_ = nullptr;
};

class Stream {
public:
    Stream() = default;
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    cudaStream_t get();
    bool created() const { return stream_ != nullptr; }

private:
    cudaStream_t stream_ = nullptr;
};

// Receives one result tensor in host memory: (slot, data, count). Valid only during the call.
using HostSink = std::function<void(int slot, const float* data, size_t count)>;
// Writes values [offset, offset + count) of a host-side source (a Java array) into dst.
using HostSource = std::function<void(int64_t offset, int64_t count, float* dst)>;

// The recipe of one CAM-family method on the device (the Java side maps its methods to these).
enum class CamKind : int {
    kGradCam = 0,         // channel means of g, ReLU(sum w A)
    kGradCamPlusPlus = 1, // Grad-CAM++ default form
    kGradCamPlusPlusOfficial = 2,
    kCam = 3,             // given channel weights (the linear layer's rows), no ReLU
    kHiResCam = 4,
    kXGradCam = 5,
    kLayerCam = 6,
    kCounterfactual = 7,  // Grad-CAM weights of -g
};

// What cam_maps computes. Results go to the sink in slots: for method k (position in kinds),
// 4k + 0 its channel weights (M x C; not for HiResCAM / LayerCAM), 4k + 1 its layer maps
// (M x h x w), 4k + 2 its normalised maps (M x S x S), 4k + 3 their maxima (M; <= 0: an empty
// map, NaN: a map holding a non-finite value); then 4K + r the input gradient of raw_rules[r]
// (M x C_in x S_in x S_in); then 4K + R + j the guided product of products[j].
struct CamJob {
    std::vector<CamKind> kinds;
    int layer = 0;                       // the target layer (conv or max-pool output)
    const float* seeds = nullptr;        // m x classes, host
    int m = 0;
    const int* image_of = nullptr;       // m, host
    const float* cam_weights = nullptr;  // m x C, host: CAM's channel weights (kCam only)
    int out_size = 0;                    // S: the normalised maps' side
    std::vector<ReluRule> raw_rules;     // input gradients wanted on the host
    std::vector<int> products;           // positions in kinds whose maps multiply the guided gradient
    float gradcampp_eps = 0.f;           // Grad-CAM++ default form's eps (the Java value)
    float xgradcam_eps = 0.f;            // XGrad-CAM's eps (the Java value)
};

// What forward_copies makes from one image (kernels/input_copies.cuh; the Java InputCopies records).
enum class CopyKind : int { kScoreCamMasks = 0, kPathPoints = 1, kOccluded = 2, kNoisy = 3 };

struct CopyJob {
    CopyKind kind = CopyKind::kPathPoints;
    const float* image = nullptr;    // C x S x S, host
    int first = 0, count = 0;        // copies first .. first+count-1 of the recipe
    // Score-CAM: the target layer's activation (act_c x act_h x act_w); path: the baseline (C);
    // occlusion: the fill (C). Host.
    const float* values = nullptr;
    int64_t values_count = 0;
    int act_c = 0, act_h = 0, act_w = 0;
    bool align_corners = false;      // Score-CAM: pytorch-grad-cam's form
    double eps = 0;                  // Score-CAM: Epsilons.SCORECAM_MASK
    const double* alphas = nullptr;  // path: the alphas of copies first .. first+count-1, host
    int patch = 0, stride = 0;       // occlusion
    double sigma = 0;                // noise: the noise itself is the one upload_noise left
    int64_t noise_seed = 0;          // noise: must be the seed upload_noise was given
    int noise_samples = 0;
};

struct MemoryStats {
    size_t parameters = 0;   // bytes of uploaded weights
    size_t arenas = 0;       // bytes held by activation arenas
    size_t scratch = 0;      // backward gradient buffers, gathers, seeds
    size_t workspace = 0;    // cuDNN workspace
    size_t device_free = 0;  // cudaMemGetInfo
    size_t device_total = 0;
};

class CudnnNetwork {
public:
    CudnnNetwork(CudnnContext& context, std::vector<LayerInfo> layers, int in_channels,
                 int in_size, Precision precision);
    ~CudnnNetwork();
    CudnnNetwork(const CudnnNetwork&) = delete;
    CudnnNetwork& operator=(const CudnnNetwork&) = delete;

    int layer_count() const { return static_cast<int>(layers_.size()); }
    const LayerInfo& layer(int i) const { return layers_.at(static_cast<size_t>(i)); }

    // Copies one layer's canonical kernel (conv (cout, cin, 3, 3), fc (out, in) with inputs in
    // (c, h, w) order) and bias (bias_count 0 when it has none) to the device, on the engine's
    // stream, and returns when the copies are done. The sources fill page-locked chunks.
    void upload(int layer, const HostSource& kernel, int64_t kernel_count, const HostSource& bias,
                int64_t bias_count);

    // Page-locked room for `floats` input values; a forward() given this pointer reads the
    // input from there without another host copy (the JNI layer fills it straight from Java).
    float* stage(size_t floats);

    // Runs a batch forward. keep: the lowest layer whose output a later backward needs (-1 for
    // the input too, layer_count() for none). Returns a pass id for the calls below; the pass
    // holds its arena until release().
    int forward(const float* input, int n, int keep);
    // Page-locked room for `floats` input values that Java writes into directly (a direct
    // ByteBuffer over it, JNI inputBuffer), and the forward pass from it. The memory is the
    // network's until it is freed or grows (a later stage_input with more floats): the Java side
    // writes and runs the forward under one lock, never keeping the buffer across calls.
    float* stage_input(size_t floats);
    int forward_staged(int n, int keep);

    // Double-buffered input (kInputSlots slots), so that batch k+1 goes up while batch k computes:
    //   stage_slot   page-locked room for `floats` values that Java fills (a direct ByteBuffer);
    //                waits first until the slot's previous upload has read that memory;
    //   upload_slot  an asynchronous copy of the slot's batch of n into the slot's device buffer on
    //                the network's own copy stream (after the last forward from the slot has read
    //                that buffer: event `consumed`), then records the event `uploaded`; returns at
    //                once;
    //   forward_slot the forward pass: the engine's stream waits for `uploaded`, copies the batch
    //                into the pass's arena on the device, records `consumed`, then runs the layers.
    // All three are called under the Java owner's lock like everything else here; the copy itself
    // runs on the copy stream concurrently with whatever the engine's stream runs meanwhile.
    static constexpr int kInputSlots = 2;
    float* stage_slot(int slot, size_t floats);
    void upload_slot(int slot, int n);
    int forward_slot(int slot, int n, int keep);
    // The same, for n augmented copies of one image made on the device (kernels/augment.cuh):
    // image (C x S x S), fill (C), affine (n x 6), identity (n). Host pointers.
    int forward_warped(const float* image, const float* fill, const double* affine,
                       const unsigned char* identity, int n, int keep);
    // A forward pass over copies of one image made on the device (CopyJob, kernels/input_copies.cuh):
    // only the image (and the recipe's small inputs) cross the bus. keep as for forward().
    int forward_copies(const CopyJob& job, int keep);
    // SmoothGrad's standard normal noise (samples x C x S x S, host), drawn by the Java side from
    // `seed`; stays on the device for the noisy copies until replaced.
    void upload_noise(int64_t seed, int samples, const float* noise);
    void release(int pass);

    // The logits (n x classes, to the sink in slot 0) of a batch whose output of layer `from` is
    // given instead of computed (host memory, n x its volume, after the layer's ReLU): the layers
    // above run on the device, those below not at all, and nothing is kept (no pass stays open).
    // The arena is laid out for layers from..count-1 only. Ablation-CAM's ablated passes (the Java
    // Network.forwardFrom).
    void forward_from(int from, const float* activations, int n, const HostSink& sink);

    // Ablation-CAM's ablated passes without the activations crossing the bus: the logits (K x
    // classes, to the sink in slot 0) of copies first .. first+K-1 of row `image` of open pass
    // `pass`'s output of layer `from` (kept there), copy k with channel first + k zeroed
    // (kernels/ablated_copies.cuh), run from layer from + 1 on in a separate arena, which is
    // released before returning (as forward_from). The pass stays open and unchanged.
    void forward_ablated(int pass, int from, int image, int first, int K, const HostSink& sink);

    // Output of `layer` (-1: the input) of a pass, (n x volume) row-major, to the sink (slot 0).
    void output(int pass, int layer, const HostSink& sink);

    // Backward from seeds (m x classes, host) for rows image_of (m, host). Delivers to the sink
    // the gradient w.r.t. the output of every layer in `capture` (slot = its position there;
    // -1 means the input) and, for each layer in `weight_layers`, its kernel gradient (slot
    // 1000 + 2*position) and bias gradient (slot 1001 + 2*position), summed over seeds.
    // keep (optional): the gradient w.r.t. the output of keep->layer (-1: the input) is also
    // copied into keep->into on the device, for the explanation kernels (cam_maps).
    struct DeviceCapture {
        int layer;
        DeviceBuffer* into;
    };
    void backward(int pass, const float* seeds, int m, const int* image_of, int stop,
                  ReluRule rule, const std::vector<int>& capture,
                  const std::vector<int>& weight_layers, const HostSink& sink,
                  const DeviceCapture* keep = nullptr);

    // The CAM-family step of the explanation on a pass, on the device, in one call (the Java
    // ForwardPass.camMaps; docs/ALGORITHMS.md sections 3-4): one GRADIENT-rule backward to the
    // target layer (or to the input when its gradient is wanted too), the channel weights and
    // layer maps of every requested method with the hand-written kernels (grad_pool, gradcampp,
    // cam_combine), each upsampled to out_size and divided by its maximum (upsample), the input
    // gradients of further ReLU rules, and guided products (guided_product). Only the results
    // cross the bus, to the sink, slot by slot (see CamJob).
    void cam_maps(int pass, const CamJob& job, const HostSink& sink);

    MemoryStats memory() const;
    std::string describe_algorithms() const;  // chosen cuDNN algorithms, for logs

private:
    struct Arena {
        DeviceBuffer buffer;
        int n = 0, keep = 0;
        std::vector<int64_t> offset;  // floats; index layer + 1 (0 = input)
        bool in_use = false;
    };
    struct ConvPlan {
        int algo = 0;
        int math = 0;  // cudnnMathType_t
        size_t workspace = 0;
        bool measured = false;  // chosen by cudnnFind*AlgorithmEx (else from the heuristics)
    };
    // The device buffers a convolution runs on: forward (x, w, y), backward data (w, dy, dx),
    // backward filter (x, dy, dw). The measured search runs on them (and writes the output).
    struct ConvOperands {
        const void* a;
        const void* b;
        void* out;
    };
    enum class Direction : int { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };

    Arena& arena_for(int pass);
    // A free arena laid out for (n, keep), holding the outputs of layers first..count-1 only (first
    // -1: the input too); returns its index.
    int take_arena(int n, int keep, int first = -1);
    // Layers first..count-1, from the output of layer first-1 (the input for 0) already in the arena.
    void run_layers(Arena& a, int first = 0);
    // A pass: a free arena for (n, keep), its input written by fill_input, then the layers; the
    // arena is released again if anything throws. Returns the pass id.
    int run_pass(int n, int keep, const std::function<void(Arena&)>& fill_input);
    const float* arena_ptr(const Arena& a, int layer) const;  // layer -1 = input
    float* arena_ptr(Arena& a, int layer);
    static bool kept(int layer, int keep, int count);
    int64_t volume(int layer) const;  // layer -1 = input

    const ConvPlan& plan(int layer, Direction dir, int batch, const ConvOperands& ops);
    void set_conv_descriptors(int layer, int batch, int math);
    void fc_forward(const LayerInfo& l, const float* x, float* y, int n, const float* w,
                    const float* b);
    void set_blas_math();
    void to_host(const float* device, size_t count, int slot, const HostSink& sink);

    CudnnContext& ctx_;
    std::vector<LayerInfo> layers_;
    int in_channels_, in_size_;
    Precision precision_;

    DeviceBuffer params_;
    std::vector<float*> kernel_, bias_;
    std::vector<bool> uploaded_;

    std::vector<std::unique_ptr<Arena>> arenas_;
    DeviceBuffer grad_[2], gathered_, ones_, image_of_, wgrad_, workspace_;
    DeviceBuffer warp_image_, warp_fill_, warp_affine_, warp_identity_;
    DeviceBuffer copy_image_, copy_values_, copy_alphas_, copy_masks_, noise_;
    int64_t noise_seed_ = 0;
    int noise_samples_ = 0;  // 0: no noise on the device
    DeviceBuffer cam_grad_, cam_input_grad_, cam_rows_, cam_weights_, cam_layer_, cam_norm_, cam_max_,
        cam_product_;
    PinnedBuffer staging_, staging_index_, input_;
    size_t input_floats_ = 0;  // the size of the last stage_input

    struct InputSlot {
        PinnedBuffer host;            // written by Java between stage_slot and upload_slot
        DeviceBuffer device;          // the uploaded batch, read by forward_slot
        size_t host_floats = 0;       // the size the last stage_slot handed out
        size_t uploaded_floats = 0;   // the size of the last upload_slot since then (0: none)
        Event uploaded;               // the upload's completion (copy stream)
        Event consumed;               // the last forward's read of `device` (engine's stream)
    };
    InputSlot& input_slot(int slot);
    InputSlot slots_[kInputSlots];
    Stream copy_stream_;              // the uploads from the input slots

    cudnnTensorDescriptor_t x_desc_ = nullptr, y_desc_ = nullptr, bias_desc_ = nullptr;
    cudnnFilterDescriptor_t w_desc_ = nullptr;
    cudnnConvolutionDescriptor_t conv_desc_ = nullptr;
    std::map<std::tuple<int, int, int>, ConvPlan> plans_;  // (layer, direction, batch)
};

}  // namespace gradcam4j

#endif  // GRADCAM4J_HAVE_CUDNN
