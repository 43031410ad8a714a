// Channel combination kernels: weighted channel sum (+ optional ReLU) and the elementwise
// HiResCAM / LayerCAM products.
//
// Work split: a block is a tile of kTilePixels consecutive positions of one seed row m, with
// kChannelSlices rows of threads each summing every kChannelSlices-th channel; the partial sums
// meet in shared memory. Block (32, 8) = 256 threads, grid (ceil(HW / 32), min(M, 65535)),
// blocks looping over further seed rows.
// Why not one thread per pixel: at 14x14 and M = 64 that is only 12,544 threads, each looping
// over 512 channels; splitting channels 8 ways gives ~100k threads with 64-step loops, and every
// warp still reads 32 consecutive floats of one channel (one 128-byte transaction).
#include "cam_combine.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kTilePixels = 32;     // threadIdx.x: position within the tile (one warp wide)
constexpr int kChannelSlices = 8;   // threadIdx.y: channel slice k = y, y + 8, ...

// Sum the kChannelSlices partial sums of one pixel column and write the map value.
__device__ __forceinline__ void finish_tile(float acc, float (*part)[kTilePixels + 1],
                                            float* map_row, int p, int HW, bool relu) {
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && p < HW) {
        float s = 0.f;
#pragma unroll
        for (int j = 0; j < kChannelSlices; ++j) s += part[j][threadIdx.x];
        map_row[p] = relu ? fmaxf(s, 0.f) : s;
    }
}

__global__ void __launch_bounds__(kTilePixels * kChannelSlices)
cam_weighted_sum_kernel(float* __restrict__ map,            // M x HW
                        const float* __restrict__ weights,  // M x C
                        const float* __restrict__ act,      // N x C x HW
                        const int* __restrict__ image_of,   // M or nullptr
                        int M, int C, int HW, bool relu) {
    __shared__ float part[kChannelSlices][kTilePixels + 1];  // +1: no bank conflicts on the sum
    const int p = blockIdx.x * kTilePixels + threadIdx.x;
    for (int m = blockIdx.y; m < M; m += gridDim.y) {  // block-uniform: __syncthreads is safe
        const int n = image_of ? image_of[m] : m;
        const float* a = act + static_cast<size_t>(n) * C * HW;
        const float* w = weights + static_cast<size_t>(m) * C;
        float acc = 0.f;
        if (p < HW) {
            for (int k = threadIdx.y; k < C; k += kChannelSlices)
                acc += w[k] * a[static_cast<size_t>(k) * HW + p];  // w[k]: one broadcast load per warp
        }
        finish_tile(acc, part, map + static_cast<size_t>(m) * HW, p, HW, relu);
    }
}

template <ElementwiseCam kKind>
__global__ void __launch_bounds__(kTilePixels * kChannelSlices)
cam_elementwise_kernel(float* __restrict__ map,           // M x HW
                       const float* __restrict__ grad,    // M x C x HW
                       const float* __restrict__ act,     // N x C x HW
                       const int* __restrict__ image_of,  // M or nullptr
                       int M, int C, int HW) {
    __shared__ float part[kChannelSlices][kTilePixels + 1];
    const int p = blockIdx.x * kTilePixels + threadIdx.x;
    for (int m = blockIdx.y; m < M; m += gridDim.y) {  // block-uniform: __syncthreads is safe
        const int n = image_of ? image_of[m] : m;
        const float* a = act + static_cast<size_t>(n) * C * HW;
        const float* g = grad + static_cast<size_t>(m) * C * HW;
        float acc = 0.f;
        if (p < HW) {
            for (int k = threadIdx.y; k < C; k += kChannelSlices) {
                const size_t i = static_cast<size_t>(k) * HW + p;
                float gi = g[i];
                if constexpr (kKind == ElementwiseCam::kLayerCam) gi = fmaxf(gi, 0.f);
                acc += gi * a[i];
            }
        }
        finish_tile(acc, part, map + static_cast<size_t>(m) * HW, p, HW, /*relu=*/true);
    }
}

cudaError_t check_combine_args(int M, int C, int HW) {
    if (M < 0 || C < 0 || HW < 0) return cudaErrorInvalidValue;
    return cudaSuccess;
}

}  // namespace

cudaError_t launch_cam_weighted_sum(float* map, const float* weights, const float* act,
                                    const int* image_of, int M, int C, int HW, bool relu,
                                    cudaStream_t stream) {
    if (cudaError_t e = check_combine_args(M, C, HW); e != cudaSuccess) return e;
    if (M == 0 || HW == 0) return cudaSuccess;
    if (!map || (C > 0 && (!weights || !act))) return cudaErrorInvalidValue;
    const dim3 block(kTilePixels, kChannelSlices);
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(HW, kTilePixels)), detail::grid_y(M));
    cam_weighted_sum_kernel<<<grid, block, 0, stream>>>(map, weights, act, image_of, M, C, HW, relu);
    return detail::launch_status();
}

cudaError_t launch_cam_elementwise(float* map, const float* grad, const float* act,
                                   const int* image_of, int M, int C, int HW, ElementwiseCam kind,
                                   cudaStream_t stream) {
    if (cudaError_t e = check_combine_args(M, C, HW); e != cudaSuccess) return e;
    if (M == 0 || HW == 0) return cudaSuccess;
    if (!map || (C > 0 && (!grad || !act))) return cudaErrorInvalidValue;
    const dim3 block(kTilePixels, kChannelSlices);
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(HW, kTilePixels)), detail::grid_y(M));
    switch (kind) {
        case ElementwiseCam::kHiResCam:
            cam_elementwise_kernel<ElementwiseCam::kHiResCam>
                <<<grid, block, 0, stream>>>(map, grad, act, image_of, M, C, HW);
            break;
        case ElementwiseCam::kLayerCam:
            cam_elementwise_kernel<ElementwiseCam::kLayerCam>
                <<<grid, block, 0, stream>>>(map, grad, act, image_of, M, C, HW);
            break;
        default:
            return cudaErrorInvalidValue;
    }
    return detail::launch_status();
}

}  // namespace gradcam4j
