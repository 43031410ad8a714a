// CPU reference for kernels/augment.cuh, written from Augmentations.warpInput and AffineWarp.taps /
// apply: shift by the fill value in float, bilinear taps in double (neighbours outside the plane and
// zero weights skipped, in the order (x0,y0), (x0+1,y0), (x0,y0+1), (x0+1,y0+1)), float result, +fill.
#include <cmath>
#include <vector>

#include "reference.h"

namespace gradcam4j {
namespace reference {

void warp_copies(float* out, const float* in, const float* fill, const double* affine,
                 const unsigned char* identity, int count, int C, int S) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    std::vector<float> shifted(static_cast<size_t>(plane));
    for (int k = 0; k < count; ++k)
        for (int ch = 0; ch < C; ++ch) {
            float* dst = out + (static_cast<int64_t>(k) * C + ch) * plane;
            const float* src = in + static_cast<int64_t>(ch) * plane;
            if (identity[k]) {
                for (int64_t i = 0; i < plane; ++i) dst[i] = src[i];
                continue;
            }
            const float f = fill[ch];
            for (int64_t i = 0; i < plane; ++i) shifted[i] = src[i] - f;
            const double* a = affine + 6 * k;
            for (int y = 0; y < S; ++y)
                for (int x = 0; x < S; ++x) {
                    const double sx = a[0] * x + a[1] * y + a[2], sy = a[3] * x + a[4] * y + a[5];
                    const double fx = std::floor(sx), fy = std::floor(sy);
                    double s = 0.0;
                    if (!(fx < -1 || fy < -1 || fx >= S || fy >= S)) {
                        const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
                        const double wx = sx - fx, wy = sy - fy;
                        const int tx[4] = {x0, x0 + 1, x0, x0 + 1}, ty[4] = {y0, y0, y0 + 1, y0 + 1};
                        const double tw[4] = {(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy};
                        for (int t = 0; t < 4; ++t) {
                            if (tw[t] == 0 || tx[t] < 0 || ty[t] < 0 || tx[t] >= S || ty[t] >= S) continue;
                            s += tw[t] * shifted[static_cast<size_t>(ty[t]) * S + tx[t]];
                        }
                    }
                    dst[static_cast<int64_t>(y) * S + x] = static_cast<float>(s) + f;
                }
        }
}

}  // namespace reference
}  // namespace gradcam4j
