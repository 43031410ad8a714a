// CPU reference for kernels/relu_backward.cu (ReLU rules; fused ReLU + max-pool backward).
#include "reference.h"

#include <cstddef>

namespace gradcam4j {
namespace reference {
namespace {

float apply_rule(ReluRule rule, float r, float y) {
    switch (rule) {
        case ReluRule::kGradient: return y > 0.f ? r : 0.f;
        case ReluRule::kGuided: return (y > 0.f && r > 0.f) ? r : 0.f;
        case ReluRule::kDeconvnet: return r > 0.f ? r : 0.f;
    }
    return 0.f;
}

}  // namespace

void relu_backward(float* grad_in, const float* grad_out, const float* relu_out,
                   const int* image_of, int M, int64_t per_image, ReluRule rule) {
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        for (int64_t i = 0; i < per_image; ++i) {
            const int64_t e = static_cast<int64_t>(m) * per_image + i;
            const float y = rule == ReluRule::kDeconvnet ? 0.f : relu_out[n * per_image + i];
            grad_in[e] = apply_rule(rule, grad_out[e], y);
        }
    }
}

void relu_maxpool_backward(float* grad_in, const float* grad_pool, const float* relu_out,
                           const int* image_of, int M, int C, int H, int W, ReluRule rule) {
    const int Hp = H / 2, Wp = W / 2;
    for (int64_t e = 0; e < static_cast<int64_t>(M) * C * H * W; ++e) grad_in[e] = 0.f;
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        for (int c = 0; c < C; ++c) {
            const float* y = relu_out + (static_cast<size_t>(n) * C + c) * H * W;
            float* gi = grad_in + (static_cast<size_t>(m) * C + c) * H * W;
            const float* gp = grad_pool + (static_cast<size_t>(m) * C + c) * Hp * Wp;
            for (int py = 0; py < Hp; ++py) {
                for (int px = 0; px < Wp; ++px) {
                    // First maximum in window order (0,0), (0,1), (1,0), (1,1).
                    int by = 2 * py, bx = 2 * px;
                    for (int dy = 0; dy < 2; ++dy)
                        for (int dx = 0; dx < 2; ++dx)
                            if (y[(2 * py + dy) * W + 2 * px + dx] > y[by * W + bx]) {
                                by = 2 * py + dy;
                                bx = 2 * px + dx;
                            }
                    gi[by * W + bx] = apply_rule(rule, gp[py * Wp + px], y[by * W + bx]);
                }
            }
        }
    }
}

}  // namespace reference
}  // namespace gradcam4j
