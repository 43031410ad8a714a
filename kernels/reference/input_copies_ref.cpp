// CPU references for kernels/input_copies.cuh, written from the Java host definitions
// (org.gradcam4j.backend.InputCopies): the same operations in the same precision, so that
// KernelReferenceJavaParityTest can hold them to Java bit for bit.
#include <algorithm>
#include <cmath>
#include <limits>

#include "reference.h"

namespace gradcam4j {
namespace reference {

void scorecam_masks(float* masks, const float* act, int first, int K, int h, int w, int S,
                    bool align_corners, double eps) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    for (int k = 0; k < K; ++k) {
        const float* src = act + static_cast<int64_t>(first + k) * h * w;
        float* m = masks + k * plane;
        for (int y = 0; y < S; ++y) {
            for (int x = 0; x < S; ++x) {
                int y0, y1, x0, x1;
                double fy, fx;
                if (align_corners) {  // InputCopies.upsampleAlignCorners
                    const double sy = S > 1 ? static_cast<double>(y) * (h - 1) / (S - 1) : 0.0;
                    const double sx = S > 1 ? static_cast<double>(x) * (w - 1) / (S - 1) : 0.0;
                    y0 = static_cast<int>(std::floor(sy));
                    x0 = static_cast<int>(std::floor(sx));
                    y1 = std::min(y0 + 1, h - 1);
                    x1 = std::min(x0 + 1, w - 1);
                    fy = sy - y0;
                    fx = sx - x0;
                } else {  // Bilinear.resize (half-pixel centres)
                    double sy = static_cast<double>(h) / S * (y + 0.5) - 0.5;
                    double sx = static_cast<double>(w) / S * (x + 0.5) - 0.5;
                    if (sy < 0) sy = 0;
                    if (sx < 0) sx = 0;
                    y0 = static_cast<int>(sy);
                    x0 = static_cast<int>(sx);
                    y1 = y0 < h - 1 ? y0 + 1 : y0;
                    x1 = x0 < w - 1 ? x0 + 1 : x0;
                    fy = sy - y0;
                    fx = sx - x0;
                }
                const double top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
                const double bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
                m[static_cast<int64_t>(y) * S + x] = static_cast<float>(top * (1 - fy) + bottom * fy);
            }
        }
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        for (int64_t i = 0; i < plane; ++i) {
            lo = std::min(lo, m[i]);
            hi = std::max(hi, m[i]);
        }
        const double den = static_cast<double>(hi) - lo + eps;
        for (int64_t i = 0; i < plane; ++i) m[i] = static_cast<float>((m[i] - static_cast<double>(lo)) / den);
    }
}

void masked_copies(float* out, const float* image, const float* masks, int K, int C, int S) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    for (int k = 0; k < K; ++k)
        for (int q = 0; q < C; ++q)
            for (int64_t p = 0; p < plane; ++p)
                out[(static_cast<int64_t>(k) * C + q) * plane + p] = image[q * plane + p] * masks[k * plane + p];
}

void path_points(float* out, const float* image, const float* baseline, const double* alphas, int K,
                 int C, int S) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    for (int k = 0; k < K; ++k)
        for (int q = 0; q < C; ++q)
            for (int64_t p = 0; p < plane; ++p) {
                const float diff = image[q * plane + p] - baseline[q];
                out[(static_cast<int64_t>(k) * C + q) * plane + p] =
                    static_cast<float>(static_cast<double>(baseline[q]) + alphas[k] * static_cast<double>(diff));
            }
}

void occlusion_copies(float* out, const float* image, const float* fill, int first, int K, int C, int S,
                      int patch, int stride) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    const int per_side = (S - patch) / stride + 1;
    for (int k = 0; k < K; ++k) {
        const int pos = first + k, y0 = (pos / per_side) * stride, x0 = (pos % per_side) * stride;
        for (int q = 0; q < C; ++q) {
            float* dst = out + (static_cast<int64_t>(k) * C + q) * plane;
            std::copy(image + q * plane, image + (q + 1) * plane, dst);
            for (int y = y0; y < y0 + patch; ++y) std::fill(dst + y * S + x0, dst + y * S + x0 + patch, fill[q]);
        }
    }
}

void noisy_copies(float* out, const float* image, const float* noise, double sigma, int K, int C, int S) {
    const int64_t per = static_cast<int64_t>(C) * S * S;
    for (int k = 0; k < K; ++k)
        for (int64_t p = 0; p < per; ++p)
            out[k * per + p] = static_cast<float>(static_cast<double>(image[p]) + sigma * static_cast<double>(noise[k * per + p]));
}

}  // namespace reference
}  // namespace gradcam4j
