// CPU reference for kernels/upsample.cu (half-pixel bilinear resampling, max normalisation).
#include "reference.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace gradcam4j {
namespace reference {

void upsample_bilinear(float* out, const float* in, int M, int h, int w, int H, int W) {
    const double sy = static_cast<double>(h) / H, sx = static_cast<double>(w) / W;
    for (int m = 0; m < M; ++m) {
        const float* src = in + static_cast<size_t>(m) * h * w;
        float* dst = out + static_cast<size_t>(m) * H * W;
        for (int oy = 0; oy < H; ++oy) {
            const double fy = std::max((oy + 0.5) * sy - 0.5, 0.0);
            const int y0 = std::min(static_cast<int>(std::floor(fy)), h - 1);
            const int y1 = std::min(y0 + 1, h - 1);
            const double ly = fy - y0;
            for (int ox = 0; ox < W; ++ox) {
                const double fx = std::max((ox + 0.5) * sx - 0.5, 0.0);
                const int x0 = std::min(static_cast<int>(std::floor(fx)), w - 1);
                const int x1 = std::min(x0 + 1, w - 1);
                const double lx = fx - x0;
                const double top = (1 - lx) * src[y0 * w + x0] + lx * src[y0 * w + x1];
                const double bot = (1 - lx) * src[y1 * w + x0] + lx * src[y1 * w + x1];
                dst[oy * W + ox] = static_cast<float>((1 - ly) * top + ly * bot);
            }
        }
    }
}

// MapOps.normaliseByMax: negatives become 0, a map whose maximum is not positive comes back all
// zero, and a map holding NaN or an infinity is refused (here: all zero, max reported as NaN).
void normalise_by_max(float* out, float* max_out, const float* in, int M, int64_t HW) {
    for (int m = 0; m < M; ++m) {
        const float* src = in + static_cast<size_t>(m) * HW;
        float* dst = out + static_cast<size_t>(m) * HW;
        float mx = -INFINITY;
        bool finite = true;
        for (int64_t i = 0; i < HW; ++i) {
            if (!std::isfinite(src[i])) {
                finite = false;
            } else if (src[i] > mx) {
                mx = src[i];
            }
        }
        if (max_out) max_out[m] = !finite ? NAN : HW > 0 ? mx : 0.f;
        const bool scale = finite && mx > 0.f;
        for (int64_t i = 0; i < HW; ++i) dst[i] = scale && src[i] > 0.f ? src[i] / mx : 0.f;
    }
}

}  // namespace reference
}  // namespace gradcam4j
