// Ablated activations on the device; see ablated_copies.cuh.
#include "ablated_copies.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kThreads = 256;

// One thread per output value (grid-stride): element e of copy k, channel c, position p, with
// e = (k * C + c) * HW + p; the source is the same (c, p) of the one activation.
__global__ void ablated_copies_kernel(float* __restrict__ out, const float* __restrict__ act, int first,
                                      int C, int64_t HW, int64_t total) {
    const int64_t per = static_cast<int64_t>(C) * HW;
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t k = e / per, i = e - k * per;  // i = c * HW + p within the copy
        const int64_t c = i / HW;
        out[e] = c == first + k ? 0.f : act[i];
    }
}

}  // namespace

cudaError_t launch_ablated_copies(float* out, const float* act, int first, int K, int C, int64_t HW,
                                  cudaStream_t stream) {
    if (K < 0 || C < 0 || HW < 0 || first < 0 || first + static_cast<int64_t>(K) > C) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(K) * C * HW;
    if (total == 0) return cudaSuccess;
    if (!out || !act) return cudaErrorInvalidValue;
    ablated_copies_kernel<<<detail::stride_grid(total, kThreads), kThreads, 0, stream>>>(out, act, first, C, HW,
                                                                                         total);
    return detail::launch_status();
}

}  // namespace gradcam4j
