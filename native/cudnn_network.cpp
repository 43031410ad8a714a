// The cuDNN engine's network: see cudnn_network.h.
#ifndef GRADCAM4J_HAVE_CUDNN
#error "cudnn_network.cpp needs cuDNN and cuBLAS; the build adds it only when both are found"
#endif

#include "cudnn_network.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "check.h"
#include "ablated_copies.cuh"
#include "augment.cuh"
#include "cam_combine.cuh"
#include "engine_ops.cuh"
#include "grad_pool.cuh"
#include "gradcampp.cuh"
#include "guided_product.cuh"
#include "input_copies.cuh"
#include "upsample.cuh"

namespace gradcam4j {
namespace {

constexpr int64_t kAlignFloats = 64;                      // 256-byte aligned regions
constexpr size_t kMaxWorkspace = size_t{2} << 30;         // never ask cuDNN for more than 2 GiB
constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;  // cuDNN 4-d descriptors are int-sized
constexpr int64_t kUploadChunkFloats = int64_t{4} << 20;  // 16 MiB of page-locked staging per step

int64_t align(int64_t floats) { return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats; }

const char* direction_name(int d) {
    return d == 0 ? "fwd" : d == 1 ? "bwd-data" : "bwd-filter";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Buffers

DeviceBuffer::~DeviceBuffer() {
    if (ptr_) (void)cudaFree(ptr_);
}

void DeviceBuffer::reserve(size_t bytes) {
    if (bytes <= bytes_) return;
    if (ptr_) {
        CUDA_CHECK(cudaFree(ptr_));
        ptr_ = nullptr;
        bytes_ = 0;
    }
    CUDA_CHECK(cudaMalloc(&ptr_, bytes));
    bytes_ = bytes;
}

PinnedBuffer::~PinnedBuffer() {
    if (ptr_) (void)cudaFreeHost(ptr_);
}

void PinnedBuffer::reserve(size_t bytes) {
    if (bytes <= bytes_) return;
    if (ptr_) {
        CUDA_CHECK(cudaFreeHost(ptr_));
        ptr_ = nullptr;
        bytes_ = 0;
    }
    CUDA_CHECK(cudaHostAlloc(&ptr_, bytes, cudaHostAllocDefault));
    bytes_ = bytes;
}

Event::~Event() {
    if (event_) (void)cudaEventDestroy(event_);
}

cudaEvent_t Event::get() {
    if (!event_) CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming));
    return event_;
}

Stream::~Stream() {
    if (stream_) (void)cudaStreamDestroy(stream_);
}

cudaStream_t Stream::get() {
    if (!stream_) CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    return stream_;
}

// ---------------------------------------------------------------------------------------------
// Construction

CudnnNetwork::CudnnNetwork(CudnnContext& context, std::vector<LayerInfo> layers,
                           int in_channels, int in_size, Precision precision)
    : ctx_(context), layers_(std::move(layers)), in_channels_(in_channels), in_size_(in_size),
      precision_(precision) {
    if (layers_.empty()) throw std::invalid_argument("a network needs at least one layer");
    if (in_channels <= 0 || in_size <= 0) throw std::invalid_argument("bad input shape");
    // The table must chain: each layer's input is the previous layer's output.
    int c = in_channels, s = in_size;
    for (size_t i = 0; i < layers_.size(); ++i) {
        const LayerInfo& l = layers_[i];
        if (l.cin != c || l.in_size != s) {
            throw std::invalid_argument("layer " + std::to_string(i) + " does not chain: input " +
                                        std::to_string(l.cin) + "x" + std::to_string(l.in_size) +
                                        " after " + std::to_string(c) + "x" + std::to_string(s));
        }
        switch (l.kind) {
            case LayerKind::kConv3x3:
                if (l.out_size != l.in_size) throw std::invalid_argument("conv changes size");
                break;
            case LayerKind::kMaxPool2:
                if (l.cout != l.cin || l.out_size != l.in_size / 2 || l.relu || l.has_bias)
                    throw std::invalid_argument("bad max-pool row");
                break;
            case LayerKind::kGap:
                if (l.cout != l.cin || l.out_size != 1 || l.relu || l.has_bias)
                    throw std::invalid_argument("bad GAP row");
                break;
            case LayerKind::kFc:
                if (l.out_size != 1) throw std::invalid_argument("fc output must be 1x1");
                break;
            default:
                throw std::invalid_argument("unknown layer kind " +
                                            std::to_string(static_cast<int>(l.kind)));
        }
        c = l.cout;
        s = l.out_size;
    }

    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    int64_t total = 0;
    for (const LayerInfo& l : layers_) total += align(l.kernel_count()) + align(l.bias_count());
    params_.reserve(sizeof(float) * static_cast<size_t>(std::max<int64_t>(total, 1)));
    int64_t pos = 0;
    for (const LayerInfo& l : layers_) {
        kernel_.push_back(l.kernel_count() ? params_.f() + pos : nullptr);
        pos += align(l.kernel_count());
        bias_.push_back(l.bias_count() ? params_.f() + pos : nullptr);
        pos += align(l.bias_count());
        uploaded_.push_back(l.kernel_count() == 0);
    }
    try {
        CUDNN_CHECK(cudnnCreateTensorDescriptor(&x_desc_));
        CUDNN_CHECK(cudnnCreateTensorDescriptor(&y_desc_));
        CUDNN_CHECK(cudnnCreateTensorDescriptor(&bias_desc_));
        CUDNN_CHECK(cudnnCreateFilterDescriptor(&w_desc_));
        CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv_desc_));
    } catch (...) {
        if (conv_desc_) (void)cudnnDestroyConvolutionDescriptor(conv_desc_);
        if (w_desc_) (void)cudnnDestroyFilterDescriptor(w_desc_);
        if (bias_desc_) (void)cudnnDestroyTensorDescriptor(bias_desc_);
        if (y_desc_) (void)cudnnDestroyTensorDescriptor(y_desc_);
        if (x_desc_) (void)cudnnDestroyTensorDescriptor(x_desc_);
        throw;
    }
}

CudnnNetwork::~CudnnNetwork() {
    (void)cudaSetDevice(ctx_.device());
    (void)cudaStreamSynchronize(ctx_.stream());  // nothing may still use the buffers
    if (copy_stream_.created()) (void)cudaStreamSynchronize(copy_stream_.get());  // nor an upload
    if (conv_desc_) (void)cudnnDestroyConvolutionDescriptor(conv_desc_);
    if (w_desc_) (void)cudnnDestroyFilterDescriptor(w_desc_);
    if (bias_desc_) (void)cudnnDestroyTensorDescriptor(bias_desc_);
    if (y_desc_) (void)cudnnDestroyTensorDescriptor(y_desc_);
    if (x_desc_) (void)cudnnDestroyTensorDescriptor(x_desc_);
}

void CudnnNetwork::upload(int layer, const HostSource& kernel, int64_t kernel_count,
                          const HostSource& bias, int64_t bias_count) {
    const LayerInfo& l = this->layer(layer);
    if (kernel_count != l.kernel_count() || bias_count != l.bias_count()) {
        throw std::invalid_argument("layer " + std::to_string(layer) + ": got " +
                                    std::to_string(kernel_count) + " kernel / " +
                                    std::to_string(bias_count) + " bias values, expected " +
                                    std::to_string(l.kernel_count()) + " / " +
                                    std::to_string(l.bias_count()));
    }
    if (kernel_count == 0) return;
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    // Everything goes through the engine's own (non-blocking) stream, so the copies are ordered
    // with the compute that reads the weights: legacy-stream cudaMemcpy would not be. The source
    // is filled chunk by chunk into page-locked staging (no JNI critical section is held across
    // a 400 MB copy, and the copies run at pinned speed); the next chunk is filled only after the
    // previous copy has finished with the buffer.
    uploaded_[layer] = false;
    auto send = [&](const HostSource& source, float* device, int64_t count) {
        const int64_t chunk = std::min<int64_t>(count, kUploadChunkFloats);
        staging_.reserve(sizeof(float) * static_cast<size_t>(chunk));
        for (int64_t offset = 0; offset < count; offset += chunk) {
            const int64_t n = std::min(chunk, count - offset);
            source(offset, n, staging_.f());
            CUDA_CHECK(cudaMemcpyAsync(device + offset, staging_.f(), sizeof(float) * static_cast<size_t>(n),
                                       cudaMemcpyHostToDevice, ctx_.stream()));
            CUDA_CHECK(cudaStreamSynchronize(ctx_.stream()));
        }
    };
    send(kernel, kernel_[layer], kernel_count);
    if (bias_count) send(bias, bias_[layer], bias_count);
    uploaded_[layer] = true;
}

// ---------------------------------------------------------------------------------------------
// Arenas

bool CudnnNetwork::kept(int layer, int keep, int count) { return layer >= keep || layer == count - 1; }

int64_t CudnnNetwork::volume(int layer) const {
    if (layer < 0) return static_cast<int64_t>(in_channels_) * in_size_ * in_size_;
    return layers_[layer].out_volume();
}

CudnnNetwork::Arena& CudnnNetwork::arena_for(int pass) {
    if (pass < 0 || pass >= static_cast<int>(arenas_.size()) || !arenas_[pass]->in_use) {
        throw std::invalid_argument("forward pass " + std::to_string(pass) + " is not open");
    }
    return *arenas_[pass];
}

const float* CudnnNetwork::arena_ptr(const Arena& a, int layer) const {
    return a.buffer.f() + a.offset[static_cast<size_t>(layer + 1)];
}

float* CudnnNetwork::arena_ptr(Arena& a, int layer) {
    return a.buffer.f() + a.offset[static_cast<size_t>(layer + 1)];
}

// ---------------------------------------------------------------------------------------------
// cuDNN plans

void CudnnNetwork::set_conv_descriptors(int layer, int batch, int math) {
    const LayerInfo& l = layers_[layer];
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(x_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, batch,
                                           l.cin, l.in_size, l.in_size));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(y_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, batch,
                                           l.cout, l.out_size, l.out_size));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(bias_desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1,
                                           l.cout, 1, 1));
    CUDNN_CHECK(cudnnSetFilter4dDescriptor(w_desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, l.cout,
                                           l.cin, 3, 3));
    CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv_desc_, 1, 1, 1, 1, 1, 1,
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_, static_cast<cudnnMathType_t>(math)));
}

namespace {

// fp32 mode accepts only algorithms that run on FMA units (the convolution descriptor is set to
// CUDNN_FMA_MATH as well): no TF32 tensor cores. No mode ever accepts down-conversion of float32
// data to half precision.
bool math_allowed(cudnnMathType_t math, Precision precision) {
    if (math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) return false;
    if (precision == Precision::kTf32) return true;
    return math == CUDNN_FMA_MATH || math == CUDNN_DEFAULT_MATH;
}

// Workspace handed to the measured search (cudnnFind*AlgorithmEx): algorithms needing more are
// left out of the measurement, and the heuristic list below still offers them.
constexpr size_t kFindWorkspace = size_t{512} << 20;

}  // namespace

// Planning: first the measured choice (cudnnFind*AlgorithmEx runs the candidates on the actual
// buffers, once per layer, direction and batch size; results cached in plans_), then cuDNN's
// heuristic list (_v7). A candidate is taken only if its math type is allowed in this precision
// and its workspace query succeeds under the math type it will run with; any failure there
// (cuDNN 9 can list fp32 entries whose query fails under CUDNN_FMA_MATH) moves on to the next
// candidate. Planning never fails the device: when nothing fits, the error is an argument-style
// one (std::runtime_error, no library status), which the Java side does not treat as a device
// fault.
const CudnnNetwork::ConvPlan& CudnnNetwork::plan(int layer, Direction dir, int batch,
                                                 const ConvOperands& ops) {
    const auto key = std::make_tuple(layer, static_cast<int>(dir), batch);
    auto it = plans_.find(key);
    if (it != plans_.end()) return it->second;

    const int base_math = precision_ == Precision::kFp32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
    set_conv_descriptors(layer, batch, base_math);
    size_t free_bytes = 0, total_bytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    const size_t limit = std::min(kMaxWorkspace, free_bytes / 2 + workspace_.bytes());
    const size_t find_limit = std::min(limit, kFindWorkspace);
    bool can_measure = true;
    try {
        workspace_.reserve(find_limit);
    } catch (const NativeError& e) {
        if (!e.out_of_memory()) throw;
        can_measure = false;  // no room for the search's workspace: heuristics only
    }

    cudnnHandle_t h = ctx_.cudnn();
    std::string notes;  // why candidates were passed over, for the error message
    // The three directions differ only in which cuDNN calls they make.
    auto make = [&](const char* what, auto perf_type, auto max_count, auto find, auto heuristic,
                    auto workspace_of) {
        using Perf = decltype(perf_type);
        int count = 0;
        CUDNN_CHECK(max_count(&count));
        count = std::max(count, 1);
        auto try_list = [&](const std::vector<Perf>& perf, int returned, bool measured,
                            ConvPlan* out) {
            for (int i = 0; i < returned; ++i) {
                const Perf& c = perf[static_cast<size_t>(i)];
                if (c.status != CUDNN_STATUS_SUCCESS || c.memory > limit ||
                    !math_allowed(c.mathType, precision_))
                    continue;
                const int math = precision_ == Precision::kFp32 ? base_math : static_cast<int>(c.mathType);
                size_t bytes = 0;
                if (cudnnSetConvolutionMathType(conv_desc_, static_cast<cudnnMathType_t>(math)) !=
                        CUDNN_STATUS_SUCCESS ||
                    workspace_of(c.algo, &bytes) != CUDNN_STATUS_SUCCESS || bytes > limit) {
                    notes += " algo " + std::to_string(static_cast<int>(c.algo)) + " refused its workspace query;";
                    continue;
                }
                out->algo = static_cast<int>(c.algo);
                out->math = math;
                out->workspace = bytes;
                out->measured = measured;
                return true;
            }
            return false;
        };
        ConvPlan p;
        std::vector<Perf> perf(static_cast<size_t>(count));
        int returned = 0;
        if (can_measure) {
            const cudnnStatus_t st = find(count, &returned, perf.data(), workspace_.get(), find_limit);
            if (st == CUDNN_STATUS_SUCCESS) {
                if (try_list(perf, returned, true, &p)) return p;
            } else {
                (void)cudaGetLastError();  // a failed search must not leave an error behind
                notes += std::string(" measured search: ") + cudnnGetErrorString(st) + ";";
            }
            CUDNN_CHECK(cudnnSetConvolutionMathType(conv_desc_, static_cast<cudnnMathType_t>(base_math)));
        }
        returned = 0;
        const cudnnStatus_t st = heuristic(count, &returned, perf.data());
        if (st == CUDNN_STATUS_SUCCESS && try_list(perf, returned, false, &p)) return p;
        if (st != CUDNN_STATUS_SUCCESS) notes += std::string(" heuristics: ") + cudnnGetErrorString(st) + ";";
        throw std::runtime_error(std::string("cuDNN offers no usable ") + what + " algorithm for layer " +
                                 std::to_string(layer) + " at batch " + std::to_string(batch) +
                                 " within a " + std::to_string(limit >> 20) + " MiB workspace" +
                                 (precision_ == Precision::kFp32 ? " without TF32" : "") +
                                 (notes.empty() ? "" : " (" + notes + ")"));
    };
    ConvPlan p;
    switch (dir) {
        case Direction::kForward:
            p = make("forward", cudnnConvolutionFwdAlgoPerf_t{},
                     [&](int* n) { return cudnnGetConvolutionForwardAlgorithmMaxCount(h, n); },
                     [&](int n, int* r, cudnnConvolutionFwdAlgoPerf_t* out, void* ws, size_t ws_bytes) {
                         return cudnnFindConvolutionForwardAlgorithmEx(h, x_desc_, ops.a, w_desc_, ops.b, conv_desc_,
                                                                       y_desc_, ops.out, n, r, out, ws, ws_bytes);
                     },
                     [&](int n, int* r, cudnnConvolutionFwdAlgoPerf_t* out) {
                         return cudnnGetConvolutionForwardAlgorithm_v7(h, x_desc_, w_desc_, conv_desc_, y_desc_, n, r, out);
                     },
                     [&](cudnnConvolutionFwdAlgo_t algo, size_t* bytes) {
                         return cudnnGetConvolutionForwardWorkspaceSize(h, x_desc_, w_desc_, conv_desc_, y_desc_, algo, bytes);
                     });
            break;
        case Direction::kBackwardData:
            p = make("backward-data", cudnnConvolutionBwdDataAlgoPerf_t{},
                     [&](int* n) { return cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, n); },
                     [&](int n, int* r, cudnnConvolutionBwdDataAlgoPerf_t* out, void* ws, size_t ws_bytes) {
                         return cudnnFindConvolutionBackwardDataAlgorithmEx(h, w_desc_, ops.a, y_desc_, ops.b, conv_desc_,
                                                                            x_desc_, ops.out, n, r, out, ws, ws_bytes);
                     },
                     [&](int n, int* r, cudnnConvolutionBwdDataAlgoPerf_t* out) {
                         return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, w_desc_, y_desc_, conv_desc_, x_desc_, n, r, out);
                     },
                     [&](cudnnConvolutionBwdDataAlgo_t algo, size_t* bytes) {
                         return cudnnGetConvolutionBackwardDataWorkspaceSize(h, w_desc_, y_desc_, conv_desc_, x_desc_, algo, bytes);
                     });
            break;
        case Direction::kBackwardFilter:
            p = make("backward-filter", cudnnConvolutionBwdFilterAlgoPerf_t{},
                     [&](int* n) { return cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, n); },
                     [&](int n, int* r, cudnnConvolutionBwdFilterAlgoPerf_t* out, void* ws, size_t ws_bytes) {
                         return cudnnFindConvolutionBackwardFilterAlgorithmEx(h, x_desc_, ops.a, y_desc_, ops.b, conv_desc_,
                                                                              w_desc_, ops.out, n, r, out, ws, ws_bytes);
                     },
                     [&](int n, int* r, cudnnConvolutionBwdFilterAlgoPerf_t* out) {
                         return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, x_desc_, y_desc_, conv_desc_, w_desc_, n, r, out);
                     },
                     [&](cudnnConvolutionBwdFilterAlgo_t algo, size_t* bytes) {
                         return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, x_desc_, y_desc_, conv_desc_, w_desc_, algo, bytes);
                     });
            break;
    }
    return plans_.emplace(key, p).first->second;
}

std::string CudnnNetwork::describe_algorithms() const {
    std::ostringstream out;
    for (const auto& [key, p] : plans_) {
        out << "layer " << std::get<0>(key) << " " << direction_name(std::get<1>(key)) << " batch "
            << std::get<2>(key) << ": algo " << p.algo << " (" << (p.measured ? "measured" : "heuristic")
            << "), math " << p.math << ", workspace " << p.workspace << " B\n";
    }
    return out.str();
}

void CudnnNetwork::set_blas_math() {
    CUBLAS_CHECK(cublasSetMathMode(ctx_.cublas(), precision_ == Precision::kFp32
                                                      ? CUBLAS_DEFAULT_MATH
                                                      : CUBLAS_TF32_TENSOR_OP_MATH));
}

// ---------------------------------------------------------------------------------------------
// Forward

void CudnnNetwork::fc_forward(const LayerInfo& l, const float* x, float* y, int n,
                              const float* w, const float* b) {
    // Row-major y (n x out) = x (n x in) * W^T, W (out x in) row-major. cuBLAS is column-major,
    // where the same memory reads as y' (out x n), x' (in x n), W' (in x out):
    // y' = W'^T * x'. (A spatial input is NCHW, i.e. already flattened in (c, h, w) order.)
    const int in = static_cast<int>(l.in_volume());
    const float one = 1.f, zero = 0.f;
    set_blas_math();
    CUBLAS_CHECK(cublasSgemm(ctx_.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, l.cout, n, in, &one, w, in,
                             x, in, &zero, y, l.cout));
    CUDA_CHECK(launch_bias_act(y, b, n, l.cout, 1, l.relu, ctx_.stream()));
}

int CudnnNetwork::take_arena(int n, int keep, int first) {
    const int count = layer_count();
    if (n <= 0) throw std::invalid_argument("empty batch");
    if (keep < -1 || keep > count) throw std::invalid_argument("keep out of range");
    if (first < -1 || first >= count) throw std::invalid_argument("first layer out of range");
    for (int i = 0; i < count; ++i) {
        if (!uploaded_[i]) throw std::logic_error("layer " + std::to_string(i) + " has no weights uploaded");
    }
    for (int i = first; i < count; ++i) {
        if (volume(i) * n > kMaxElements) {
            throw std::invalid_argument("batch of " + std::to_string(n) +
                                        " is too large for cuDNN's 32-bit tensor sizes; use a smaller batch");
        }
    }
    CUDA_CHECK(cudaSetDevice(ctx_.device()));

    // Layout: kept outputs get their own region; the rest (a prefix) alternate between two
    // scratch regions, since layer i only reads layer i-1. Layers below `first` get no room (their
    // offsets are 0 and never read).
    std::vector<int64_t> offset(static_cast<size_t>(count) + 1, 0);
    int64_t pos = 0, scratch = 0;
    for (int i = first; i < count; ++i) {
        if (kept(i, keep, count)) {
            offset[static_cast<size_t>(i + 1)] = pos;
            pos += align(volume(i) * n);
        } else {
            scratch = std::max(scratch, align(volume(i) * n));
        }
    }
    for (int i = first; i < count; ++i) {
        if (!kept(i, keep, count)) offset[static_cast<size_t>(i + 1)] = pos + ((i + 1) % 2) * scratch;
    }
    const size_t bytes = sizeof(float) * static_cast<size_t>(pos + 2 * scratch);

    // A free arena, the smallest one that fits; else grow the largest free one; else a new one.
    int pick = -1;
    for (size_t a = 0; a < arenas_.size(); ++a) {
        const Arena& ar = *arenas_[a];
        if (ar.in_use) continue;
        if (ar.buffer.bytes() >= bytes && (pick < 0 || ar.buffer.bytes() < arenas_[pick]->buffer.bytes())) pick = static_cast<int>(a);
    }
    if (pick < 0) {
        for (size_t a = 0; a < arenas_.size(); ++a) {
            if (!arenas_[a]->in_use && (pick < 0 || arenas_[a]->buffer.bytes() > arenas_[pick]->buffer.bytes())) pick = static_cast<int>(a);
        }
    }
    if (pick < 0) {
        arenas_.push_back(std::make_unique<Arena>());
        pick = static_cast<int>(arenas_.size()) - 1;
    }
    Arena& a = *arenas_[pick];
    a.buffer.reserve(bytes);
    a.n = n;
    a.keep = keep;
    a.offset = std::move(offset);
    a.in_use = true;
    return pick;
}

void CudnnNetwork::run_layers(Arena& a, int first) {
    cudaStream_t stream = ctx_.stream();
    const int count = layer_count(), n = a.n;
    const float one = 1.f, zero = 0.f;
    for (int i = first; i < count; ++i) {
        const LayerInfo& l = layers_[i];
        const float* x = arena_ptr(a, i - 1);
        float* y = arena_ptr(a, i);
        switch (l.kind) {
            case LayerKind::kConv3x3: {
                const ConvPlan& p = plan(i, Direction::kForward, n, {x, kernel_[i], y});
                workspace_.reserve(p.workspace);
                set_conv_descriptors(i, n, p.math);
                CUDNN_CHECK(cudnnConvolutionForward(
                    ctx_.cudnn(), &one, x_desc_, x, w_desc_, kernel_[i], conv_desc_,
                    static_cast<cudnnConvolutionFwdAlgo_t>(p.algo), workspace_.get(),
                    p.workspace, &zero, y_desc_, y));
                CUDA_CHECK(launch_bias_act(y, bias_[i], n, l.cout,
                                           static_cast<int64_t>(l.out_size) * l.out_size,
                                           l.relu, stream));
                break;
            }
            case LayerKind::kMaxPool2:
                CUDA_CHECK(launch_maxpool2_forward(y, x, n, l.cin, l.in_size, l.in_size, stream));
                break;
            case LayerKind::kGap:
                CUDA_CHECK(launch_gap_forward(y, x, n, l.cin, l.in_size * l.in_size, stream));
                break;
            case LayerKind::kFc:
                fc_forward(l, x, y, n, kernel_[i], bias_[i]);
                break;
        }
    }
    // Surfaces faults of this pass here, and frees the staging buffer for the next call.
    CUDA_CHECK(cudaStreamSynchronize(stream));
}

int CudnnNetwork::run_pass(int n, int keep, const std::function<void(Arena&)>& fill_input) {
    const int pick = take_arena(n, keep);
    Arena& a = *arenas_[pick];
    try {
        fill_input(a);
        run_layers(a);
    } catch (...) {
        a.in_use = false;
        throw;
    }
    return pick;
}

int CudnnNetwork::forward(const float* input, int n, int keep) {
    return run_pass(n, keep, [&](Arena& a) {
        const size_t in_count = static_cast<size_t>(volume(-1) * n);
        if (input != staging_.f()) {
            staging_.reserve(sizeof(float) * in_count);
            std::copy(input, input + in_count, staging_.f());
        }
        CUDA_CHECK(cudaMemcpyAsync(arena_ptr(a, -1), staging_.f(), sizeof(float) * in_count,
                                   cudaMemcpyHostToDevice, ctx_.stream()));
    });
}

int CudnnNetwork::forward_warped(const float* image, const float* fill, const double* affine,
                                 const unsigned char* identity, int n, int keep) {
    return run_pass(n, keep, [&](Arena& a) {
        cudaStream_t stream = ctx_.stream();
        const size_t image_count = static_cast<size_t>(volume(-1));
        warp_image_.reserve(sizeof(float) * image_count);
        warp_fill_.reserve(sizeof(float) * static_cast<size_t>(in_channels_));
        warp_affine_.reserve(sizeof(double) * 6 * static_cast<size_t>(n));
        warp_identity_.reserve(static_cast<size_t>(n));
        // Pageable sources, ordered on the engine's stream: the caller's arrays outlive this call,
        // which ends with run_layers' stream synchronisation.
        CUDA_CHECK(cudaMemcpyAsync(warp_image_.get(), image, sizeof(float) * image_count, cudaMemcpyHostToDevice, stream));
        CUDA_CHECK(cudaMemcpyAsync(warp_fill_.get(), fill, sizeof(float) * in_channels_, cudaMemcpyHostToDevice, stream));
        CUDA_CHECK(cudaMemcpyAsync(warp_affine_.get(), affine, sizeof(double) * 6 * n, cudaMemcpyHostToDevice, stream));
        CUDA_CHECK(cudaMemcpyAsync(warp_identity_.get(), identity, static_cast<size_t>(n), cudaMemcpyHostToDevice, stream));
        CUDA_CHECK(launch_warp_copies(arena_ptr(a, -1), warp_image_.f(), warp_fill_.f(),
                                      static_cast<const double*>(warp_affine_.get()),
                                      static_cast<const unsigned char*>(warp_identity_.get()), n,
                                      in_channels_, in_size_, stream));
    });
}

void CudnnNetwork::forward_from(int from, const float* activations, int n, const HostSink& sink) {
    const int count = layer_count();
    if (from < 0 || from >= count) throw std::invalid_argument("layer " + std::to_string(from) + " out of range");
    if (n <= 0) throw std::invalid_argument("empty batch");
    const int pick = take_arena(n, count, from);
    Arena& a = *arenas_[pick];
    try {
        const size_t in_count = static_cast<size_t>(volume(from) * n);
        if (activations != staging_.f()) {
            staging_.reserve(sizeof(float) * in_count);
            std::copy(activations, activations + in_count, staging_.f());
        }
        CUDA_CHECK(cudaMemcpyAsync(arena_ptr(a, from), staging_.f(), sizeof(float) * in_count,
                                   cudaMemcpyHostToDevice, ctx_.stream()));
        run_layers(a, from + 1);  // ends with a stream synchronisation: staging_ is free again
        to_host(arena_ptr(a, count - 1), static_cast<size_t>(volume(count - 1) * n), 0, sink);
    } catch (...) {
        a.in_use = false;
        throw;
    }
    a.in_use = false;
}

void CudnnNetwork::forward_ablated(int pass, int from, int image, int first, int K, const HostSink& sink) {
    const int count = layer_count();
    Arena& src = arena_for(pass);  // heap-held: stays valid while take_arena adds arenas
    if (from < 0 || from >= count) throw std::invalid_argument("layer " + std::to_string(from) + " out of range");
    if (!kept(from, src.keep, count)) {
        throw std::invalid_argument("the output of layer " + std::to_string(from) + " was not kept by pass " +
                                    std::to_string(pass));
    }
    if (image < 0 || image >= src.n) {
        throw std::invalid_argument("image " + std::to_string(image) + " outside the pass's " + std::to_string(src.n));
    }
    const LayerInfo& l = layers_[from];
    const int C = l.cout;
    const int64_t HW = volume(from) / C;
    if (K <= 0 || first < 0 || static_cast<int64_t>(first) + K > C) {
        throw std::invalid_argument("ablated channels " + std::to_string(first) + ".." + std::to_string(first + K) +
                                    " outside the layer's " + std::to_string(C));
    }
    const int pick = take_arena(K, count, from);
    Arena& a = *arenas_[pick];
    try {
        const float* act = arena_ptr(src, from) + static_cast<int64_t>(image) * volume(from);
        CUDA_CHECK(launch_ablated_copies(arena_ptr(a, from), act, first, K, C, HW, ctx_.stream()));
        run_layers(a, from + 1);
        to_host(arena_ptr(a, count - 1), static_cast<size_t>(volume(count - 1) * K), 0, sink);
    } catch (...) {
        a.in_use = false;
        throw;
    }
    a.in_use = false;
}

void CudnnNetwork::upload_noise(int64_t seed, int samples, const float* noise) {
    if (samples <= 0 || !noise) throw std::invalid_argument("no noise to upload");
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    const size_t count = static_cast<size_t>(volume(-1)) * static_cast<size_t>(samples);
    noise_samples_ = 0;  // invalid until the copy has completed
    noise_.reserve(sizeof(float) * count);
    CUDA_CHECK(cudaMemcpyAsync(noise_.get(), noise, sizeof(float) * count, cudaMemcpyHostToDevice, ctx_.stream()));
    CUDA_CHECK(cudaStreamSynchronize(ctx_.stream()));
    noise_seed_ = seed;
    noise_samples_ = samples;
}

int CudnnNetwork::forward_copies(const CopyJob& job, int keep) {
    const int C = in_channels_, S = in_size_, K = job.count;
    if (!job.image) throw std::invalid_argument("no image");
    if (K <= 0 || job.first < 0) throw std::invalid_argument("no copies");
    // The recipe's own checks, before anything is allocated.
    switch (job.kind) {
        case CopyKind::kScoreCamMasks:
            if (job.act_c <= 0 || job.act_h <= 0 || job.act_w <= 0 ||
                job.values_count != static_cast<int64_t>(job.act_c) * job.act_h * job.act_w || !job.values)
                throw std::invalid_argument("Score-CAM needs the activation (C x h x w)");
            if (job.first + K > job.act_c) throw std::invalid_argument("Score-CAM copies beyond the activation's channels");
            break;
        case CopyKind::kPathPoints:
            if (job.values_count != C || !job.values || !job.alphas)
                throw std::invalid_argument("path points need a baseline per channel and the alphas");
            break;
        case CopyKind::kOccluded: {
            if (job.values_count != C || !job.values) throw std::invalid_argument("occlusion needs a fill value per channel");
            if (job.patch <= 0 || job.stride <= 0 || job.patch > S) throw std::invalid_argument("occlusion patch does not fit the input");
            const int side = (S - job.patch) / job.stride + 1;
            if (job.first + K > side * side) throw std::invalid_argument("occlusion copies beyond the patch positions");
            break;
        }
        case CopyKind::kNoisy:
            if (noise_samples_ == 0 || job.noise_seed != noise_seed_ || job.noise_samples != noise_samples_)
                throw std::invalid_argument("the noise of seed " + std::to_string(job.noise_seed) + " (" +
                                            std::to_string(job.noise_samples) + " samples) is not on the device");
            if (job.first + K > noise_samples_) throw std::invalid_argument("noisy copies beyond the samples");
            break;
        default:
            throw std::invalid_argument("unknown copy kind " + std::to_string(static_cast<int>(job.kind)));
    }
    return run_pass(K, keep, [&](Arena& a) {
        cudaStream_t stream = ctx_.stream();
        const size_t image_count = static_cast<size_t>(volume(-1));
        copy_image_.reserve(sizeof(float) * image_count);
        // Pageable sources, ordered on the engine's stream: the caller's arrays outlive this call,
        // which ends with run_layers' stream synchronisation.
        CUDA_CHECK(cudaMemcpyAsync(copy_image_.get(), job.image, sizeof(float) * image_count, cudaMemcpyHostToDevice, stream));
        if (job.values) {
            copy_values_.reserve(sizeof(float) * static_cast<size_t>(job.values_count));
            CUDA_CHECK(cudaMemcpyAsync(copy_values_.get(), job.values, sizeof(float) * static_cast<size_t>(job.values_count),
                                       cudaMemcpyHostToDevice, stream));
        }
        float* out = arena_ptr(a, -1);
        switch (job.kind) {
            case CopyKind::kScoreCamMasks:
                copy_masks_.reserve(sizeof(float) * static_cast<size_t>(K) * S * S);
                CUDA_CHECK(launch_scorecam_masks(copy_masks_.f(), copy_values_.f(), job.first, K, job.act_c, job.act_h,
                                                 job.act_w, S, job.align_corners, job.eps, stream));
                CUDA_CHECK(launch_masked_copies(out, copy_image_.f(), copy_masks_.f(), K, C, S, stream));
                break;
            case CopyKind::kPathPoints:
                copy_alphas_.reserve(sizeof(double) * static_cast<size_t>(K));
                CUDA_CHECK(cudaMemcpyAsync(copy_alphas_.get(), job.alphas, sizeof(double) * K, cudaMemcpyHostToDevice, stream));
                CUDA_CHECK(launch_path_points(out, copy_image_.f(), copy_values_.f(), static_cast<const double*>(copy_alphas_.get()),
                                              K, C, S, stream));
                break;
            case CopyKind::kOccluded:
                CUDA_CHECK(launch_occlusion_copies(out, copy_image_.f(), copy_values_.f(), job.first, K, C, S, job.patch,
                                                   job.stride, stream));
                break;
            case CopyKind::kNoisy:
                CUDA_CHECK(launch_noisy_copies(out, copy_image_.f(), noise_.f() + static_cast<size_t>(job.first) * image_count,
                                               job.sigma, K, C, S, stream));
                break;
        }
    });
}

float* CudnnNetwork::stage_input(size_t floats) {
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    input_.reserve(sizeof(float) * std::max<size_t>(floats, 1));
    input_floats_ = floats;
    return input_.f();
}

int CudnnNetwork::forward_staged(int n, int keep) {
    if (n <= 0 || static_cast<size_t>(volume(-1) * n) != input_floats_) {
        throw std::invalid_argument("the staged input holds " + std::to_string(input_floats_) + " values, expected " +
                                    std::to_string(volume(-1) * std::max(n, 0)) + " for a batch of " + std::to_string(n));
    }
    return run_pass(n, keep, [&](Arena& a) {
        // From page-locked memory: a true async copy, ordered before the layers on the stream.
        CUDA_CHECK(cudaMemcpyAsync(arena_ptr(a, -1), input_.f(), sizeof(float) * input_floats_,
                                   cudaMemcpyHostToDevice, ctx_.stream()));
    });
}

CudnnNetwork::InputSlot& CudnnNetwork::input_slot(int slot) {
    if (slot < 0 || slot >= kInputSlots) {
        throw std::invalid_argument("input slot " + std::to_string(slot) + " out of range (0.." +
                                    std::to_string(kInputSlots - 1) + ")");
    }
    return slots_[slot];
}

float* CudnnNetwork::stage_slot(int slot, size_t floats) {
    InputSlot& s = input_slot(slot);
    if (floats == 0) throw std::invalid_argument("an input slot needs at least one value");
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    // The host memory may still be the source of this slot's last upload: the caller overwrites it
    // (or reserve reallocates it) only after that copy has completed. Before the first upload the
    // event is empty work and this returns at once.
    CUDA_CHECK(cudaEventSynchronize(s.uploaded.get()));
    s.host.reserve(sizeof(float) * floats);
    s.host_floats = floats;
    s.uploaded_floats = 0;
    return s.host.f();
}

void CudnnNetwork::upload_slot(int slot, int n) {
    InputSlot& s = input_slot(slot);
    const int64_t per = volume(-1);
    if (n <= 0 || static_cast<size_t>(per * n) != s.host_floats) {
        throw std::invalid_argument("input slot " + std::to_string(slot) + " holds " + std::to_string(s.host_floats) +
                                    " values, expected " + std::to_string(per * std::max(n, 0)) + " for a batch of " +
                                    std::to_string(n));
    }
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    const size_t bytes = sizeof(float) * s.host_floats;
    cudaStream_t copy = copy_stream_.get();
    if (s.device.bytes() < bytes) {
        // A reallocation frees the old buffer, which an earlier upload may still be writing and
        // an earlier forward still reading: both must be complete first.
        CUDA_CHECK(cudaEventSynchronize(s.uploaded.get()));
        CUDA_CHECK(cudaEventSynchronize(s.consumed.get()));
        s.device.reserve(bytes);
    }
    // The last forward from this slot must have read the device buffer before it is overwritten.
    CUDA_CHECK(cudaStreamWaitEvent(copy, s.consumed.get(), 0));
    CUDA_CHECK(cudaMemcpyAsync(s.device.get(), s.host.f(), bytes, cudaMemcpyHostToDevice, copy));
    CUDA_CHECK(cudaEventRecord(s.uploaded.get(), copy));
    s.uploaded_floats = s.host_floats;
}

int CudnnNetwork::forward_slot(int slot, int n, int keep) {
    InputSlot& s = input_slot(slot);
    const int64_t per = volume(-1);
    // Without a recorded upload the wait below would be on empty work: refuse instead.
    if (n <= 0 || s.uploaded_floats == 0 || static_cast<size_t>(per * n) != s.uploaded_floats) {
        throw std::invalid_argument("input slot " + std::to_string(slot) + " holds no uploaded batch of " +
                                    std::to_string(n) + " (uploaded: " + std::to_string(s.uploaded_floats) + " values)");
    }
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    return run_pass(n, keep, [&](Arena& a) {
        cudaStream_t stream = ctx_.stream();
        CUDA_CHECK(cudaStreamWaitEvent(stream, s.uploaded.get(), 0));
        CUDA_CHECK(cudaMemcpyAsync(arena_ptr(a, -1), s.device.get(), sizeof(float) * s.uploaded_floats,
                                   cudaMemcpyDeviceToDevice, stream));
        CUDA_CHECK(cudaEventRecord(s.consumed.get(), stream));
    });
}

float* CudnnNetwork::stage(size_t floats) {
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    staging_.reserve(sizeof(float) * std::max<size_t>(floats, 1));
    return staging_.f();
}

void CudnnNetwork::release(int pass) {
    if (pass >= 0 && pass < static_cast<int>(arenas_.size())) arenas_[pass]->in_use = false;
}

void CudnnNetwork::to_host(const float* device, size_t count, int slot, const HostSink& sink) {
    staging_.reserve(sizeof(float) * std::max<size_t>(count, 1));
    CUDA_CHECK(cudaMemcpyAsync(staging_.f(), device, sizeof(float) * count, cudaMemcpyDeviceToHost,
                               ctx_.stream()));
    CUDA_CHECK(cudaStreamSynchronize(ctx_.stream()));
    sink(slot, staging_.f(), count);
}

void CudnnNetwork::output(int pass, int layer, const HostSink& sink) {
    Arena& a = arena_for(pass);
    if (layer < -1 || layer >= layer_count()) throw std::invalid_argument("layer out of range");
    if (!kept(layer, a.keep, layer_count())) {
        throw std::invalid_argument("the output of layer " + std::to_string(layer) + " was not kept");
    }
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    to_host(arena_ptr(a, layer), static_cast<size_t>(volume(layer) * a.n), 0, sink);
}

// ---------------------------------------------------------------------------------------------
// Backward

void CudnnNetwork::backward(int pass, const float* seeds, int m, const int* image_of, int stop,
                            ReluRule rule, const std::vector<int>& capture,
                            const std::vector<int>& weight_layers, const HostSink& sink,
                            const DeviceCapture* keep) {
    Arena& a = arena_for(pass);
    const int count = layer_count();
    const int n = a.n;
    if (m <= 0) throw std::invalid_argument("no seeds");
    if (stop < -1 || stop >= count) throw std::invalid_argument("stop layer out of range");
    if (stop < a.keep) throw std::invalid_argument("backward below the kept layers");
    bool identity = m == n;
    for (int r = 0; r < m; ++r) {
        if (image_of[r] < 0 || image_of[r] >= n) throw std::invalid_argument("image_of entry outside the batch");
        identity = identity && image_of[r] == r;
    }
    for (int c : capture) {
        if (c < stop || c >= count) throw std::invalid_argument("capture layer below stop or out of range");
    }
    for (int w : weight_layers) {
        if (w <= stop || w >= count || layers_[w].kernel_count() == 0)
            throw std::invalid_argument("bad weight-gradient layer " + std::to_string(w));
        if (!kept(w - 1, a.keep, count)) throw std::invalid_argument("weight gradients need the layer's input kept");
    }
    for (int i = stop; i < count; ++i) {
        if (volume(i) * m > kMaxElements) throw std::invalid_argument("too many seeds for one backward pass; split them");
    }
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    cudaStream_t stream = ctx_.stream();
    const float one = 1.f, zero = 0.f;

    // Only the layers this pass traverses: the gradients w.r.t. the outputs of layers stop ..
    // count-1 (stop = -1: the input). A backward that stops at block5 needs ~1/16 of what the
    // block1 layers would (2 x 822 MB at a batch of 64).
    int64_t max_volume = 0;
    for (int i = stop; i < count; ++i) max_volume = std::max(max_volume, volume(i));
    for (auto& g : grad_) g.reserve(sizeof(float) * static_cast<size_t>(max_volume * m));
    const int classes = layers_.back().cout;
    staging_.reserve(sizeof(float) * static_cast<size_t>(m) * classes);
    staging_index_.reserve(sizeof(int) * static_cast<size_t>(m));
    std::copy(seeds, seeds + static_cast<size_t>(m) * classes, staging_.f());
    std::copy(image_of, image_of + m, staging_index_.i());
    image_of_.reserve(sizeof(int) * static_cast<size_t>(m));
    CUDA_CHECK(cudaMemcpyAsync(grad_[0].get(), staging_.f(), sizeof(float) * m * classes,
                               cudaMemcpyHostToDevice, stream));
    CUDA_CHECK(cudaMemcpyAsync(image_of_.get(), staging_index_.i(), sizeof(int) * m,
                               cudaMemcpyHostToDevice, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));  // staging is reused by the copies back
    const int* rows = identity ? nullptr : static_cast<const int*>(image_of_.get());

    if (keep && (keep->layer < stop || keep->layer >= count || !keep->into)) {
        throw std::invalid_argument("device capture layer below stop or out of range");
    }
    // The gradient at `layer` also stays on the device (keep), for the explanation kernels.
    auto keep_on_device = [&](int layer, const float* g) {
        if (!keep || keep->layer != layer) return;
        const size_t count = static_cast<size_t>(volume(layer) * m);
        keep->into->reserve(sizeof(float) * count);
        CUDA_CHECK(cudaMemcpyAsync(keep->into->get(), g, sizeof(float) * count, cudaMemcpyDeviceToDevice, stream));
    };
    auto captured = [&](int layer) {
        const auto it = std::find(capture.begin(), capture.end(), layer);
        return it == capture.end() ? -1 : static_cast<int>(it - capture.begin());
    };

    int cur = 0;
    bool relu_done = false;  // the fused pool backward below already applied layer i's rule
    for (int i = count - 1;; --i) {
        const LayerInfo& l = layers_[i];
        float* g = grad_[cur].f();
        float* next = grad_[1 - cur].f();
        if (!relu_done) {
            // g is the gradient w.r.t. layer i's output (after its ReLU).
            const int slot = captured(i);
            if (slot >= 0) to_host(g, static_cast<size_t>(l.out_volume() * m), slot, sink);
            keep_on_device(i, g);
            if (i == stop) break;
            if (l.relu) {
                CUDA_CHECK(launch_relu_backward(g, g, arena_ptr(a, i), rows, m, l.out_volume(),
                                                rule, stream));
            }
        }
        relu_done = false;
        // g is now the gradient w.r.t. layer i's pre-activation output.
        const float* x = arena_ptr(a, i - 1);  // layer i's input (kept where needed)
        const auto wpos = std::find(weight_layers.begin(), weight_layers.end(), i);
        if (wpos != weight_layers.end()) {
            const int slot = 1000 + 2 * static_cast<int>(wpos - weight_layers.begin());
            const float* xs = x;
            if (rows) {
                gathered_.reserve(sizeof(float) * static_cast<size_t>(l.in_volume() * m));
                CUDA_CHECK(launch_gather_rows(gathered_.f(), x, rows, m, l.in_volume(), stream));
                xs = gathered_.f();
            }
            wgrad_.reserve(sizeof(float) * static_cast<size_t>(l.kernel_count() + l.bias_count()));
            float* dk = wgrad_.f();
            float* db = dk + l.kernel_count();
            if (l.kind == LayerKind::kConv3x3) {
                const ConvPlan& p = plan(i, Direction::kBackwardFilter, m, {xs, g, dk});
                workspace_.reserve(p.workspace);
                set_conv_descriptors(i, m, p.math);
                CUDNN_CHECK(cudnnConvolutionBackwardFilter(
                    ctx_.cudnn(), &one, x_desc_, xs, y_desc_, g, conv_desc_,
                    static_cast<cudnnConvolutionBwdFilterAlgo_t>(p.algo), workspace_.get(),
                    p.workspace, &zero, w_desc_, dk));
                if (l.has_bias) {
                    CUDNN_CHECK(cudnnConvolutionBackwardBias(ctx_.cudnn(), &one, y_desc_, g, &zero,
                                                             bias_desc_, db));
                }
            } else {
                const int in = static_cast<int>(l.in_volume());
                set_blas_math();
                // dW^T (in x out, column-major) = x^T (in x m) * g (m x out)
                CUBLAS_CHECK(cublasSgemm(ctx_.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, in, l.cout, m,
                                         &one, xs, in, g, l.cout, &zero, dk, in));
                if (l.has_bias) {
                    ones_.reserve(sizeof(float) * static_cast<size_t>(m));
                    CUDA_CHECK(launch_fill(ones_.f(), m, 1.f, stream));
                    CUBLAS_CHECK(cublasSgemv(ctx_.cublas(), CUBLAS_OP_N, l.cout, m, &one, g,
                                             l.cout, ones_.f(), 1, &zero, db, 1));
                }
            }
            to_host(dk, static_cast<size_t>(l.kernel_count()), slot, sink);
            if (l.has_bias) to_host(db, static_cast<size_t>(l.bias_count()), slot + 1, sink);
        }

        // Gradient w.r.t. layer i's input, into `next`.
        switch (l.kind) {
            case LayerKind::kConv3x3: {
                const ConvPlan& p = plan(i, Direction::kBackwardData, m, {kernel_[i], g, next});
                workspace_.reserve(p.workspace);
                set_conv_descriptors(i, m, p.math);
                CUDNN_CHECK(cudnnConvolutionBackwardData(
                    ctx_.cudnn(), &one, w_desc_, kernel_[i], y_desc_, g, conv_desc_,
                    static_cast<cudnnConvolutionBwdDataAlgo_t>(p.algo), workspace_.get(),
                    p.workspace, &zero, x_desc_, next));
                break;
            }
            case LayerKind::kMaxPool2: {
                // Fuse the routing with the ReLU rule of the conv below when nobody needs the
                // gradient at that conv's output.
                const bool below_relu = i > 0 && layers_[i - 1].relu;
                const bool fuse = below_relu && captured(i - 1) < 0 && i - 1 != stop &&
                                  !(keep && keep->layer == i - 1);
                if (fuse) {
                    CUDA_CHECK(launch_relu_maxpool_backward(next, g, x, rows, m, l.cin, l.in_size,
                                                            l.in_size, rule, stream));
                    relu_done = true;
                } else {
                    CUDA_CHECK(launch_maxpool2_backward(next, g, x, rows, m, l.cin, l.in_size,
                                                        l.in_size, stream));
                }
                break;
            }
            case LayerKind::kGap:
                CUDA_CHECK(launch_gap_backward(next, g, m, l.cin, l.in_size * l.in_size, stream));
                break;
            case LayerKind::kFc: {
                const int in = static_cast<int>(l.in_volume());
                set_blas_math();
                // dx^T (in x m) = W^T (in x out) * g^T (out x m), all column-major views
                CUBLAS_CHECK(cublasSgemm(ctx_.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, in, m, l.cout,
                                         &one, kernel_[i], in, g, l.cout, &zero, next, in));
                break;
            }
        }
        cur = 1 - cur;
        if (i == 0) {
            const int slot = captured(-1);
            if (slot >= 0) to_host(grad_[cur].f(), static_cast<size_t>(volume(-1) * m), slot, sink);
            keep_on_device(-1, grad_[cur].f());
            break;
        }
    }
    CUDA_CHECK(cudaStreamSynchronize(stream));
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The CAM-family step (see cudnn_network.h)

void CudnnNetwork::cam_maps(int pass, const CamJob& job, const HostSink& sink) {
    Arena& a = arena_for(pass);
    const int count = layer_count();
    if (job.layer < 0 || job.layer >= count) throw std::invalid_argument("target layer out of range");
    const LayerInfo& l = layers_[job.layer];
    if (l.kind != LayerKind::kConv3x3 && l.kind != LayerKind::kMaxPool2)
        throw std::invalid_argument("the target layer must be a convolution or a max-pool");
    if (job.layer < a.keep) throw std::invalid_argument("the target layer's output was not kept by this pass");
    const int M = job.m, C = l.cout, h = l.out_size, S = job.out_size;
    const int HW = h * h;
    const int64_t SS = static_cast<int64_t>(S) * S;
    if (M <= 0 || (job.kinds.empty() && job.raw_rules.empty())) throw std::invalid_argument("nothing to compute");
    if (S <= 0) throw std::invalid_argument("output size must be positive");
    const int n = a.n;
    for (int r = 0; r < M; ++r) {
        if (job.image_of[r] < 0 || job.image_of[r] >= n) throw std::invalid_argument("image_of entry outside the batch");
    }
    bool wants_cam = false, wants_gradient_maps = false, raw_gradient = false;
    for (CamKind k : job.kinds) {
        if (static_cast<int>(k) < 0 || static_cast<int>(k) > 7) throw std::invalid_argument("unknown CAM kind");
        (k == CamKind::kCam ? wants_cam : wants_gradient_maps) = true;
    }
    if (wants_cam && !job.cam_weights) throw std::invalid_argument("CAM needs its channel weights");
    for (ReluRule r : job.raw_rules) raw_gradient = raw_gradient || r == ReluRule::kGradient;
    for (int p : job.products) {
        if (p < 0 || p >= static_cast<int>(job.kinds.size())) throw std::invalid_argument("product of an unknown map");
    }
    if (!job.products.empty() && S != in_size_) throw std::invalid_argument("guided products need maps at the input size");
    CUDA_CHECK(cudaSetDevice(ctx_.device()));
    cudaStream_t stream = ctx_.stream();
    const int K = static_cast<int>(job.kinds.size()), R = static_cast<int>(job.raw_rules.size());
    const int64_t input_volume = volume(-1);

    // Input gradients go to the host through the sink under their slot; the guided one (for the
    // products) also stays on the device.
    auto input_sink = [&](ReluRule rule) -> HostSink {
        return [&, rule](int, const float* data, size_t cnt) {
            for (int r = 0; r < R; ++r) {
                if (job.raw_rules[r] == rule) sink(4 * K + r, data, cnt);
            }
        };
    };
    auto raw_wanted = [&](ReluRule rule) {
        return std::find(job.raw_rules.begin(), job.raw_rules.end(), rule) != job.raw_rules.end();
    };

    // 1. One GRADIENT-rule backward: the target layer's gradient stays on the device.
    if (wants_gradient_maps || raw_gradient) {
        const DeviceCapture keep{job.layer, &cam_grad_};
        const std::vector<int> capture = raw_gradient ? std::vector<int>{-1} : std::vector<int>{};
        backward(pass, job.seeds, M, job.image_of, raw_gradient ? -1 : job.layer, ReluRule::kGradient, capture, {},
                 input_sink(ReluRule::kGradient), wants_gradient_maps ? &keep : nullptr);
    }

    // 2. The seed rows' images, for the kernels' gathers (nullptr: identity).
    bool identity = M == n;
    for (int r = 0; r < M; ++r) identity = identity && job.image_of[r] == r;
    const int* rows = nullptr;
    if (!identity) {
        staging_index_.reserve(sizeof(int) * static_cast<size_t>(M));
        std::copy(job.image_of, job.image_of + M, staging_index_.i());
        cam_rows_.reserve(sizeof(int) * static_cast<size_t>(M));
        CUDA_CHECK(cudaMemcpyAsync(cam_rows_.get(), staging_index_.i(), sizeof(int) * M, cudaMemcpyHostToDevice, stream));
        CUDA_CHECK(cudaStreamSynchronize(stream));  // staging is reused below
        rows = static_cast<const int*>(cam_rows_.get());
    }

    // 3. Every method: weights, layer maps, then upsampled and max-normalised maps (kept on the
    // device for the products).
    const float* act = arena_ptr(a, job.layer);
    const float* g = cam_grad_.f();
    cam_weights_.reserve(sizeof(float) * static_cast<size_t>(M) * C);
    cam_layer_.reserve(sizeof(float) * static_cast<size_t>(M) * HW);
    cam_norm_.reserve(sizeof(float) * static_cast<size_t>(K) * M * SS);
    cam_max_.reserve(sizeof(float) * static_cast<size_t>(M));
    float* w = cam_weights_.f();
    float* map = cam_layer_.f();
    for (int k = 0; k < K; ++k) {
        const CamKind kind = job.kinds[k];
        bool has_weights = true;
        switch (kind) {
            case CamKind::kGradCam:
            case CamKind::kCounterfactual:
                CUDA_CHECK(launch_gradcam_weights(w, g, M, C, HW, stream));
                if (kind == CamKind::kCounterfactual) {  // the weights of -g: an exact sign flip
                    const float minus_one = -1.f;
                    CUBLAS_CHECK(cublasSscal(ctx_.cublas(), M * C, &minus_one, w, 1));
                }
                break;
            case CamKind::kGradCamPlusPlus:
            case CamKind::kGradCamPlusPlusOfficial:
                CUDA_CHECK(launch_gradcampp_weights(
                    w, nullptr, g, act, rows, M, C, HW,
                    kind == CamKind::kGradCamPlusPlus ? GradCamPlusPlusForm::kDefault : GradCamPlusPlusForm::kOfficial,
                    job.gradcampp_eps, stream));
                break;
            case CamKind::kXGradCam:
                CUDA_CHECK(launch_xgradcam_weights(w, g, act, rows, M, C, HW, job.xgradcam_eps, stream));
                break;
            case CamKind::kCam:
                staging_.reserve(sizeof(float) * static_cast<size_t>(M) * C);
                std::copy(job.cam_weights, job.cam_weights + static_cast<size_t>(M) * C, staging_.f());
                CUDA_CHECK(cudaMemcpyAsync(w, staging_.f(), sizeof(float) * M * C, cudaMemcpyHostToDevice, stream));
                CUDA_CHECK(cudaStreamSynchronize(stream));
                break;
            case CamKind::kHiResCam:
            case CamKind::kLayerCam:
                has_weights = false;
                CUDA_CHECK(launch_cam_elementwise(map, g, act, rows, M, C, HW,
                                                  kind == CamKind::kHiResCam ? ElementwiseCam::kHiResCam
                                                                             : ElementwiseCam::kLayerCam,
                                                  stream));
                break;
        }
        if (has_weights) {
            CUDA_CHECK(launch_cam_weighted_sum(map, w, act, rows, M, C, HW, kind != CamKind::kCam, stream));
            to_host(w, static_cast<size_t>(M) * C, 4 * k, sink);
        }
        to_host(map, static_cast<size_t>(M) * HW, 4 * k + 1, sink);
        float* norm = cam_norm_.f() + static_cast<size_t>(k) * M * SS;
        CUDA_CHECK(launch_upsample_bilinear(norm, map, M, h, h, S, S, stream));
        CUDA_CHECK(launch_normalise_by_max(norm, cam_max_.f(), norm, M, SS, stream));
        to_host(norm, static_cast<size_t>(M * SS), 4 * k + 2, sink);
        to_host(cam_max_.f(), static_cast<size_t>(M), 4 * k + 3, sink);
    }

    // 4. Input gradients of the other rules; the guided one stays on the device for the products.
    const bool products = !job.products.empty();
    for (ReluRule rule : {ReluRule::kGuided, ReluRule::kDeconvnet}) {
        const bool guided_kept = products && rule == ReluRule::kGuided;
        if (!raw_wanted(rule) && !guided_kept) continue;
        const DeviceCapture keep{-1, &cam_input_grad_};
        const std::vector<int> capture = raw_wanted(rule) ? std::vector<int>{-1} : std::vector<int>{};
        backward(pass, job.seeds, M, job.image_of, -1, rule, capture, {}, input_sink(rule),
                 guided_kept ? &keep : nullptr);
    }

    // 5. Guided products: the guided gradient times each requested normalised map.
    if (products) {
        cam_product_.reserve(sizeof(float) * static_cast<size_t>(M * input_volume));
        for (size_t j = 0; j < job.products.size(); ++j) {
            const float* norm = cam_norm_.f() + static_cast<size_t>(job.products[j]) * M * SS;
            CUDA_CHECK(launch_guided_product(cam_product_.f(), cam_input_grad_.f(), norm, M, in_channels_, SS, stream));
            to_host(cam_product_.f(), static_cast<size_t>(M * input_volume), 4 * K + R + static_cast<int>(j), sink);
        }
    }
    CUDA_CHECK(cudaStreamSynchronize(stream));
}

MemoryStats CudnnNetwork::memory() const {
    MemoryStats s;
    s.parameters = params_.bytes();
    for (const auto& a : arenas_) s.arenas += a->buffer.bytes();
    s.scratch = grad_[0].bytes() + grad_[1].bytes() + gathered_.bytes() + ones_.bytes() +
                image_of_.bytes() + wgrad_.bytes() + warp_image_.bytes() + warp_fill_.bytes() +
                warp_affine_.bytes() + warp_identity_.bytes() + copy_image_.bytes() + copy_values_.bytes() +
                copy_alphas_.bytes() + copy_masks_.bytes() + noise_.bytes() + cam_grad_.bytes() + cam_input_grad_.bytes() +
                cam_rows_.bytes() + cam_weights_.bytes() + cam_layer_.bytes() + cam_norm_.bytes() +
                cam_max_.bytes() + cam_product_.bytes();
    for (const InputSlot& slot : slots_) s.scratch += slot.device.bytes();
    s.workspace = workspace_.bytes();
    (void)cudaSetDevice(ctx_.device());
    (void)cudaMemGetInfo(&s.device_free, &s.device_total);
    return s;
}

}  // namespace gradcam4j
