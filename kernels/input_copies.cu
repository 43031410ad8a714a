// Input copies on the device; see input_copies.cuh. Compiled without FMA contraction (like
// augment.cu) so that every copy is the Java host definition's to the last bit.
#include "input_copies.cuh"

#include <cstdint>

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kThreads = 256;

// One output pixel of a mask: the source taps of Bilinear.resize (half-pixel) or of
// InputCopies.upsampleAlignCorners, in double, rounded once to float.
__device__ float upsample_tap(const float* src, int h, int w, int S, int y, int x, bool align) {
    int y0, y1, x0, x1;
    double fy, fx;
    if (align) {
        const double sy = S > 1 ? static_cast<double>(y) * (h - 1) / (S - 1) : 0.0;
        const double sx = S > 1 ? static_cast<double>(x) * (w - 1) / (S - 1) : 0.0;
        y0 = static_cast<int>(floor(sy));
        x0 = static_cast<int>(floor(sx));
        y1 = min(y0 + 1, h - 1);
        x1 = min(x0 + 1, w - 1);
        fy = sy - y0;
        fx = sx - x0;
    } else {
        const double scale_y = static_cast<double>(h) / S, scale_x = static_cast<double>(w) / S;
        double sy = scale_y * (y + 0.5) - 0.5, sx = scale_x * (x + 0.5) - 0.5;
        if (sy < 0) sy = 0;
        if (sx < 0) sx = 0;
        y0 = static_cast<int>(sy);
        x0 = static_cast<int>(sx);
        y1 = y0 < h - 1 ? y0 + 1 : y0;
        x1 = x0 < w - 1 ? x0 + 1 : x0;
        fy = sy - y0;
        fx = sx - x0;
    }
    const double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
    const double bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
    return static_cast<float>(top * (1 - fy) + bottom * fy);
}

__global__ void scorecam_upsample_kernel(float* __restrict__ masks, const float* __restrict__ act,
                                         int first, int h, int w, int S, bool align, int64_t total) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t k = e / plane;
        const int i = static_cast<int>(e - k * plane);
        const float* src = act + (first + k) * static_cast<int64_t>(h) * w;
        masks[e] = upsample_tap(src, h, w, S, i / S, i % S, align);
    }
}

__device__ __forceinline__ float block_min(float v, float* scratch /* 32 */) {
    return -detail::block_max(-v, scratch);
}

// One block per mask: its min and max (exact in any order), then (m - min) / (max - min + eps).
__global__ void minmax_normalise_kernel(float* __restrict__ masks, int64_t plane, double eps) {
    __shared__ float scratch[32];
    float* m = masks + blockIdx.x * plane;
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = threadIdx.x; i < plane; i += blockDim.x) {
        lo = fminf(lo, m[i]);
        hi = fmaxf(hi, m[i]);
    }
    lo = block_min(lo, scratch);
    hi = detail::block_max(hi, scratch);
    const double den = static_cast<double>(hi) - lo + eps;
    for (int64_t i = threadIdx.x; i < plane; i += blockDim.x) {
        m[i] = static_cast<float>((m[i] - static_cast<double>(lo)) / den);
    }
}

__global__ void masked_copies_kernel(float* __restrict__ out, const float* __restrict__ image,
                                     const float* __restrict__ masks, int C, int64_t plane, int64_t total) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t kc = e / plane, p = e - kc * plane;
        const int64_t k = kc / C, q = kc - k * C;
        out[e] = image[q * plane + p] * masks[k * plane + p];
    }
}

__global__ void path_points_kernel(float* __restrict__ out, const float* __restrict__ image,
                                   const float* __restrict__ baseline, const double* __restrict__ alphas,
                                   int C, int64_t plane, int64_t total) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t kc = e / plane, p = e - kc * plane;
        const int64_t k = kc / C, q = kc - k * C;
        const float b = baseline[q];
        const float diff = image[q * plane + p] - b;  // a float difference, as in Java
        out[e] = static_cast<float>(static_cast<double>(b) + alphas[k] * static_cast<double>(diff));
    }
}

__global__ void occlusion_copies_kernel(float* __restrict__ out, const float* __restrict__ image,
                                        const float* __restrict__ fill, int first, int C, int S,
                                        int patch, int stride, int per_side, int64_t total) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t kc = e / plane, p = e - kc * plane;
        const int64_t k = kc / C, q = kc - k * C;
        const int pos = first + static_cast<int>(k);
        const int y0 = (pos / per_side) * stride, x0 = (pos % per_side) * stride;
        const int y = static_cast<int>(p / S), x = static_cast<int>(p % S);
        const bool inside = y >= y0 && y < y0 + patch && x >= x0 && x < x0 + patch;
        out[e] = inside ? fill[q] : image[q * plane + p];
    }
}

__global__ void noisy_copies_kernel(float* __restrict__ out, const float* __restrict__ image,
                                    const float* __restrict__ noise, double sigma, int64_t per, int64_t total) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        out[e] = static_cast<float>(static_cast<double>(image[e % per]) + sigma * static_cast<double>(noise[e]));
    }
}

int64_t copies_total(int K, int C, int S) { return static_cast<int64_t>(K) * C * S * S; }

}  // namespace

cudaError_t launch_scorecam_masks(float* masks, const float* act, int first, int K, int C, int h,
                                  int w, int S, bool align_corners, double eps, cudaStream_t stream) {
    if (K < 0 || h <= 0 || w <= 0 || S <= 0 || first < 0 || first + K > C) return cudaErrorInvalidValue;
    const int64_t plane = static_cast<int64_t>(S) * S, total = K * plane;
    if (total == 0) return cudaSuccess;
    if (!masks || !act) return cudaErrorInvalidValue;
    scorecam_upsample_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(
        masks, act, first, h, w, S, align_corners, total);
    cudaError_t st = detail::launch_status();
    if (st != cudaSuccess) return st;
    minmax_normalise_kernel<<<K, kThreads, 0, stream>>>(masks, plane, eps);
    return detail::launch_status();
}

cudaError_t launch_masked_copies(float* out, const float* image, const float* masks, int K, int C,
                                 int S, cudaStream_t stream) {
    if (K < 0 || C < 0 || S < 0) return cudaErrorInvalidValue;
    const int64_t total = copies_total(K, C, S);
    if (total == 0) return cudaSuccess;
    if (!out || !image || !masks) return cudaErrorInvalidValue;
    masked_copies_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(
        out, image, masks, C, static_cast<int64_t>(S) * S, total);
    return detail::launch_status();
}

cudaError_t launch_path_points(float* out, const float* image, const float* baseline,
                               const double* alphas, int K, int C, int S, cudaStream_t stream) {
    if (K < 0 || C < 0 || S < 0) return cudaErrorInvalidValue;
    const int64_t total = copies_total(K, C, S);
    if (total == 0) return cudaSuccess;
    if (!out || !image || !baseline || !alphas) return cudaErrorInvalidValue;
    path_points_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(
        out, image, baseline, alphas, C, static_cast<int64_t>(S) * S, total);
    return detail::launch_status();
}

cudaError_t launch_occlusion_copies(float* out, const float* image, const float* fill, int first,
                                    int K, int C, int S, int patch, int stride, cudaStream_t stream) {
    if (K < 0 || C < 0 || S < 0 || first < 0 || patch <= 0 || stride <= 0 || patch > S) return cudaErrorInvalidValue;
    const int per_side = (S - patch) / stride + 1;
    if (first + K > per_side * per_side) return cudaErrorInvalidValue;
    const int64_t total = copies_total(K, C, S);
    if (total == 0) return cudaSuccess;
    if (!out || !image || !fill) return cudaErrorInvalidValue;
    occlusion_copies_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(
        out, image, fill, first, C, S, patch, stride, per_side, total);
    return detail::launch_status();
}

cudaError_t launch_noisy_copies(float* out, const float* image, const float* noise, double sigma,
                                int K, int C, int S, cudaStream_t stream) {
    if (K < 0 || C < 0 || S < 0) return cudaErrorInvalidValue;
    const int64_t total = copies_total(K, C, S);
    if (total == 0) return cudaSuccess;
    if (!out || !image || !noise) return cudaErrorInvalidValue;
    noisy_copies_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(
        out, image, noise, sigma, static_cast<int64_t>(C) * S * S, total);
    return detail::launch_status();
}

}  // namespace gradcam4j
