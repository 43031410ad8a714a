// CPU reference for kernels/gradcampp.cu (Grad-CAM++ alphas and weights, both forms).
#include "reference.h"

#include <cstddef>

namespace gradcam4j {
namespace reference {

void gradcampp_weights(float* weights, float* alphas, const float* grad, const float* act,
                       const int* image_of, int M, int C, int HW, GradCamPlusPlusForm form,
                       float eps) {
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        for (int k = 0; k < C; ++k) {
            const size_t row = static_cast<size_t>(m) * C + k;
            const float* g = grad + row * HW;
            const float* a = act + (static_cast<size_t>(n) * C + k) * HW;
            double S = 0.0;
            for (int i = 0; i < HW; ++i) S += a[i];

            auto alpha_of = [&](double gi) -> double {
                const double g2 = gi * gi;
                if (form == GradCamPlusPlusForm::kDefault) {
                    return gi == 0.0 ? 0.0 : g2 / (2.0 * g2 + S * g2 * gi + eps);
                }
                double d = 2.0 * g2 + S * g2 * gi;
                if (d == 0.0) d = 1.0;
                return g2 / d;
            };

            double w = 0.0, Z = 0.0;
            for (int i = 0; i < HW; ++i) {
                if (g[i] > 0.f) {
                    const double alpha = alpha_of(g[i]);
                    w += alpha * g[i];
                    Z += alpha;
                }
            }
            double norm = 1.0;
            if (form == GradCamPlusPlusForm::kOfficial && Z != 0.0) norm = Z;
            weights[row] = static_cast<float>(w / norm);
            if (alphas) {
                for (int i = 0; i < HW; ++i)
                    alphas[row * HW + i] = static_cast<float>(alpha_of(g[i]) / norm);
            }
        }
    }
}

}  // namespace reference
}  // namespace gradcam4j
