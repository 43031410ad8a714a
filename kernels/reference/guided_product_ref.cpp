// CPU reference for kernels/guided_product.cu (Guided Grad-CAM broadcast product).
#include "reference.h"

#include <cstddef>

namespace gradcam4j {
namespace reference {

void guided_product(float* out, const float* guided, const float* map, int M, int C, int64_t HW) {
    for (int m = 0; m < M; ++m)
        for (int c = 0; c < C; ++c)
            for (int64_t p = 0; p < HW; ++p) {
                const size_t e = (static_cast<size_t>(m) * C + c) * HW + p;
                out[e] = guided[e] * map[static_cast<size_t>(m) * HW + p];
            }
}

}  // namespace reference
}  // namespace gradcam4j
