// Grad-CAM++ kernels: per-channel alphas and weights, default and official forms.
//
// Work split as in grad_pool.cu: one warp per (m, k), kPpWarps channels per block, grid
// (ceil(C / kPpWarps), min(M, 65535)), blocks looping over further seed rows. Alphas, sums and
// weights are computed in double like the Java implementation (alphas underflow in float for
// tiny g). Each warp reads the activation channel once to get S = sum A (a butterfly reduction leaves S in every lane), then streams the gradient channel computing
// alphas and the weight sum; the official form needs the per-channel normaliser Z before it can
// write normalised alphas, so it makes one more pass over g (HW floats, still in L1/L2).
#include "gradcampp.cuh"

#include "detail/reduce.cuh"

namespace gradcam4j {
namespace {

constexpr int kPpWarps = 8;
constexpr int kPpThreads = kPpWarps * detail::kWarpSize;  // 256

// Both forms in double, as the Java CPU implementation (CamMath) evaluates them: g^2 and g^3 of
// a float gradient of order 1e-20 underflow in float (and the official normaliser with them),
// not in double. The cost is negligible next to the backward pass (one alpha per gradient
// value, ~6.4M at M = 64, C = 512, 14x14), even at consumer GPUs' FP64 rate.
__device__ __forceinline__ double alpha_default(double g, double S, double eps) {
    if (g == 0.0) return 0.0;
    const double g2 = g * g;
    return g2 / (2.0 * g2 + S * g2 * g + eps);
}

__device__ __forceinline__ double alpha_official(double g, double S) {
    const double g2 = g * g;
    double d = 2.0 * g2 + S * g2 * g;
    if (d == 0.0) d = 1.0;
    return g2 / d;
}

template <GradCamPlusPlusForm kForm>
__global__ void __launch_bounds__(kPpThreads)
gradcampp_kernel(float* __restrict__ weights,       // M x C
                 float* __restrict__ alphas,        // M x C x HW or nullptr
                 const float* __restrict__ grad,    // M x C x HW
                 const float* __restrict__ act,     // N x C x HW
                 const int* __restrict__ image_of,  // M or nullptr
                 int M, int C, int HW, float eps) {
    const int k = blockIdx.x * kPpWarps + threadIdx.x / detail::kWarpSize;
    const int lane = threadIdx.x % detail::kWarpSize;
    if (k >= C) return;  // warp-uniform
    for (int m = blockIdx.y; m < M; m += gridDim.y) {
        const int n = image_of ? image_of[m] : m;
        const size_t row = static_cast<size_t>(m) * C + k;
        const float* g = grad + row * HW;
        const float* a = act + (static_cast<size_t>(n) * C + k) * HW;
        float* al = alphas ? alphas + row * HW : nullptr;

        double S = 0.0;
        for (int i = lane; i < HW; i += detail::kWarpSize) S += a[i];
        S = detail::warp_sum(S);
        if constexpr (kForm == GradCamPlusPlusForm::kDefault) {
            double w = 0.0;
            for (int i = lane; i < HW; i += detail::kWarpSize) {
                const double gi = g[i];
                const double alpha = alpha_default(gi, S, eps);
                if (al) al[i] = static_cast<float>(alpha);
                if (gi > 0.0) w += alpha * gi;
            }
            w = detail::warp_sum(w);
            if (lane == 0) weights[row] = static_cast<float>(w);
        } else {
            (void)eps;  // the official form has no eps
            double w = 0.0, Z = 0.0;
            for (int i = lane; i < HW; i += detail::kWarpSize) {
                const double gi = g[i];
                if (gi > 0.0) {
                    const double alpha = alpha_official(gi, S);
                    Z += alpha;
                    w += alpha * gi;
                }
            }
            w = detail::warp_sum(w);
            Z = detail::warp_sum(Z);
            if (Z == 0.0) Z = 1.0;
            if (lane == 0) weights[row] = static_cast<float>(w / Z);
            if (al) {
                for (int i = lane; i < HW; i += detail::kWarpSize)
                    al[i] = static_cast<float>(alpha_official(g[i], S) / Z);
            }
        }
    }
}

}  // namespace

cudaError_t launch_gradcampp_weights(float* weights, float* alphas, const float* grad,
                                     const float* act, const int* image_of, int M, int C, int HW,
                                     GradCamPlusPlusForm form, float eps, cudaStream_t stream) {
    if (M < 0 || C < 0 || HW < 0) return cudaErrorInvalidValue;
    if (M == 0 || C == 0) return cudaSuccess;
    if (!weights || (HW > 0 && (!grad || !act))) return cudaErrorInvalidValue;
    if (HW == 0) return cudaMemsetAsync(weights, 0, sizeof(float) * M * C, stream);
    const dim3 grid(static_cast<unsigned>(detail::blocks_for(C, kPpWarps)), detail::grid_y(M));
    switch (form) {
        case GradCamPlusPlusForm::kDefault:
            gradcampp_kernel<GradCamPlusPlusForm::kDefault><<<grid, kPpThreads, 0, stream>>>(
                weights, alphas, grad, act, image_of, M, C, HW, eps);
            break;
        case GradCamPlusPlusForm::kOfficial:
            gradcampp_kernel<GradCamPlusPlusForm::kOfficial><<<grid, kPpThreads, 0, stream>>>(
                weights, alphas, grad, act, image_of, M, C, HW, eps);
            break;
        default:
            return cudaErrorInvalidValue;
    }
    return detail::launch_status();
}

}  // namespace gradcam4j
