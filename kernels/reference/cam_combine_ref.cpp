// CPU reference for kernels/cam_combine.cu (weighted channel sum, HiResCAM, LayerCAM).
#include "reference.h"

#include <algorithm>
#include <cstddef>

namespace gradcam4j {
namespace reference {

void cam_weighted_sum(float* map, const float* weights, const float* act, const int* image_of,
                      int M, int C, int HW, bool relu) {
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        const float* a = act + static_cast<size_t>(n) * C * HW;
        const float* w = weights + static_cast<size_t>(m) * C;
        for (int p = 0; p < HW; ++p) {
            double s = 0.0;
            for (int k = 0; k < C; ++k) s += static_cast<double>(w[k]) * a[static_cast<size_t>(k) * HW + p];
            map[static_cast<size_t>(m) * HW + p] = static_cast<float>(relu ? std::max(s, 0.0) : s);
        }
    }
}

void cam_elementwise(float* map, const float* grad, const float* act, const int* image_of, int M,
                     int C, int HW, ElementwiseCam kind) {
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        const float* a = act + static_cast<size_t>(n) * C * HW;
        const float* g = grad + static_cast<size_t>(m) * C * HW;
        for (int p = 0; p < HW; ++p) {
            double s = 0.0;
            for (int k = 0; k < C; ++k) {
                const size_t i = static_cast<size_t>(k) * HW + p;
                double gi = g[i];
                if (kind == ElementwiseCam::kLayerCam) gi = std::max(gi, 0.0);
                s += gi * a[i];
            }
            map[static_cast<size_t>(m) * HW + p] = static_cast<float>(std::max(s, 0.0));
        }
    }
}

}  // namespace reference
}  // namespace gradcam4j
