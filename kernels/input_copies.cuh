// Network inputs made on the device from one uploaded image, for the methods that run the network
// on many variants of it (docs/ALGORITHMS.md section 8). Each launcher computes exactly what the
// Java host definition (org.gradcam4j.backend.InputCopies) computes, operation for operation
// (double where Java uses double, float where it uses float; compiled with --fmad=false), so that
// the copies are the host's to the last bit:
//   Score-CAM  masks: channel k of the target layer's activation upsampled to S x S (bilinear,
//              align_corners=True for pytorch-grad-cam's form, half-pixel centres for the paper's;
//              double taps, float result), then (m - min) / (max - min + eps) per mask (float
//              min / max, double arithmetic, float result); masked copy k = image * mask_k (float);
//   Integrated Gradients path points: (float) (b + alpha_k (x - b)) with x - b a float
//              difference, b the per-channel baseline;
//   Occlusion  copy p = the image with the p-th patch position (row-major over the
//              ((S - patch) / stride + 1)^2 positions) filled with the per-channel fill value;
//   SmoothGrad noisy copy k = (float) (x + sigma z_k), z the host-drawn standard normal noise.
#pragma once

#include <cuda_runtime_api.h>

namespace gradcam4j {

// masks (K x S x S): channels first .. first+K-1 of act (C x h x w), as above. align_corners:
// pytorch-grad-cam's form; else half-pixel centres (org.gradcam4j.image.Bilinear). eps: the Java
// Epsilons.SCORECAM_MASK.
cudaError_t launch_scorecam_masks(float* masks, const float* act, int first, int K, int C, int h,
                                  int w, int S, bool align_corners, double eps, cudaStream_t stream);

// out (K x C x S x S) = image (C x S x S) times masks (K x S x S), broadcast over channels.
cudaError_t launch_masked_copies(float* out, const float* image, const float* masks, int K, int C,
                                 int S, cudaStream_t stream);

// out (K x C x S x S): path points alphas[0..K) between baseline (C values) and image.
cudaError_t launch_path_points(float* out, const float* image, const float* baseline,
                               const double* alphas, int K, int C, int S, cudaStream_t stream);

// out (K x C x S x S): occluded copies first .. first+K-1 (patch positions) of image.
cudaError_t launch_occlusion_copies(float* out, const float* image, const float* fill, int first,
                                    int K, int C, int S, int patch, int stride, cudaStream_t stream);

// out (K x C x S x S) = image + sigma * noise (K x C x S x S).
cudaError_t launch_noisy_copies(float* out, const float* image, const float* noise, double sigma,
                                int K, int C, int S, cudaStream_t stream);

}  // namespace gradcam4j
