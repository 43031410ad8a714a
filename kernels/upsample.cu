// Upsampling and normalisation kernels for class maps.
//
// upsample: one thread per output pixel, block of 256 threads, grid (ceil(H*W / 256),
// min(M, 65535)), blocks looping over further maps. The
// source map (14x14 floats = 784 bytes at the default layer) stays in L1, so the kernel is
// bound by its writes.
// normalise: one block of 1024 threads per map. Pass 1 finds the map's max and whether it holds
// a non-finite value (strided loads, warp shuffles, one shared-memory hop), pass 2 rescales; the second read of a 224x224 map (196 KB)
// hits L2. One block per map leaves SMs idle when M is small, but a map is only 50k floats and
// this avoids a second launch or grid-wide synchronisation.
#include "upsample.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kUpsampleThreads = 256;
constexpr int kNormaliseThreads = 1024;

// Source coordinate, lower neighbour, upper neighbour and weight of the upper one.
struct Tap {
    int lo, hi;
    float frac;
};

__device__ __forceinline__ Tap half_pixel_tap(int dst, float scale, int src_size) {
    const float src = fmaxf((static_cast<float>(dst) + 0.5f) * scale - 0.5f, 0.f);
    int lo = static_cast<int>(src);  // src >= 0, so truncation is floor
    if (lo > src_size - 1) lo = src_size - 1;
    const int hi = lo + 1 < src_size ? lo + 1 : src_size - 1;
    return {lo, hi, src - static_cast<float>(lo)};
}

__global__ void __launch_bounds__(kUpsampleThreads)
upsample_bilinear_kernel(float* __restrict__ out,       // M x H x W
                         const float* __restrict__ in,  // M x h x w
                         int M, int h, int w, int H, int W, float sy, float sx) {
    const int p = blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= H * W) return;
    const int oy = p / W, ox = p - (p / W) * W;
    const Tap ty = half_pixel_tap(oy, sy, h);
    const Tap tx = half_pixel_tap(ox, sx, w);
    for (int m = blockIdx.y; m < M; m += gridDim.y) {
        const float* src = in + static_cast<size_t>(m) * h * w;
        const float top = (1.f - tx.frac) * src[ty.lo * w + tx.lo] + tx.frac * src[ty.lo * w + tx.hi];
        const float bot = (1.f - tx.frac) * src[ty.hi * w + tx.lo] + tx.frac * src[ty.hi * w + tx.hi];
        out[static_cast<size_t>(m) * H * W + p] = (1.f - ty.frac) * top + ty.frac * bot;
    }
}

__global__ void __launch_bounds__(kNormaliseThreads)
normalise_by_max_kernel(float* out,             // M x HW (may alias in)
                        float* max_out,         // M or nullptr
                        const float* in,        // M x HW
                        int64_t HW) {
    __shared__ float scratch[detail::kWarpSize];
    const size_t base = static_cast<size_t>(blockIdx.x) * HW;
    float mx = -INFINITY, bad = 0.f;
    for (int64_t i = threadIdx.x; i < HW; i += blockDim.x) {
        const float v = in[base + i];
        if (isfinite(v)) {
            mx = fmaxf(mx, v);
        } else {
            bad = 1.f;
        }
    }
    mx = detail::block_max(mx, scratch);
    bad = detail::block_max(bad, scratch);
    if (threadIdx.x == 0 && max_out) max_out[blockIdx.x] = bad > 0.f ? NAN : mx;
    if (bad == 0.f && mx > 0.f) {
        for (int64_t i = threadIdx.x; i < HW; i += blockDim.x) {
            const float v = in[base + i];
            out[base + i] = v > 0.f ? v / mx : 0.f;
        }
    } else {
        for (int64_t i = threadIdx.x; i < HW; i += blockDim.x) out[base + i] = 0.f;
    }
}

}  // namespace

cudaError_t launch_upsample_bilinear(float* out, const float* in, int M, int h, int w, int H,
                                     int W, cudaStream_t stream) {
    if (M < 0 || h < 0 || w < 0 || H < 0 || W < 0) return cudaErrorInvalidValue;
    if (M == 0 || H == 0 || W == 0) return cudaSuccess;
    if (h == 0 || w == 0) return cudaErrorInvalidValue;  // nothing to sample from
    if (static_cast<int64_t>(H) * W > INT32_MAX) return cudaErrorInvalidValue;
    if (!out || !in) return cudaErrorInvalidValue;
    // Same scale torch computes for an explicit output size: input / output in float.
    const float sy = static_cast<float>(h) / static_cast<float>(H);
    const float sx = static_cast<float>(w) / static_cast<float>(W);
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(static_cast<int64_t>(H) * W,
                                                             kUpsampleThreads)),
                    detail::grid_y(M));
    upsample_bilinear_kernel<<<grid, kUpsampleThreads, 0, stream>>>(out, in, M, h, w, H, W, sy,
                                                                    sx);
    return detail::launch_status();
}

cudaError_t launch_normalise_by_max(float* out, float* max_out, const float* in, int M,
                                    int64_t HW, cudaStream_t stream) {
    if (M < 0 || HW < 0) return cudaErrorInvalidValue;
    if (M == 0) return cudaSuccess;
    if (HW == 0) {  // empty maps: max is undefined; report 0 so "all zero" is what callers see
        return max_out ? cudaMemsetAsync(max_out, 0, sizeof(float) * M, stream) : cudaSuccess;
    }
    if (!out || !in) return cudaErrorInvalidValue;
    normalise_by_max_kernel<<<M, kNormaliseThreads, 0, stream>>>(out, max_out, in, HW);
    return detail::launch_status();
}

}  // namespace gradcam4j
