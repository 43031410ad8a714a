// Guided Grad-CAM (docs/ALGORITHMS.md section 4): the guided-backpropagation gradient w.r.t. the
// input times the upsampled, normalised class map of the same seed row, broadcast over the
// colour channels:   out[m,c,ij] = guided[m,c,ij] * map[m,ij].
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace gradcam4j {

// out may be the same pointer as guided (in place). C is 3 for images; any C >= 1 works.
cudaError_t launch_guided_product(float* out,           // M x C x HW
                                  const float* guided,  // M x C x HW
                                  const float* map,     // M x HW
                                  int M, int C, int64_t HW, cudaStream_t stream);

}  // namespace gradcam4j
