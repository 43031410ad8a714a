// CPU references for kernels/engine_ops.cuh: straightforward loops, double accumulation for the
// mean, the same first-maximum rule (strict '>' in window order (0,0), (0,1), (1,0), (1,1)).
#include <algorithm>

#include "reference.h"

namespace gradcam4j {
namespace reference {

void bias_act(float* y, const float* bias, int N, int C, int64_t inner, bool relu) {
    for (int n = 0; n < N; ++n)
        for (int c = 0; c < C; ++c)
            for (int64_t i = 0; i < inner; ++i) {
                float& v = y[(static_cast<int64_t>(n) * C + c) * inner + i];
                if (bias) v += bias[c];
                if (relu) v = std::max(v, 0.f);
            }
}

namespace {
// Index (0..3) of the first maximum of the 2x2 window at (2py, 2px) of a plane.
int window_argmax(const float* plane, int W, int py, int px) {
    const float* p = plane + static_cast<int64_t>(2 * py) * W + 2 * px;
    const float v[4] = {p[0], p[1], p[W], p[W + 1]};
    int arg = 0;
    for (int k = 1; k < 4; ++k)
        if (v[k] > v[arg]) arg = k;
    return arg;
}
}  // namespace

void maxpool2_forward(float* out, const float* in, int N, int C, int H, int W) {
    const int Ho = H / 2, Wo = W / 2;
    for (int64_t pl = 0; pl < static_cast<int64_t>(N) * C; ++pl) {
        const float* plane = in + pl * H * W;
        for (int y = 0; y < Ho; ++y)
            for (int x = 0; x < Wo; ++x) {
                const int a = window_argmax(plane, W, y, x);
                out[(pl * Ho + y) * Wo + x] = plane[static_cast<int64_t>(2 * y + a / 2) * W + 2 * x + a % 2];
            }
    }
}

void maxpool2_backward(float* grad_in, const float* grad_out, const float* in,
                       const int* image_of, int M, int C, int H, int W) {
    const int Ho = H / 2, Wo = W / 2;
    std::fill(grad_in, grad_in + static_cast<int64_t>(M) * C * H * W, 0.f);
    for (int m = 0; m < M; ++m) {
        const int n = image_of ? image_of[m] : m;
        for (int c = 0; c < C; ++c) {
            const float* plane = in + (static_cast<int64_t>(n) * C + c) * H * W;
            float* g = grad_in + (static_cast<int64_t>(m) * C + c) * H * W;
            const float* go = grad_out + (static_cast<int64_t>(m) * C + c) * Ho * Wo;
            for (int y = 0; y < Ho; ++y)
                for (int x = 0; x < Wo; ++x) {
                    const int a = window_argmax(plane, W, y, x);
                    g[static_cast<int64_t>(2 * y + a / 2) * W + 2 * x + a % 2] = go[y * Wo + x];
                }
        }
    }
}

void gap_forward(float* out, const float* in, int N, int C, int HW) {
    for (int64_t pl = 0; pl < static_cast<int64_t>(N) * C; ++pl) {
        double s = 0.0;
        for (int i = 0; i < HW; ++i) s += in[pl * HW + i];
        out[pl] = HW > 0 ? static_cast<float>(s / HW) : 0.f;
    }
}

void gap_backward(float* grad_in, const float* grad_out, int M, int C, int HW) {
    for (int64_t pl = 0; pl < static_cast<int64_t>(M) * C; ++pl)
        for (int i = 0; i < HW; ++i) grad_in[pl * HW + i] = grad_out[pl] * (1.f / static_cast<float>(HW));
}

void gather_rows(float* out, const float* in, const int* image_of, int M, int64_t per_row) {
    for (int m = 0; m < M; ++m)
        std::copy(in + static_cast<int64_t>(image_of[m]) * per_row,
                  in + static_cast<int64_t>(image_of[m] + 1) * per_row, out + m * per_row);
}

}  // namespace reference
}  // namespace gradcam4j
