// Guided Grad-CAM product kernel: a broadcast multiply, purely bandwidth bound.
//
// Flat launch over the M x C x HW output, 256 threads per block. When HW is a multiple of 4 and
// all pointers are 16-byte aligned each thread handles one float4 (four consecutive pixels of
// one (m, c) plane, which share one row of the map); otherwise one float per thread.
#include "guided_product.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kProductThreads = 256;

__global__ void __launch_bounds__(kProductThreads)
guided_product_vec4_kernel(float* out,                     // M x C x HW (may alias guided)
                           const float* guided,            // M x C x HW
                           const float* __restrict__ map,  // M x HW
                           int C, int64_t HW, int64_t n_vec) {
    const int64_t v = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (v >= n_vec) return;
    const int64_t e = 4 * v;
    const int64_t plane = e / HW;  // m * C + c
    const int64_t m = plane / C;
    const int64_t p = e - plane * HW;
    const float4 g = reinterpret_cast<const float4*>(guided)[v];
    const float4 s = *reinterpret_cast<const float4*>(map + m * HW + p);
    reinterpret_cast<float4*>(out)[v] = make_float4(g.x * s.x, g.y * s.y, g.z * s.z, g.w * s.w);
}

__global__ void __launch_bounds__(kProductThreads)
guided_product_scalar_kernel(float* out,                     // M x C x HW
                             const float* guided,            // M x C x HW
                             const float* __restrict__ map,  // M x HW
                             int C, int64_t HW, int64_t total) {
    const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= total) return;
    const int64_t plane = e / HW;
    const int64_t m = plane / C;
    out[e] = guided[e] * map[m * HW + (e - plane * HW)];
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

}  // namespace

cudaError_t launch_guided_product(float* out, const float* guided, const float* map, int M,
                                  int C, int64_t HW, cudaStream_t stream) {
    if (M < 0 || C < 0 || HW < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(M) * C * HW;
    if (total == 0) return cudaSuccess;
    if (!out || !guided || !map) return cudaErrorInvalidValue;
    if (HW % 4 == 0 && aligned16(out) && aligned16(guided) && aligned16(map)) {
        const int64_t n_vec = total / 4;
        const int64_t blocks = detail::blocks_for(n_vec, kProductThreads);
        if (blocks > detail::kMaxGridX) return cudaErrorInvalidValue;
        guided_product_vec4_kernel<<<static_cast<unsigned>(blocks), kProductThreads, 0, stream>>>(
            out, guided, map, C, HW, n_vec);
    } else {
        const int64_t blocks = detail::blocks_for(total, kProductThreads);
        if (blocks > detail::kMaxGridX) return cudaErrorInvalidValue;
        guided_product_scalar_kernel<<<static_cast<unsigned>(blocks), kProductThreads, 0,
                                       stream>>>(out, guided, map, C, HW, total);
    }
    return detail::launch_status();
}

}  // namespace gradcam4j
