// Layer kernels of the cuDNN engine; see engine_ops.cuh for the contracts.
//
// All are memory-bound one-pass kernels: grid-stride loops over the output elements, one thread
// per output value, 64-bit indices (a batch of 256 VGG16 block1 outputs is 822M floats).
#include "engine_ops.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kThreads = 256;

inline unsigned grid_for(int64_t work) { return detail::stride_grid(work, kThreads); }

// Spatial layers: a 2-D grid, x over the positions of a plane, y over the (n, c) planes, so the
// channel is one modulo per plane rather than a 64-bit division and modulo per element.
__global__ void bias_act_planes_kernel(float* __restrict__ y, const float* __restrict__ bias,
                                       int C, int64_t inner, int64_t planes, bool relu) {
    for (int64_t plane = blockIdx.y; plane < planes; plane += gridDim.y) {
        const float b = bias ? bias[plane % C] : 0.f;
        float* row = y + plane * inner;
        for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < inner;
             i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
            const float v = row[i] + b;
            row[i] = relu ? fmaxf(v, 0.f) : v;
        }
    }
}

// fc layers (inner = 1, N x C values): the channel of element i is i % C, in 32 bits (an fc
// output is far below 2^31 values; the launcher checks).
__global__ void bias_act_rows_kernel(float* __restrict__ y, const float* __restrict__ bias,
                                     int C, int total, bool relu) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        const float v = y[i] + (bias ? bias[i % C] : 0.f);
        y[i] = relu ? fmaxf(v, 0.f) : v;
    }
}

__global__ void maxpool2_forward_kernel(float* __restrict__ out, const float* __restrict__ in,
                                        int H, int W, int Ho, int Wo, int64_t total) {
    for (int64_t o = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; o < total;
         o += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int x = static_cast<int>(o % Wo);
        const int y = static_cast<int>((o / Wo) % Ho);
        const int64_t plane = o / (static_cast<int64_t>(Wo) * Ho);
        const float* p = in + plane * H * W + static_cast<int64_t>(2 * y) * W + 2 * x;
        // Same comparisons as the backward kernel (strict '>' in window order), so the value
        // here is the one whose position backward routes to.
        float m = p[0];
        if (p[1] > m) m = p[1];
        if (p[W] > m) m = p[W];
        if (p[W + 1] > m) m = p[W + 1];
        out[o] = m;
    }
}

// One thread per INPUT element: each writes its own gradient (routed value or 0), so grad_in
// needs no memset and there are no write conflicts.
__global__ void maxpool2_backward_kernel(float* __restrict__ grad_in,
                                         const float* __restrict__ grad_out,
                                         const float* __restrict__ in,
                                         const int* __restrict__ image_of, int C, int H, int W,
                                         int Ho, int Wo, int64_t total) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int x = static_cast<int>(e % W);
        const int y = static_cast<int>((e / W) % H);
        const int64_t mc = e / (static_cast<int64_t>(W) * H);  // m * C + c
        const int c = static_cast<int>(mc % C);
        const int m = static_cast<int>(mc / C);
        const int py = y / 2, px = x / 2;
        float g = 0.f;
        if (py < Ho && px < Wo) {
            const int n = image_of ? image_of[m] : m;
            const float* p = in + (static_cast<int64_t>(n) * C + c) * H * W +
                             static_cast<int64_t>(2 * py) * W + 2 * px;
            int arg = 0;
            float best = p[0];
            if (p[1] > best) { best = p[1]; arg = 1; }
            if (p[W] > best) { best = p[W]; arg = 2; }
            if (p[W + 1] > best) { arg = 3; }
            const int mine = (y - 2 * py) * 2 + (x - 2 * px);
            if (arg == mine) g = grad_out[mc * Ho * Wo + static_cast<int64_t>(py) * Wo + px];
        }
        grad_in[e] = g;
    }
}

// One warp per (n, c) plane, lanes striding over HW.
__global__ void gap_forward_kernel(float* __restrict__ out, const float* __restrict__ in,
                                   int64_t planes, int HW, float inv_hw) {
    const int64_t warps_per_grid = static_cast<int64_t>(gridDim.x) * (blockDim.x / detail::kWarpSize);
    const int lane = threadIdx.x % detail::kWarpSize;
    for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x / detail::kWarpSize) +
                     threadIdx.x / detail::kWarpSize;
         p < planes; p += warps_per_grid) {
        const float* s = in + p * HW;
        float acc = 0.f;
        for (int i = lane; i < HW; i += detail::kWarpSize) acc += s[i];
        acc = detail::warp_sum(acc);
        if (lane == 0) out[p] = acc * inv_hw;
    }
}

__global__ void gap_backward_kernel(float* __restrict__ grad_in, const float* __restrict__ grad_out,
                                    int HW, float inv_hw, int64_t total) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        grad_in[e] = grad_out[e / HW] * inv_hw;
    }
}

__global__ void gather_rows_kernel(float* __restrict__ out, const float* __restrict__ in,
                                   const int* __restrict__ image_of, int64_t per_row,
                                   int64_t total) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t m = e / per_row;
        out[e] = in[static_cast<int64_t>(image_of[m]) * per_row + (e - m * per_row)];
    }
}

__global__ void fill_kernel(float* __restrict__ p, int64_t n, float value) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        p[e] = value;
    }
}

}  // namespace

cudaError_t launch_bias_act(float* y, const float* bias, int N, int C, int64_t inner, bool relu,
                            cudaStream_t stream) {
    if (N < 0 || C < 0 || inner < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(N) * C * inner;
    if (total == 0) return cudaSuccess;
    if (!y) return cudaErrorInvalidValue;
    if (!bias && !relu) return cudaSuccess;
    if (inner == 1 && total <= INT32_MAX) {
        bias_act_rows_kernel<<<grid_for(total), kThreads, 0, stream>>>(y, bias, C,
                                                                       static_cast<int>(total), relu);
    } else {
        const int64_t planes = static_cast<int64_t>(N) * C;
        const dim3 grid(grid_for(inner), detail::grid_y(planes));
        bias_act_planes_kernel<<<grid, kThreads, 0, stream>>>(y, bias, C, inner, planes, relu);
    }
    return detail::launch_status();
}

cudaError_t launch_maxpool2_forward(float* out, const float* in, int N, int C, int H, int W,
                                    cudaStream_t stream) {
    if (N < 0 || C < 0 || H < 0 || W < 0) return cudaErrorInvalidValue;
    const int Ho = H / 2, Wo = W / 2;
    const int64_t total = static_cast<int64_t>(N) * C * Ho * Wo;
    if (total == 0) return cudaSuccess;
    if (!out || !in) return cudaErrorInvalidValue;
    maxpool2_forward_kernel<<<grid_for(total), kThreads, 0, stream>>>(out, in, H, W, Ho, Wo,
                                                                      total);
    return detail::launch_status();
}

cudaError_t launch_maxpool2_backward(float* grad_in, const float* grad_out, const float* in,
                                     const int* image_of, int M, int C, int H, int W,
                                     cudaStream_t stream) {
    if (M < 0 || C < 0 || H < 0 || W < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(M) * C * H * W;
    if (total == 0) return cudaSuccess;
    if (!grad_in) return cudaErrorInvalidValue;
    // With no complete window (H or W below 2) the pooled gradient is empty: grad_out (and in)
    // may then be null, and grad_in is all zero.
    if (H / 2 == 0 || W / 2 == 0) return cudaMemsetAsync(grad_in, 0, sizeof(float) * total, stream);
    if (!grad_out || !in) return cudaErrorInvalidValue;
    maxpool2_backward_kernel<<<grid_for(total), kThreads, 0, stream>>>(
        grad_in, grad_out, in, image_of, C, H, W, H / 2, W / 2, total);
    return detail::launch_status();
}

cudaError_t launch_gap_forward(float* out, const float* in, int N, int C, int HW,
                               cudaStream_t stream) {
    if (N < 0 || C < 0 || HW < 0) return cudaErrorInvalidValue;
    const int64_t planes = static_cast<int64_t>(N) * C;
    if (planes == 0) return cudaSuccess;
    if (!out) return cudaErrorInvalidValue;
    if (HW == 0) return cudaMemsetAsync(out, 0, sizeof(float) * planes, stream);
    if (!in) return cudaErrorInvalidValue;
    gap_forward_kernel<<<grid_for(planes * detail::kWarpSize), kThreads, 0, stream>>>(
        out, in, planes, HW, 1.f / static_cast<float>(HW));
    return detail::launch_status();
}

cudaError_t launch_gap_backward(float* grad_in, const float* grad_out, int M, int C, int HW,
                                cudaStream_t stream) {
    if (M < 0 || C < 0 || HW < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(M) * C * HW;
    if (total == 0) return cudaSuccess;
    if (!grad_in || !grad_out) return cudaErrorInvalidValue;
    gap_backward_kernel<<<grid_for(total), kThreads, 0, stream>>>(
        grad_in, grad_out, HW, 1.f / static_cast<float>(HW), total);
    return detail::launch_status();
}

cudaError_t launch_gather_rows(float* out, const float* in, const int* image_of, int M,
                               int64_t per_row, cudaStream_t stream) {
    if (M < 0 || per_row < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(M) * per_row;
    if (total == 0) return cudaSuccess;
    if (!out || !in || !image_of) return cudaErrorInvalidValue;
    gather_rows_kernel<<<grid_for(total), kThreads, 0, stream>>>(out, in, image_of, per_row,
                                                                 total);
    return detail::launch_status();
}

cudaError_t launch_fill(float* p, int64_t n, float value, cudaStream_t stream) {
    if (n < 0) return cudaErrorInvalidValue;
    if (n == 0) return cudaSuccess;
    if (!p) return cudaErrorInvalidValue;
    fill_kernel<<<grid_for(n), kThreads, 0, stream>>>(p, n, value);
    return detail::launch_status();
}

}  // namespace gradcam4j
