// Ablation-CAM's ablated activations made on the device (docs/ALGORITHMS.md section 8): copy k of
// one image's target-layer activation has channel first + k zeroed and every other value as it
// was. The Java host definition is org.gradcam4j.backend.AblatedActivations; the copies are exact
// (a copy or a zero), so device and host agree to the last bit.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

namespace gradcam4j {

// out (K x C x HW): copies first .. first+K-1 of act (C x HW, one image's activation, post-ReLU),
// copy k with channel first + k set to 0. Requires 0 <= first, first + K <= C; out and act must not
// overlap.
cudaError_t launch_ablated_copies(float* out, const float* act, int first, int K, int C, int64_t HW,
                                  cudaStream_t stream);

}  // namespace gradcam4j
