// CPU references for kernels/tv_solver.cuh, written from the Java solvers
// (org.gradcam4j.augment.TvSuperResolution.Fgp, ObservationOperator, SeedAdamSuperResolution) with
// the same expressions in the same order, plane after plane.
#include <cmath>
#include <vector>

#include "reference.h"

namespace gradcam4j {
namespace reference {

void tv_spmv(double* out, int rows, int cols, const int* row_start, const int* column,
             const float* weight, const double* x, const double* g, int B, double scale) {
    for (int b = 0; b < B; ++b)
        for (int r = 0; r < rows; ++r) {
            double s = 0.0;
            for (int k = row_start[r]; k < row_start[r + 1]; ++k)
                s += static_cast<double>(weight[k]) * x[static_cast<int64_t>(b) * cols + column[k]];
            const int64_t e = static_cast<int64_t>(b) * rows + r;
            if (g) s -= g[e];
            out[e] = scale * s;
        }
}

void tv_primal(double* out, const double* u, const double* px, const double* py, int S, int B) {
    const int64_t n = static_cast<int64_t>(S) * S;
    for (int b = 0; b < B; ++b) {
        const double* ax = px + b * n;
        const double* ay = py + b * n;
        for (int y = 0; y < S; ++y)
            for (int x = 0; x < S; ++x) {
                const int i = y * S + x;
                double w = (u ? u[b * n + i] : 0.0) + ax[i];
                if (x > 0) w -= ax[i - 1];
                w += ay[i];
                if (y > 0) w -= ay[i - S];
                out[b * n + i] = w;
            }
    }
}

void fgp_iterate(double* qx_out, double* qy_out, double* px, double* py, const double* qx_in,
                 const double* qy_in, const double* u, double alpha, double beta, int S, int B) {
    const int64_t n = static_cast<int64_t>(S) * S;
    std::vector<double> w(static_cast<size_t>(n * B));
    tv_primal(w.data(), u, qx_in, qy_in, S, B);
    for (int64_t e = 0; e < n * B; ++e) {
        const int i = static_cast<int>(e % n), y = i / S, x = i % S;
        if (x < S - 1) {
            const double v = qx_in[e] + (w[e + 1] - w[e]) * 0.125;
            const double nx = 0.5 * (std::fabs(v + alpha) - std::fabs(v - alpha));
            qx_out[e] = nx + beta * (nx - px[e]);
            px[e] = nx;
        } else {
            qx_out[e] = 0.0;
        }
        if (y < S - 1) {
            const double v = qy_in[e] + (w[e + S] - w[e]) * 0.125;
            const double ny = 0.5 * (std::fabs(v + alpha) - std::fabs(v - alpha));
            qy_out[e] = ny + beta * (ny - py[e]);
            py[e] = ny;
        } else {
            qy_out[e] = 0.0;
        }
    }
}

void fgp_gap(double* gap, const double* w, const double* px, const double* py, double alpha,
             int S, int B) {
    // TvSuperResolution.Fgp.gap's order: per row, its x-differences, then its y-differences.
    const int64_t n = static_cast<int64_t>(S) * S;
    for (int b = 0; b < B; ++b) {
        const double* wb = w + b * n;
        double g = 0.0;
        for (int y = 0; y < S; ++y) {
            const int64_t r = static_cast<int64_t>(y) * S;
            for (int64_t i = r; i < r + S - 1; ++i) {
                const double d = wb[i + 1] - wb[i];
                g += alpha * std::fabs(d) - px[b * n + i] * d;
            }
            if (y < S - 1) {
                for (int64_t i = r; i < r + S; ++i) {
                    const double d = wb[i + S] - wb[i];
                    g += alpha * std::fabs(d) - py[b * n + i] * d;
                }
            }
        }
        gap[b] = g;
    }
}

void tv_value(double* tv, const double* v, int S, int B) {
    // TotalVariation.value's order: per row, its x-differences, then its y-differences.
    const int64_t n = static_cast<int64_t>(S) * S;
    for (int b = 0; b < B; ++b) {
        const double* vb = v + b * n;
        double t = 0.0;
        for (int y = 0; y < S; ++y) {
            const int64_t r = static_cast<int64_t>(y) * S;
            for (int x = 0; x < S - 1; ++x) t += std::fabs(vb[r + x + 1] - vb[r + x]);
            if (y < S - 1)
                for (int x = 0; x < S; ++x) t += std::fabs(vb[r + S + x] - vb[r + x]);
        }
        tv[b] = t;
    }
}

namespace {
double sign0(double d) { return d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0); }
}  // namespace

void seed_adam_step(double* v_out, double* m, double* s, const double* v, const double* data_grad,
                    double lambda_tv, double lambda_e, double lr_t, double beta1, double beta2,
                    double eps, int S, int B) {
    const int64_t n = static_cast<int64_t>(S) * S;
    for (int64_t e = 0; e < n * B; ++e) {
        const int64_t b = e / n;
        const int i = static_cast<int>(e - b * n), y = i / S, x = i % S;
        const double* vb = v + b * n;
        double g = data_grad[e];
        if (x > 0) g += lambda_tv * sign0(vb[i] - vb[i - 1]);
        if (x < S - 1) g -= lambda_tv * sign0(vb[i + 1] - vb[i]);
        if (y > 0) g += lambda_tv * sign0(vb[i] - vb[i - S]);
        if (y < S - 1) g -= lambda_tv * sign0(vb[i + S] - vb[i]);
        g += 2 * lambda_e * vb[i];
        m[e] = beta1 * m[e] + (1 - beta1) * g;
        s[e] = beta2 * s[e] + (1 - beta2) * g * g;
        v_out[e] = vb[i] - lr_t * m[e] / (std::sqrt(s[e]) + eps);
    }
}

}  // namespace reference
}  // namespace gradcam4j
