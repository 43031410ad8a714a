// Combining channels into a class map at the target layer (docs/ALGORITHMS.md section 3).
//
//   weighted sum (Grad-CAM, Grad-CAM++, XGrad-CAM, CAM):
//       map[m,ij] = ReLU?( sum_k weights[m,k] * act[n,k,ij] ),  n = image_of[m]
//   elementwise (no channel weights):
//       HiResCAM: map[m,ij] = ReLU( sum_k grad[m,k,ij] * act[n,k,ij] )
//       LayerCAM: map[m,ij] = ReLU( sum_k ReLU(grad[m,k,ij]) * act[n,k,ij] )
//
// The ReLU is optional only for the weighted sum: CAM proper (GAP + linear head) has none.
// Counterfactual variants need no kernel of their own: the caller negates the seed, so grad and
// the weights derived from it arrive here already negated.
//
// Shapes: M seed rows, N images, C channels, HW positions; image_of (M) or nullptr (identity).
// The map is written, never accumulated into.
#pragma once

#include <cuda_runtime_api.h>

namespace gradcam4j {

cudaError_t launch_cam_weighted_sum(float* map,            // M x HW
                                    const float* weights,  // M x C
                                    const float* act,      // N x C x HW
                                    const int* image_of,   // M, or nullptr for identity
                                    int M, int C, int HW, bool relu, cudaStream_t stream);

enum class ElementwiseCam : int { kHiResCam = 0, kLayerCam = 1 };

cudaError_t launch_cam_elementwise(float* map,           // M x HW
                                   const float* grad,    // M x C x HW
                                   const float* act,     // N x C x HW
                                   const int* image_of,  // M, or nullptr for identity
                                   int M, int C, int HW, ElementwiseCam kind,
                                   cudaStream_t stream);

}  // namespace gradcam4j
