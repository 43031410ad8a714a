// ReLU backward rules of the gradient family (docs/ALGORITHMS.md section 4), and the same rules
// fused with 2x2 / stride-2 max-pool backward routing.
//
// With R the incoming gradient (w.r.t. the ReLU output) and y the forward ReLU output
// (y > 0 exactly where the ReLU input x > 0):
//   kGradient  : R * [y > 0]
//   kGuided    : ReLU(R) * [y > 0]
//   kDeconvnet : ReLU(R)          (y is not read; it may be nullptr)
// The enum order matches the Java enum org.gradcam4j.backend.ReluRule (GRADIENT, GUIDED,
// DECONVNET), so its ordinal can be passed straight through.
//
// Batches: the gradient has M rows (seed rows), the forward output N rows (images), one row per
// image of `per_image` floats; image_of (M) maps gradient rows to forward rows, nullptr means
// the identity (M == N).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace gradcam4j {

enum class ReluRule : int { kGradient = 0, kGuided = 1, kDeconvnet = 2 };

// grad_in[m,e] = rule(grad_out[m,e], relu_out[image_of[m], e]).
// In place: grad_in may be the same pointer as grad_out (each element is read before it is
// written by the same thread); partial overlap is not allowed.
// Uses 16-byte (float4) loads and stores when all pointers are 16-byte aligned and, with
// image_of given, per_image is a multiple of 4; otherwise a scalar kernel. A flat tensor whose
// length is not a multiple of 4 is handled by the vector kernel plus a scalar tail.
cudaError_t launch_relu_backward(float* grad_in,          // M x per_image
                                 const float* grad_out,   // M x per_image
                                 const float* relu_out,   // N x per_image (nullptr for deconvnet)
                                 const int* image_of,     // M, or nullptr for identity
                                 int M, int64_t per_image, ReluRule rule, cudaStream_t stream);

// conv -> ReLU -> max-pool(2x2, stride 2, floor) backward in one pass: the pool gradient goes to
// the argmax of its 2x2 window of relu_out (the pool's input), then the ReLU rule is applied at
// that position with that position's y. Everything else, including the last row / column when
// H or W is odd, gets 0. Argmax ties go to the first maximum in window order (0,0), (0,1),
// (1,0), (1,1) (strict '>' while scanning), which matters for deconvnet where all-zero windows
// still pass ReLU(R) on.
// grad_in must not overlap the inputs.
cudaError_t launch_relu_maxpool_backward(float* grad_in,           // M x C x H x W
                                         const float* grad_pool,   // M x C x (H/2) x (W/2)
                                         const float* relu_out,    // N x C x H x W
                                         const int* image_of,      // M, or nullptr for identity
                                         int M, int C, int H, int W, ReluRule rule,
                                         cudaStream_t stream);

}  // namespace gradcam4j
