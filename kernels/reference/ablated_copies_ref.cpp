// CPU reference for kernels/ablated_copies.cuh, written from the Java host definition
// (org.gradcam4j.backend.AblatedActivations): each copy is the activation with one channel's
// plane overwritten by zeros. InputCopiesKernelReferenceTest holds it to Java bit for bit.
#include <algorithm>

#include "reference.h"

namespace gradcam4j {
namespace reference {

void ablated_copies(float* out, const float* act, int first, int K, int C, int64_t HW) {
    const int64_t per = static_cast<int64_t>(C) * HW;
    for (int k = 0; k < K; ++k) {
        float* copy = out + k * per;
        std::copy(act, act + per, copy);
        std::fill(copy + (first + k) * HW, copy + (first + k + 1) * HW, 0.f);
    }
}

}  // namespace reference
}  // namespace gradcam4j
