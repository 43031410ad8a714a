// Input copies for Augmented Grad-CAM; see augment.cuh. Compiled without FMA contraction (like
// tv_solver.cu) so that the taps and sums are AffineWarp's to the last bit.
#include "augment.cuh"

#include <cstdint>

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kThreads = 256;

__global__ void warp_copies_kernel(float* __restrict__ out, const float* __restrict__ in,
                                   const float* __restrict__ fill, const double* __restrict__ affine,
                                   const unsigned char* __restrict__ identity, int C, int S,
                                   int64_t total) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t kc = e / plane;  // copy * C + channel
        const int ch = static_cast<int>(kc % C);
        const int k = static_cast<int>(kc / C);
        const int i = static_cast<int>(e - kc * plane);
        const float* src = in + static_cast<int64_t>(ch) * plane;
        if (identity[k]) {
            out[e] = src[i];
            continue;
        }
        const int x = i % S, y = i / S;
        const double* a = affine + 6 * static_cast<int64_t>(k);
        const double sx = a[0] * x + a[1] * y + a[2], sy = a[3] * x + a[4] * y + a[5];
        const double fx = floor(sx), fy = floor(sy);
        const float f = fill[ch];
        double s = 0.0;
        if (!(fx < -1 || fy < -1 || fx >= S || fy >= S)) {
            const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
            const double wx = sx - fx, wy = sy - fy;
            const int tx[4] = {x0, x0 + 1, x0, x0 + 1}, ty[4] = {y0, y0, y0 + 1, y0 + 1};
            const double tw[4] = {(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy};
            for (int t = 0; t < 4; ++t) {
                if (tw[t] == 0 || tx[t] < 0 || ty[t] < 0 || tx[t] >= S || ty[t] >= S) continue;
                const float shifted = src[ty[t] * S + tx[t]] - f;  // Augmentations.warpInput's float shift
                s += tw[t] * shifted;
            }
        }
        out[e] = static_cast<float>(s) + f;
    }
}

}  // namespace

cudaError_t launch_warp_copies(float* out, const float* in, const float* fill,
                               const double* affine, const unsigned char* identity, int count,
                               int C, int S, cudaStream_t stream) {
    if (count < 0 || C < 0 || S < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(count) * C * S * S;
    if (total == 0) return cudaSuccess;
    if (!out || !in || !fill || !affine || !identity) return cudaErrorInvalidValue;
    warp_copies_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(
        out, in, fill, affine, identity, C, S, total);
    return detail::launch_status();
}

}  // namespace gradcam4j
