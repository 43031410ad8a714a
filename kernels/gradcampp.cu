// Grad-CAM++ kernels: per-channel alphas and weights, default and official forms.
//
// Work split as in grad_pool.cu: one warp per (m, k), kPpWarps channels per block, grid
// (ceil(C / kPpWarps), M). Each warp reads the activation channel once to get S = sum A (a
// butterfly reduction leaves S in every lane), then streams the gradient channel computing
// alphas and the weight sum; the official form needs the per-channel normaliser Z before it can
// write normalised alphas, so it makes one more pass over g (HW floats, still in L1/L2).
#include "gradcampp.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kPpWarps = 8;
constexpr int kPpThreads = kPpWarps * detail::kWarpSize;  // 256

__device__ __forceinline__ float alpha_default(float g, float S, float eps) {
    if (g == 0.f) return 0.f;
    const float g2 = g * g;
    return g2 / (2.f * g2 + S * g2 * g + eps);
}

__device__ __forceinline__ float alpha_official(float g, float S) {
    const float g2 = g * g;
    float d = 2.f * g2 + S * g2 * g;
    if (d == 0.f) d = 1.f;
    return g2 / d;
}

template <GradCamPlusPlusForm kForm>
__global__ void __launch_bounds__(kPpThreads)
gradcampp_kernel(float* __restrict__ weights,       // M x C
                 float* __restrict__ alphas,        // M x C x HW or nullptr
                 const float* __restrict__ grad,    // M x C x HW
                 const float* __restrict__ act,     // N x C x HW
                 const int* __restrict__ image_of,  // M or nullptr
                 int C, int HW, float eps) {
    const int m = blockIdx.y;
    const int k = blockIdx.x * kPpWarps + threadIdx.x / detail::kWarpSize;
    const int lane = threadIdx.x % detail::kWarpSize;
    if (k >= C) return;  // warp-uniform
    const int n = image_of ? image_of[m] : m;
    const size_t row = static_cast<size_t>(m) * C + k;
    const float* g = grad + row * HW;
    const float* a = act + (static_cast<size_t>(n) * C + k) * HW;
    float* al = alphas ? alphas + row * HW : nullptr;

    float S = 0.f;
    for (int i = lane; i < HW; i += detail::kWarpSize) S += a[i];
    S = detail::warp_sum(S);

    if constexpr (kForm == GradCamPlusPlusForm::kDefault) {
        float w = 0.f;
        for (int i = lane; i < HW; i += detail::kWarpSize) {
            const float gi = g[i];
            const float alpha = alpha_default(gi, S, eps);
            if (al) al[i] = alpha;
            if (gi > 0.f) w += alpha * gi;
        }
        w = detail::warp_sum(w);
        if (lane == 0) weights[row] = w;
    } else {
        (void)eps;  // the official form has no eps
        float w = 0.f, Z = 0.f;
        for (int i = lane; i < HW; i += detail::kWarpSize) {
            const float gi = g[i];
            if (gi > 0.f) {
                const float alpha = alpha_official(gi, S);
                Z += alpha;
                w += alpha * gi;
            }
        }
        w = detail::warp_sum(w);
        Z = detail::warp_sum(Z);
        if (Z == 0.f) Z = 1.f;
        if (lane == 0) weights[row] = w / Z;
        if (al) {
            for (int i = lane; i < HW; i += detail::kWarpSize) al[i] = alpha_official(g[i], S) / Z;
        }
    }
}

}  // namespace

cudaError_t launch_gradcampp_weights(float* weights, float* alphas, const float* grad,
                                     const float* act, const int* image_of, int M, int C, int HW,
                                     GradCamPlusPlusForm form, float eps, cudaStream_t stream) {
    if (M < 0 || C < 0 || HW < 0 || M > detail::kMaxGridYZ) return cudaErrorInvalidValue;
    if (M == 0 || C == 0) return cudaSuccess;
    if (!weights || (HW > 0 && (!grad || !act))) return cudaErrorInvalidValue;
    if (HW == 0) return cudaMemsetAsync(weights, 0, sizeof(float) * M * C, stream);
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(C, kPpWarps)), M);
    switch (form) {
        case GradCamPlusPlusForm::kDefault:
            gradcampp_kernel<GradCamPlusPlusForm::kDefault><<<grid, kPpThreads, 0, stream>>>(
                weights, alphas, grad, act, image_of, C, HW, eps);
            break;
        case GradCamPlusPlusForm::kOfficial:
            gradcampp_kernel<GradCamPlusPlusForm::kOfficial><<<grid, kPpThreads, 0, stream>>>(
                weights, alphas, grad, act, image_of, C, HW, eps);
            break;
        default:
            return cudaErrorInvalidValue;
    }
    return detail::launch_status();
}

}  // namespace gradcam4j
