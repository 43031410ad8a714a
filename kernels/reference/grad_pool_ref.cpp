// CPU reference for kernels/grad_pool.cu (Grad-CAM and XGrad-CAM channel weights).
#include "reference.h"

#include <cstddef>

namespace gradcam4j {
namespace reference {

void gradcam_weights(float* weights, const float* grad, int M, int C, int HW) {
    for (int m = 0; m < M; ++m) {
        for (int k = 0; k < C; ++k) {
            const float* g = grad + (static_cast<size_t>(m) * C + k) * HW;
            double s = 0.0;
            for (int i = 0; i < HW; ++i) s += g[i];
            weights[static_cast<size_t>(m) * C + k] = HW > 0 ? static_cast<float>(s / HW) : 0.f;
        }
    }
}

void xgradcam_weights(float* weights, const float* grad, const float* act, const int* image_of,
                      int M, int C, int HW, float eps) {
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        for (int k = 0; k < C; ++k) {
            const float* g = grad + (static_cast<size_t>(m) * C + k) * HW;
            const float* a = act + (static_cast<size_t>(n) * C + k) * HW;
            double ga = 0.0, sa = 0.0;
            for (int i = 0; i < HW; ++i) {
                ga += static_cast<double>(g[i]) * a[i];
                sa += a[i];
            }
            weights[static_cast<size_t>(m) * C + k] = static_cast<float>(ga / (sa + eps));
        }
    }
}

}  // namespace reference
}  // namespace gradcam4j
