// Map upsampling and normalisation (docs/ALGORITHMS.md section 3, "Upsampling" / "Normalisation").
//
// Bilinear resampling with half-pixel centres, the convention of cv2.resize(INTER_LINEAR) and
// torch interpolate(mode='bilinear', align_corners=False) without antialiasing:
//   sy = h / H, src_y = max((y + 0.5) * sy - 0.5, 0), y0 = floor(src_y), y1 = min(y0 + 1, h - 1),
//   ly = src_y - y0 (same along x); out = lerp over the 2x2 neighbours. Edges clamp.
// Works for any sizes, down-sampling included (then it is plain point-bilinear, no filtering).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace gradcam4j {

cudaError_t launch_upsample_bilinear(float* out,       // M x H x W
                                     const float* in,  // M x h x w
                                     int M, int h, int w, int H, int W, cudaStream_t stream);

// Per-map max normalisation exactly as the Java CPU implementation (MapOps.normaliseByMax):
// out[m,i] = in[m,i] > 0 ? in[m,i] / max_m : 0, with max_m the map's maximum, so the result is in
// [0, 1] (negative values, which only CAM maps have, become 0). A map whose maximum is not > 0
// comes back all zero (the caller flags it empty: max_out[m] <= 0). A map holding NaN or an
// infinity comes back all zero with max_out[m] = NaN: Java refuses such a map as an upstream
// bug, and the caller must do the same (it is never silently normalised). max_out (optional)
// receives every max_m. out may be the same pointer as in.
cudaError_t launch_normalise_by_max(float* out,       // M x HW
                                    float* max_out,   // M, or nullptr
                                    const float* in,  // M x HW
                                    int M, int64_t HW, cudaStream_t stream);

}  // namespace gradcam4j
