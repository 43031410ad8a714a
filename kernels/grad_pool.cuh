// Gradient pooling: per-channel weights of Grad-CAM and XGrad-CAM (docs/ALGORITHMS.md section 3).
//
// Shapes: M seed rows (one per explained class of an image), N images of the forward batch,
// C channels, HW = h*w positions of the target layer. All tensors are dense, row-major float32
// device memory. image_of (M, int32, device) maps seed row m to its image; nullptr means the
// identity (M == N). Its entries must lie in [0, N).
//
// Counterfactual Grad-CAM needs nothing here: the caller negates the seed (the gradient of -S),
// so g, and with it every weight, changes sign upstream.
//
// Launchers return cudaSuccess without launching when M, C or HW is zero, cudaErrorInvalidValue
// on negative sizes or null required pointers, otherwise the launch status.
#pragma once

#include <cuda_runtime_api.h>

namespace gradcam4j {

// Grad-CAM: weights[m,k] = (1/HW) * sum_ij grad[m,k,i,j].
cudaError_t launch_gradcam_weights(float* weights,     // M x C
                                   const float* grad,  // M x C x HW
                                   int M, int C, int HW, cudaStream_t stream);

// XGrad-CAM: weights[m,k] = sum_ij grad[m,k,ij] * act[n,k,ij] / (sum_ij act[n,k,ij] + eps),
// n = image_of[m]. act is a post-ReLU activation (>= 0), so a channel with no activation gets
// weight 0, never NaN.
cudaError_t launch_xgradcam_weights(float* weights,       // M x C
                                    const float* grad,    // M x C x HW
                                    const float* act,     // N x C x HW
                                    const int* image_of,  // M, or nullptr for identity
                                    int M, int C, int HW, float eps, cudaStream_t stream);

}  // namespace gradcam4j
