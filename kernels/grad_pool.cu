// Gradient pooling kernels: Grad-CAM channel means and XGrad-CAM activation-weighted sums.
//
// Work split: one warp per (seed row m, channel k); a block of kPoolWarps warps takes a chunk of
// kPoolWarps consecutive channels of one seed row, so the grid is (ceil(C / kPoolWarps),
// min(M, 65535)); blocks loop over the seed rows beyond gridDim.y.
// A channel is HW contiguous floats: the 32 lanes stride over it with coalesced loads and finish
// with a butterfly shuffle reduction, no shared memory and no __syncthreads. At the default
// target layer (HW = 196) a warp makes 7 strided passes; at M = 64, C = 512 the grid has
// 64 x 64 = 4096 blocks of 256 threads, enough to fill any current GPU.
#include "grad_pool.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kPoolWarps = 8;                                  // channels per block
constexpr int kPoolThreads = kPoolWarps * detail::kWarpSize;   // 256 threads

__global__ void __launch_bounds__(kPoolThreads)
gradcam_weights_kernel(float* __restrict__ weights,      // M x C
                       const float* __restrict__ grad,   // M x C x HW
                       int M, int C, int HW, float inv_hw) {
    const int k = blockIdx.x * kPoolWarps + threadIdx.x / detail::kWarpSize;
    const int lane = threadIdx.x % detail::kWarpSize;
    if (k >= C) return;  // whole warp leaves together: k is uniform within a warp
    for (int m = blockIdx.y; m < M; m += gridDim.y) {
        const float* g = grad + (static_cast<size_t>(m) * C + k) * HW;
        float s = 0.f;
        for (int i = lane; i < HW; i += detail::kWarpSize) s += g[i];
        s = detail::warp_sum(s);
        if (lane == 0) weights[static_cast<size_t>(m) * C + k] = s * inv_hw;
    }
}

__global__ void __launch_bounds__(kPoolThreads)
xgradcam_weights_kernel(float* __restrict__ weights,       // M x C
                        const float* __restrict__ grad,    // M x C x HW
                        const float* __restrict__ act,     // N x C x HW
                        const int* __restrict__ image_of,  // M or nullptr
                        int M, int C, int HW, float eps) {
    const int k = blockIdx.x * kPoolWarps + threadIdx.x / detail::kWarpSize;
    const int lane = threadIdx.x % detail::kWarpSize;
    if (k >= C) return;
    for (int m = blockIdx.y; m < M; m += gridDim.y) {
        const int n = image_of ? image_of[m] : m;
        const float* g = grad + (static_cast<size_t>(m) * C + k) * HW;
        const float* a = act + (static_cast<size_t>(n) * C + k) * HW;
        float ga = 0.f, sa = 0.f;
        for (int i = lane; i < HW; i += detail::kWarpSize) {
            const float ai = a[i];
            ga += g[i] * ai;
            sa += ai;
        }
        ga = detail::warp_sum(ga);
        sa = detail::warp_sum(sa);
        if (lane == 0) weights[static_cast<size_t>(m) * C + k] = ga / (sa + eps);
    }
}

cudaError_t check_pool_args(int M, int C, int HW) {
    if (M < 0 || C < 0 || HW < 0) return cudaErrorInvalidValue;
    return cudaSuccess;
}

}  // namespace

cudaError_t launch_gradcam_weights(float* weights, const float* grad, int M, int C, int HW,
                                   cudaStream_t stream) {
    if (cudaError_t e = check_pool_args(M, C, HW); e != cudaSuccess) return e;
    if (M == 0 || C == 0) return cudaSuccess;
    if (!weights || (HW > 0 && !grad)) return cudaErrorInvalidValue;
    if (HW == 0) return cudaMemsetAsync(weights, 0, sizeof(float) * M * C, stream);  // empty mean: 0
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(C, kPoolWarps)), detail::grid_y(M));
    gradcam_weights_kernel<<<grid, kPoolThreads, 0, stream>>>(weights, grad, M, C, HW,
                                                              1.f / static_cast<float>(HW));
    return detail::launch_status();
}

cudaError_t launch_xgradcam_weights(float* weights, const float* grad, const float* act,
                                    const int* image_of, int M, int C, int HW, float eps,
                                    cudaStream_t stream) {
    if (cudaError_t e = check_pool_args(M, C, HW); e != cudaSuccess) return e;
    if (M == 0 || C == 0) return cudaSuccess;
    if (!weights || (HW > 0 && (!grad || !act))) return cudaErrorInvalidValue;
    if (HW == 0) return cudaMemsetAsync(weights, 0, sizeof(float) * M * C, stream);
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(C, kPoolWarps)), detail::grid_y(M));
    xgradcam_weights_kernel<<<grid, kPoolThreads, 0, stream>>>(weights, grad, act, image_of, M, C,
                                                               HW, eps);
    return detail::launch_status();
}

}  // namespace gradcam4j
