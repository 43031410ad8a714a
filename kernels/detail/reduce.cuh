// Internal device helpers shared by the kernel families: warp and block reductions and the
// launch-result helper. Not part of the launcher API; only kernels/*.cu include this file.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

namespace gradcam4j {
namespace detail {

constexpr int kWarpSize = 32;
constexpr unsigned kFullMask = 0xffffffffu;

// Butterfly (xor) reductions: after the loop every lane holds the result, so no broadcast is
// needed. All 32 lanes of the warp must call these.
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

__device__ __forceinline__ double warp_sum(double v) {
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1)
        v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
    return v;
}

// Maximum over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets
// the result. scratch: 32 floats of shared memory. Contains two __syncthreads(): every thread of
// the block must call it.
__device__ __forceinline__ float block_max(float v, float* scratch /* 32 */) {
    const int lane = threadIdx.x % kWarpSize;
    const int warp = threadIdx.x / kWarpSize;
    const int warps = blockDim.x / kWarpSize;
    v = warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float r = lane < warps ? scratch[lane] : -INFINITY;
    r = warp_max(r);
    __syncthreads();  // scratch may be reused by the caller right after
    return r;
}

// Sum over the whole block in double (blockDim.x a multiple of 32, at most 1024); every thread
// gets the result. scratch: 32 doubles of shared memory. Two __syncthreads(), like block_max.
__device__ __forceinline__ double block_sum(double v, double* scratch /* 32 */) {
    const int lane = threadIdx.x % kWarpSize;
    const int warp = threadIdx.x / kWarpSize;
    const int warps = blockDim.x / kWarpSize;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    double r = lane < warps ? scratch[lane] : 0.0;
    r = warp_sum(r);
    __syncthreads();
    return r;
}

// Grid size for a 1-D launch covering `work` items with `per_block` items per block.
inline int64_t blocks_for(int64_t work, int64_t per_block) {
    return (work + per_block - 1) / per_block;
}

// Blocks for a grid-stride loop over `work` items: one item per thread, capped at 2^20 blocks
// (far more than any GPU runs at once; the loop covers the rest).
inline unsigned stride_grid(int64_t work, int threads) {
    const int64_t blocks = blocks_for(work, threads);
    return static_cast<unsigned>(blocks < (int64_t{1} << 20) ? blocks : (int64_t{1} << 20));
}

// The largest gridDim.x a launch may use (compute capability >= 3.0).
constexpr int64_t kMaxGridX = 2147483647;
constexpr int64_t kMaxGridYZ = 65535;

// gridDim.y for `rows` rows (seed rows, maps) taken by a block loop `for (m = blockIdx.y; m <
// rows; m += gridDim.y)`: any row count works, the grid never exceeds the y limit.
inline unsigned grid_y(int64_t rows) {
    return static_cast<unsigned>(rows < kMaxGridYZ ? rows : kMaxGridYZ);
}

// Every launcher ends with this: configuration errors (bad grid, no kernel image for this GPU)
// are reported by cudaGetLastError right after the launch. Asynchronous faults inside a kernel
// surface at the caller's next synchronising call, which is checked there.
inline cudaError_t launch_status() { return cudaGetLastError(); }

}  // namespace detail
}  // namespace gradcam4j
