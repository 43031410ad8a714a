// Augmented Grad-CAM's input copies on the device (docs/ALGORITHMS.md section 5): each copy is the
// preprocessed input warped by an affine map (rotate about the centre, then shift), bilinear,
// filled with the preprocessed value of black, exactly as org.gradcam4j.augment.Augmentations.
// warpInput computes it: per channel, (input - fill) warped with AffineWarp.apply's taps (double
// weights and sums, float result), then + fill; identity warps copy the input.
#pragma once

#include <cuda_runtime_api.h>

namespace gradcam4j {

// out (count x C x S x S) from in (C x S x S). affine (count x 6): ax, bx, cx, ay, by, cy with
// source = (ax x + bx y + cx, ay x + by y + cy) for output pixel (x, y); identity (count): 1 where
// the warp is the identity. fill (C): the fill value per channel.
cudaError_t launch_warp_copies(float* out, const float* in, const float* fill,
                               const double* affine, const unsigned char* identity, int count,
                               int C, int S, cudaStream_t stream);

}  // namespace gradcam4j
