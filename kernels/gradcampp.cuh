// Grad-CAM++ alphas and channel weights (docs/ALGORITHMS.md section 3).
//
// With g = grad[m,k,ij], S = sum_ab act[n,k,ab] (n = image_of[m]):
//
//   kDefault  (paper eq. 19, pytorch-grad-cam):
//       alpha = g^2 / (2 g^2 + S g^3 + eps),  alpha = 0 where g == 0
//       w[m,k] = sum_ij alpha * ReLU(g)
//   kOfficial (the authors' repository):
//       alpha = g^2 / d with d = 2 g^2 + S g^3, d == 0 replaced by 1 (so g == 0 gives 0), no eps;
//       Z = sum_ij alpha * [g > 0], Z == 0 replaced by 1;  alpha /= Z;
//       w[m,k] = sum_ij alpha * ReLU(g)
//
// The paper's exp(S) factor only scales the map and is left out (it overflows float32 for
// logits above ~88). ReLU(g) is applied as "only g > 0 contributes": for g < 0 the default
// denominator can come arbitrarily close to zero (at g = -2/S), and alpha * 0 must not turn an
// infinite alpha into NaN. Alphas for g < 0 are still written as the formula gives them.
//
// Shapes as in grad_pool.cuh: M seed rows, C channels, HW positions, act per image (N x C x HW),
// image_of (M) or nullptr for identity.
#pragma once

#include <cuda_runtime_api.h>

namespace gradcam4j {

enum class GradCamPlusPlusForm : int { kDefault = 0, kOfficial = 1 };

// alphas may be nullptr when only the weights are wanted (saves an M x C x HW write).
// eps is used by kDefault only (the project's value is 1e-6).
cudaError_t launch_gradcampp_weights(float* weights,       // M x C
                                     float* alphas,        // M x C x HW, or nullptr
                                     const float* grad,    // M x C x HW
                                     const float* act,     // N x C x HW
                                     const int* image_of,  // M, or nullptr for identity
                                     int M, int C, int HW, GradCamPlusPlusForm form, float eps,
                                     cudaStream_t stream);

}  // namespace gradcam4j
