// Plain C++ CPU references of every kernel family in kernels/ (one .cpp per family).
//
// Same arguments and semantics as the launchers, on host memory, without a stream. They are
// written for clarity, not speed: sums are accumulated in double so that a comparison with the
// float32 GPU result measures the kernel's rounding, not the reference's. Enums are the
// launchers' own (the launcher headers are plain host C++). These functions are also what the
// Java CPU backend's results must agree with; keep both in step with docs/ALGORITHMS.md.
#pragma once

#include <cstdint>

#include "../cam_combine.cuh"
#include "../gradcampp.cuh"
#include "../relu_backward.cuh"

namespace gradcam4j {
namespace reference {

// grad_pool
void gradcam_weights(float* weights,     // M x C
                     const float* grad,  // M x C x HW
                     int M, int C, int HW);
void xgradcam_weights(float* weights,       // M x C
                      const float* grad,    // M x C x HW
                      const float* act,     // N x C x HW
                      const int* image_of,  // M or nullptr
                      int M, int C, int HW, float eps);

// gradcampp
void gradcampp_weights(float* weights,       // M x C
                       float* alphas,        // M x C x HW or nullptr
                       const float* grad,    // M x C x HW
                       const float* act,     // N x C x HW
                       const int* image_of,  // M or nullptr
                       int M, int C, int HW, GradCamPlusPlusForm form, float eps);

// cam_combine
void cam_weighted_sum(float* map,            // M x HW
                      const float* weights,  // M x C
                      const float* act,      // N x C x HW
                      const int* image_of,   // M or nullptr
                      int M, int C, int HW, bool relu);
void cam_elementwise(float* map,           // M x HW
                     const float* grad,    // M x C x HW
                     const float* act,     // N x C x HW
                     const int* image_of,  // M or nullptr
                     int M, int C, int HW, ElementwiseCam kind);

// relu_backward
void relu_backward(float* grad_in,         // M x per_image
                   const float* grad_out,  // M x per_image
                   const float* relu_out,  // N x per_image (nullptr for deconvnet)
                   const int* image_of,    // M or nullptr
                   int M, int64_t per_image, ReluRule rule);
void relu_maxpool_backward(float* grad_in,          // M x C x H x W
                           const float* grad_pool,  // M x C x (H/2) x (W/2)
                           const float* relu_out,   // N x C x H x W
                           const int* image_of,     // M or nullptr
                           int M, int C, int H, int W, ReluRule rule);

// upsample
void upsample_bilinear(float* out,       // M x H x W
                       const float* in,  // M x h x w
                       int M, int h, int w, int H, int W);
void normalise_by_max(float* out,       // M x HW
                      float* max_out,   // M or nullptr
                      const float* in,  // M x HW
                      int M, int64_t HW);

// guided_product
void guided_product(float* out,           // M x C x HW
                    const float* guided,  // M x C x HW
                    const float* map,     // M x HW
                    int M, int C, int64_t HW);

// engine_ops (the cuDNN engine's layer kernels)
void bias_act(float* y, const float* bias, int N, int C, int64_t inner, bool relu);
void maxpool2_forward(float* out, const float* in, int N, int C, int H, int W);
void maxpool2_backward(float* grad_in, const float* grad_out, const float* in,
                       const int* image_of, int M, int C, int H, int W);
void gap_forward(float* out, const float* in, int N, int C, int HW);
void gap_backward(float* grad_in, const float* grad_out, int M, int C, int HW);
void gather_rows(float* out, const float* in, const int* image_of, int M, int64_t per_row);

// tv_solver (the super-resolution solver's steps, as the Java solvers compute them; B planes)
void tv_spmv(double* out, int rows, int cols, const int* row_start, const int* column,
             const float* weight, const double* x, const double* g, int B, double scale);
void fgp_iterate(double* qx_out, double* qy_out, double* px, double* py, const double* qx_in,
                 const double* qy_in, const double* u, double alpha, double beta, int S, int B);
void tv_primal(double* out, const double* u, const double* px, const double* py, int S, int B);
void fgp_gap(double* gap, const double* w, const double* px, const double* py, double alpha,
             int S, int B);
void tv_value(double* tv, const double* v, int S, int B);
void seed_adam_step(double* v_out, double* m, double* s, const double* v, const double* data_grad,
                    double lambda_tv, double lambda_e, double lr_t, double beta1, double beta2,
                    double eps, int S, int B);

// augment (Augmentations.warpInput)
void warp_copies(float* out, const float* in, const float* fill, const double* affine,
                 const unsigned char* identity, int count, int C, int S);

// input_copies (org.gradcam4j.backend.InputCopies: Score-CAM, Integrated Gradients, Occlusion,
// SmoothGrad inputs made from one image)
void scorecam_masks(float* masks,      // K x S x S
                    const float* act,  // C x h x w
                    int first, int K, int h, int w, int S, bool align_corners, double eps);
void masked_copies(float* out, const float* image, const float* masks, int K, int C, int S);
void path_points(float* out, const float* image, const float* baseline, const double* alphas, int K,
                 int C, int S);
void occlusion_copies(float* out, const float* image, const float* fill, int first, int K, int C, int S,
                      int patch, int stride);
void noisy_copies(float* out, const float* image, const float* noise, double sigma, int K, int C, int S);

// ablated_copies (org.gradcam4j.backend.AblatedActivations: Ablation-CAM's ablated activations)
void ablated_copies(float* out,        // K x C x HW
                    const float* act,  // C x HW
                    int first, int K, int C, int64_t HW);

}  // namespace reference
}  // namespace gradcam4j
