// ReLU backward kernels (gradient / guided / deconvnet) and the fused ReLU + max-pool backward.
//
// Both are pure streaming kernels (a few flops per 8-12 bytes), so the only goals are full
// coalescing and wide transactions: one float4 per thread, 256 threads per block, one block per
// 1024 elements, no grid-stride loop (the largest case, 64 x 64 x 224 x 224 = 205M floats, is
// 200k blocks, far below the 2^31 - 1 limit of gridDim.x). The rule is a template parameter so
// the inner code is branch-free selects.
#include "relu_backward.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kReluThreads = 256;

template <ReluRule kRule>
__device__ __forceinline__ float apply_rule(float r, float y) {
    if constexpr (kRule == ReluRule::kGradient) {
        return y > 0.f ? r : 0.f;
    } else if constexpr (kRule == ReluRule::kGuided) {
        return (y > 0.f && r > 0.f) ? r : 0.f;
    } else {
        (void)y;
        return r > 0.f ? r : 0.f;
    }
}

// Index of element e of the gradient in the forward tensor.
__device__ __forceinline__ int64_t forward_index(int64_t e, const int* image_of,
                                                 int64_t per_image) {
    if (!image_of) return e;
    const int64_t m = e / per_image;
    return static_cast<int64_t>(image_of[m]) * per_image + (e - m * per_image);
}

// Vector kernel: element groups [4v, 4v+4) for v < n_vec, then the `tail` (< 4) last elements
// starting at 4 * n_vec, handled by the first threads of the grid. No __restrict__ on grad_in /
// grad_out: they may alias (in-place).
template <ReluRule kRule>
__global__ void __launch_bounds__(kReluThreads)
relu_backward_vec4_kernel(float* grad_in,                     // M x per_image
                          const float* grad_out,              // M x per_image
                          const float* __restrict__ relu_out, // N x per_image
                          const int* __restrict__ image_of,   // M or nullptr
                          int64_t per_image, int64_t n_vec, int tail) {
    const int64_t v = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (v < n_vec) {
        const float4 r = reinterpret_cast<const float4*>(grad_out)[v];
        float4 y = make_float4(0.f, 0.f, 0.f, 0.f);
        if constexpr (kRule != ReluRule::kDeconvnet) {
            // per_image % 4 == 0 when image_of is set, so the 4 elements share one image row and
            // the forward address stays 16-byte aligned.
            y = *reinterpret_cast<const float4*>(relu_out + forward_index(4 * v, image_of,
                                                                          per_image));
        }
        float4 out;
        out.x = apply_rule<kRule>(r.x, y.x);
        out.y = apply_rule<kRule>(r.y, y.y);
        out.z = apply_rule<kRule>(r.z, y.z);
        out.w = apply_rule<kRule>(r.w, y.w);
        reinterpret_cast<float4*>(grad_in)[v] = out;
    }
    if (v < tail) {
        const int64_t e = 4 * n_vec + v;
        const float y = kRule == ReluRule::kDeconvnet ? 0.f
                                                      : relu_out[forward_index(e, image_of,
                                                                               per_image)];
        grad_in[e] = apply_rule<kRule>(grad_out[e], y);
    }
}

template <ReluRule kRule>
__global__ void __launch_bounds__(kReluThreads)
relu_backward_scalar_kernel(float* grad_in,                     // M x per_image
                            const float* grad_out,              // M x per_image
                            const float* __restrict__ relu_out, // N x per_image
                            const int* __restrict__ image_of,   // M or nullptr
                            int64_t per_image, int64_t total) {
    const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= total) return;
    const float y = kRule == ReluRule::kDeconvnet ? 0.f
                                                  : relu_out[forward_index(e, image_of,
                                                                           per_image)];
    grad_in[e] = apply_rule<kRule>(grad_out[e], y);
}

// One thread per element of grad_in (M x C x H x W): it re-derives its window's argmax from the
// four forward values (neighbouring threads read the same 16 bytes, served by L1), so no index
// tensor from the forward pass is needed and odd H / W need no special launch.
template <ReluRule kRule>
__global__ void __launch_bounds__(kReluThreads)
relu_maxpool_backward_kernel(float* __restrict__ grad_in,          // M x C x H x W
                             const float* __restrict__ grad_pool,  // M x C x Hp x Wp
                             const float* __restrict__ relu_out,   // N x C x H x W
                             const int* __restrict__ image_of,     // M or nullptr
                             int C, int H, int W, int64_t total) {
    const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= total) return;
    const int Hp = H / 2, Wp = W / 2;
    const int x = static_cast<int>(e % W);
    int64_t t = e / W;
    const int yy = static_cast<int>(t % H);
    t /= H;  // t = m * C + c
    const int c = static_cast<int>(t % C);
    const int m = static_cast<int>(t / C);
    const int py = yy / 2, px = x / 2;
    float out = 0.f;
    if (py < Hp && px < Wp) {
        const int n = image_of ? image_of[m] : m;
        const float* win = relu_out + ((static_cast<int64_t>(n) * C + c) * H + 2 * py) * W + 2 * px;
        // Scalar compares, no indexed array: a dynamically indexed float[4] would live in
        // local memory.
        int best = 0;
        float y_best = win[0];
        if (win[1] > y_best) { best = 1; y_best = win[1]; }
        if (win[W] > y_best) { best = 2; y_best = win[W]; }
        if (win[W + 1] > y_best) { best = 3; y_best = win[W + 1]; }
        const int mine = (yy - 2 * py) * 2 + (x - 2 * px);
        if (mine == best) {  // this element is the argmax, so its forward value is y_best
            const float r = grad_pool[(t * Hp + py) * Wp + px];
            out = apply_rule<kRule>(r, y_best);
        }
    }
    grad_in[e] = out;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

template <ReluRule kRule>
void relu_backward_dispatch(float* grad_in, const float* grad_out, const float* relu_out,
                            const int* image_of, int64_t per_image, int64_t total,
                            cudaStream_t stream) {
    const bool forward_ok = kRule == ReluRule::kDeconvnet || aligned16(relu_out);
    const bool rows_ok = !image_of || per_image % 4 == 0;
    if (aligned16(grad_in) && aligned16(grad_out) && forward_ok && rows_ok) {
        const int64_t n_vec = total / 4;
        const int tail = static_cast<int>(total % 4);
        const int64_t threads = n_vec > tail ? n_vec : tail;
        const auto blocks = static_cast<unsigned>(detail::blocks_for(threads, kReluThreads));
        relu_backward_vec4_kernel<kRule><<<blocks, kReluThreads, 0, stream>>>(
            grad_in, grad_out, relu_out, image_of, per_image, n_vec, tail);
    } else {
        const auto blocks = static_cast<unsigned>(detail::blocks_for(total, kReluThreads));
        relu_backward_scalar_kernel<kRule><<<blocks, kReluThreads, 0, stream>>>(
            grad_in, grad_out, relu_out, image_of, per_image, total);
    }
}

}  // namespace

cudaError_t launch_relu_backward(float* grad_in, const float* grad_out, const float* relu_out,
                                 const int* image_of, int M, int64_t per_image, ReluRule rule,
                                 cudaStream_t stream) {
    if (M < 0 || per_image < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(M) * per_image;
    if (total == 0) return cudaSuccess;
    if (detail::blocks_for(total, kReluThreads) > detail::kMaxGridX) return cudaErrorInvalidValue;
    if (!grad_in || !grad_out) return cudaErrorInvalidValue;
    if (rule != ReluRule::kDeconvnet && !relu_out) return cudaErrorInvalidValue;
    switch (rule) {
        case ReluRule::kGradient:
            relu_backward_dispatch<ReluRule::kGradient>(grad_in, grad_out, relu_out, image_of,
                                                        per_image, total, stream);
            break;
        case ReluRule::kGuided:
            relu_backward_dispatch<ReluRule::kGuided>(grad_in, grad_out, relu_out, image_of,
                                                      per_image, total, stream);
            break;
        case ReluRule::kDeconvnet:
            relu_backward_dispatch<ReluRule::kDeconvnet>(grad_in, grad_out, relu_out, image_of,
                                                         per_image, total, stream);
            break;
        default:
            return cudaErrorInvalidValue;
    }
    return detail::launch_status();
}

cudaError_t launch_relu_maxpool_backward(float* grad_in, const float* grad_pool,
                                         const float* relu_out, const int* image_of, int M, int C,
                                         int H, int W, ReluRule rule, cudaStream_t stream) {
    if (M < 0 || C < 0 || H < 0 || W < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(M) * C * H * W;
    if (total == 0) return cudaSuccess;
    if (detail::blocks_for(total, kReluThreads) > detail::kMaxGridX) return cudaErrorInvalidValue;
    if (!grad_in || !relu_out || (H >= 2 && W >= 2 && !grad_pool)) return cudaErrorInvalidValue;
    const auto blocks = static_cast<unsigned>(detail::blocks_for(total, kReluThreads));
    switch (rule) {
        case ReluRule::kGradient:
            relu_maxpool_backward_kernel<ReluRule::kGradient><<<blocks, kReluThreads, 0, stream>>>(
                grad_in, grad_pool, relu_out, image_of, C, H, W, total);
            break;
        case ReluRule::kGuided:
            relu_maxpool_backward_kernel<ReluRule::kGuided><<<blocks, kReluThreads, 0, stream>>>(
                grad_in, grad_pool, relu_out, image_of, C, H, W, total);
            break;
        case ReluRule::kDeconvnet:
            relu_maxpool_backward_kernel<ReluRule::kDeconvnet>
                <<<blocks, kReluThreads, 0, stream>>>(grad_in, grad_pool, relu_out, image_of, C,
                                                      H, W, total);
            break;
        default:
            return cudaErrorInvalidValue;
    }
    return detail::launch_status();
}

}  // namespace gradcam4j
