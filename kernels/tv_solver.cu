// Super-resolution solver kernels; see tv_solver.cuh for the contracts. One thread per pixel (or
// per observation row) with the Java solvers' arithmetic in the same order; reductions are one
// block per plane.
#include "tv_solver.cuh"

#include <algorithm>

#include "detail/reduce.cuh"

namespace gradcam4j {

void tv_transpose_csr(int rows, int cols, const std::vector<int>& row_start,
                      const std::vector<int>& column, const std::vector<float>& weight,
                      std::vector<int>& t_row_start, std::vector<int>& t_column,
                      std::vector<float>& t_weight) {
    t_row_start.assign(static_cast<size_t>(cols) + 1, 0);
    for (int k = 0; k < row_start[rows]; ++k) ++t_row_start[static_cast<size_t>(column[k]) + 1];
    for (int c = 0; c < cols; ++c) t_row_start[c + 1] += t_row_start[c];
    t_column.resize(static_cast<size_t>(row_start[rows]));
    t_weight.resize(t_column.size());
    std::vector<int> next(t_row_start.begin(), t_row_start.end() - 1);
    for (int r = 0; r < rows; ++r) {  // increasing r: each new row's entries come out in row order
        for (int k = row_start[r]; k < row_start[r + 1]; ++k) {
            const int at = next[column[k]]++;
            t_column[at] = r;
            t_weight[at] = weight[k];
        }
    }
}

namespace {

constexpr int kThreads = 256;

inline unsigned grid_for(int64_t work) { return detail::stride_grid(work, kThreads); }

#define GRID_STRIDE(i, total)                                                                   \
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (total); \
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)

__global__ void spmv_kernel(double* __restrict__ out, const int* __restrict__ row_start,
                            const int* __restrict__ column, const float* __restrict__ weight,
                            const double* __restrict__ x, const double* __restrict__ g, int rows,
                            int cols, double scale, int64_t total) {
    GRID_STRIDE(e, total) {
        const int64_t b = e / rows;
        const int r = static_cast<int>(e - b * rows);
        const double* xb = x + b * cols;
        double s = 0.0;
        for (int k = row_start[r], end = row_start[r + 1]; k < end; ++k)
            s += static_cast<double>(weight[k]) * xb[column[k]];
        if (g) s -= g[e];
        out[e] = scale * s;
    }
}

// w at (y, x) of u - grad* q, the Java primal()'s expression and order.
__device__ __forceinline__ double primal_at(const double* u, const double* qx, const double* qy,
                                            int S, int y, int x) {
    const int i = y * S + x;
    double w = (u ? u[i] : 0.0) + qx[i];
    if (x > 0) w -= qx[i - 1];
    w += qy[i];
    if (y > 0) w -= qy[i - S];
    return w;
}

__device__ __forceinline__ double clip_abs(double v, double a) {
    return 0.5 * (fabs(v + a) - fabs(v - a));  // as TvSuperResolution.Fgp.step
}

__global__ void fgp_iterate_kernel(double* __restrict__ qx_out, double* __restrict__ qy_out,
                                   double* __restrict__ px, double* __restrict__ py,
                                   const double* __restrict__ qx_in,
                                   const double* __restrict__ qy_in, const double* __restrict__ u,
                                   double alpha, double beta, int S,
                                   const unsigned char* __restrict__ active, int64_t total) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    GRID_STRIDE(e, total) {
        const int64_t b = e / plane;
        if (active && !active[b]) continue;
        const int i = static_cast<int>(e - b * plane);
        const int y = i / S, x = i - y * S;
        const double* ub = u + b * plane;
        const double* qxb = qx_in + b * plane;
        const double* qyb = qy_in + b * plane;
        const double w = primal_at(ub, qxb, qyb, S, y, x);
        if (x < S - 1) {
            const double v = qxb[i] + (primal_at(ub, qxb, qyb, S, y, x + 1) - w) * 0.125;
            const double nx = clip_abs(v, alpha);
            qx_out[e] = nx + beta * (nx - px[e]);
            px[e] = nx;
        } else {
            qx_out[e] = 0.0;  // the last column belongs to no difference
        }
        if (y < S - 1) {
            const double v = qyb[i] + (primal_at(ub, qxb, qyb, S, y + 1, x) - w) * 0.125;
            const double ny = clip_abs(v, alpha);
            qy_out[e] = ny + beta * (ny - py[e]);
            py[e] = ny;
        } else {
            qy_out[e] = 0.0;
        }
    }
}

__global__ void primal_kernel(double* __restrict__ out, const double* __restrict__ u,
                              const double* __restrict__ px, const double* __restrict__ py, int S,
                              int64_t total) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    GRID_STRIDE(e, total) {
        const int64_t b = e / plane;
        const int i = static_cast<int>(e - b * plane);
        out[e] = primal_at(u ? u + b * plane : nullptr, px + b * plane, py + b * plane, S, i / S, i % S);
    }
}

// The check-time reductions (fgp_gap, tv_value, batched_dot, dual_norm) decide when the solver
// stops, so they sum in exactly the Java solvers' order: one thread per plane walking the plane
// sequentially (TvSuperResolution.Fgp.gap / objectiveAndGap, TotalVariation.value,
// ObservationOperator.dot). A tree reduction would differ from Java by ~1e-14 relative, enough
// to flip a stop decision. The cost is a serial pass over each plane per check (~S^2 dependent
// adds: ~50k at S = 224, well under a millisecond), paid only every few iterations.
constexpr int kPlaneThreads = 32;

inline unsigned plane_blocks(int B) { return static_cast<unsigned>(detail::blocks_for(B, kPlaneThreads)); }

// Per row y: the x-differences of the row, then (all rows but the last) its y-differences.
__global__ void fgp_gap_kernel(double* __restrict__ gap, const double* __restrict__ w,
                               const double* __restrict__ px, const double* __restrict__ py,
                               double alpha, int S, int B) {
    const int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= B) return;
    const int64_t plane = static_cast<int64_t>(S) * S;
    const double* wb = w + b * plane;
    const double* pxb = px + b * plane;
    const double* pyb = py + b * plane;
    double g = 0.0;
    for (int y = 0; y < S; ++y) {
        const int64_t r = static_cast<int64_t>(y) * S;
        for (int64_t i = r, e = r + S - 1; i < e; ++i) {
            const double d = wb[i + 1] - wb[i];
            g += alpha * fabs(d) - pxb[i] * d;
        }
        if (y < S - 1) {
            for (int64_t i = r, e = r + S; i < e; ++i) {
                const double d = wb[i + S] - wb[i];
                g += alpha * fabs(d) - pyb[i] * d;
            }
        }
    }
    gap[b] = g;
}

__global__ void tv_value_kernel(double* __restrict__ tv, const double* __restrict__ v, int S, int B) {
    const int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= B) return;
    const int64_t plane = static_cast<int64_t>(S) * S;
    const double* vb = v + b * plane;
    double t = 0.0;
    for (int y = 0; y < S; ++y) {
        const int64_t r = static_cast<int64_t>(y) * S;
        for (int x = 0; x < S - 1; ++x) t += fabs(vb[r + x + 1] - vb[r + x]);
        if (y < S - 1) for (int x = 0; x < S; ++x) t += fabs(vb[r + S + x] - vb[r + x]);
    }
    tv[b] = t;
}

__global__ void batched_dot_kernel(double* __restrict__ out, const double* __restrict__ x,
                                   const double* __restrict__ y, int64_t n, int B) {
    const int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= B) return;
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += x[b * n + i] * y[b * n + i];
    out[b] = s;
}

__global__ void vfista_gradient_kernel(double* __restrict__ u, const double* __restrict__ z,
                                       const double* __restrict__ grad,
                                       const double* __restrict__ lipschitz, double lambda_e,
                                       int64_t n, int64_t total) {
    GRID_STRIDE(e, total) {
        u[e] = z[e] - (2 * grad[e] + 2 * lambda_e * z[e]) / lipschitz[e / n];
    }
}

__global__ void vfista_extrapolate_kernel(double* __restrict__ z, const double* __restrict__ v,
                                          const double* __restrict__ v_prev,
                                          const double* __restrict__ q, int64_t n, int64_t total) {
    GRID_STRIDE(e, total) { z[e] = v[e] + q[e / n] * (v[e] - v_prev[e]); }
}

__global__ void divide_kernel(double* __restrict__ out, const double* __restrict__ in,
                              double divisor, int64_t n) {
    GRID_STRIDE(e, n) { out[e] = in[e] / divisor; }
}

__global__ void dual_norm_kernel(double* __restrict__ out, const double* __restrict__ work,
                                 const double* __restrict__ p0, const double* __restrict__ lipschitz,
                                 int64_t n, int B) {
    const int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= B) return;
    const double l = lipschitz[b];
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = work[b * n + i] + l * (-p0[b * n + i]);
        acc += d * d;
    }
    out[b] = acc;
}

__device__ __forceinline__ double sign0(double d) { return d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0); }

__global__ void seed_adam_kernel(double* __restrict__ v_out, double* __restrict__ m,
                                 double* __restrict__ s, const double* __restrict__ v,
                                 const double* __restrict__ data_grad, double lambda_tv,
                                 double lambda_e, double lr_t, double beta1, double beta2,
                                 double eps, int S, int64_t total) {
    const int64_t plane = static_cast<int64_t>(S) * S;
    GRID_STRIDE(e, total) {
        const int64_t b = e / plane;
        const int i = static_cast<int>(e - b * plane);
        const int y = i / S, x = i - y * S;
        const double* vb = v + b * plane;
        double g = data_grad[e];
        // SeedAdamSuperResolution.gradient's four passes, in its order
        if (x > 0) g += lambda_tv * sign0(vb[i] - vb[i - 1]);
        if (x < S - 1) g -= lambda_tv * sign0(vb[i + 1] - vb[i]);
        if (y > 0) g += lambda_tv * sign0(vb[i] - vb[i - S]);
        if (y < S - 1) g -= lambda_tv * sign0(vb[i + S] - vb[i]);
        g += 2 * lambda_e * vb[i];
        const double mi = beta1 * m[e] + (1 - beta1) * g;
        const double si = beta2 * s[e] + (1 - beta2) * g * g;
        m[e] = mi;
        s[e] = si;
        v_out[e] = vb[i] - lr_t * mi / (sqrt(si) + eps);
    }
}

#undef GRID_STRIDE

bool bad_plane_args(int S, int B) { return S < 0 || B < 0; }

}  // namespace

cudaError_t launch_tv_spmv(double* out, CsrMatrix a, const double* x, const double* g, int B,
                           double scale, cudaStream_t stream) {
    if (a.rows < 0 || a.cols < 0 || B < 0) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(a.rows) * B;
    if (total == 0) return cudaSuccess;
    if (!out || !x || !a.row_start || !a.column || !a.weight) return cudaErrorInvalidValue;
    spmv_kernel<<<grid_for(total), kThreads, 0, stream>>>(out, a.row_start, a.column, a.weight, x, g,
                                                          a.rows, a.cols, scale, total);
    return detail::launch_status();
}

cudaError_t launch_fgp_iterate(double* qx_out, double* qy_out, double* px, double* py,
                               const double* qx_in, const double* qy_in, const double* u,
                               double alpha, double beta, int S, int B,
                               const unsigned char* active, cudaStream_t stream) {
    if (bad_plane_args(S, B)) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(S) * S * B;
    if (total == 0) return cudaSuccess;
    if (!qx_out || !qy_out || !px || !py || !qx_in || !qy_in || !u) return cudaErrorInvalidValue;
    if (qx_out == qx_in || qy_out == qy_in) return cudaErrorInvalidValue;
    fgp_iterate_kernel<<<grid_for(total), kThreads, 0, stream>>>(qx_out, qy_out, px, py, qx_in,
                                                                 qy_in, u, alpha, beta, S, active,
                                                                 total);
    return detail::launch_status();
}

cudaError_t launch_tv_primal(double* out, const double* u, const double* px, const double* py,
                             int S, int B, cudaStream_t stream) {
    if (bad_plane_args(S, B)) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(S) * S * B;
    if (total == 0) return cudaSuccess;
    if (!out || !px || !py) return cudaErrorInvalidValue;
    primal_kernel<<<grid_for(total), kThreads, 0, stream>>>(out, u, px, py, S, total);
    return detail::launch_status();
}

cudaError_t launch_fgp_gap(double* gap, const double* w, const double* px, const double* py,
                           double alpha, int S, int B, cudaStream_t stream) {
    if (bad_plane_args(S, B)) return cudaErrorInvalidValue;
    if (B == 0) return cudaSuccess;
    if (!gap || !w || !px || !py) return cudaErrorInvalidValue;
    fgp_gap_kernel<<<plane_blocks(B), kPlaneThreads, 0, stream>>>(gap, w, px, py, alpha, S, B);
    return detail::launch_status();
}

cudaError_t launch_tv_value(double* tv, const double* v, int S, int B, cudaStream_t stream) {
    if (bad_plane_args(S, B)) return cudaErrorInvalidValue;
    if (B == 0) return cudaSuccess;
    if (!tv || !v) return cudaErrorInvalidValue;
    tv_value_kernel<<<plane_blocks(B), kPlaneThreads, 0, stream>>>(tv, v, S, B);
    return detail::launch_status();
}

cudaError_t launch_batched_dot(double* out, const double* x, const double* y, int64_t n, int B,
                               cudaStream_t stream) {
    if (n < 0 || B < 0) return cudaErrorInvalidValue;
    if (B == 0) return cudaSuccess;
    if (!out || (n > 0 && (!x || !y))) return cudaErrorInvalidValue;
    batched_dot_kernel<<<plane_blocks(B), kPlaneThreads, 0, stream>>>(out, x, y, n, B);
    return detail::launch_status();
}

cudaError_t launch_vfista_gradient_step(double* u, const double* z, const double* grad,
                                        const double* lipschitz, double lambda_e, int64_t n,
                                        int B, cudaStream_t stream) {
    if (n < 0 || B < 0) return cudaErrorInvalidValue;
    const int64_t total = n * B;
    if (total == 0) return cudaSuccess;
    if (!u || !z || !grad || !lipschitz) return cudaErrorInvalidValue;
    vfista_gradient_kernel<<<grid_for(total), kThreads, 0, stream>>>(u, z, grad, lipschitz,
                                                                     lambda_e, n, total);
    return detail::launch_status();
}

cudaError_t launch_vfista_extrapolate(double* z, const double* v, const double* v_prev,
                                      const double* q, int64_t n, int B, cudaStream_t stream) {
    if (n < 0 || B < 0) return cudaErrorInvalidValue;
    const int64_t total = n * B;
    if (total == 0) return cudaSuccess;
    if (!z || !v || !v_prev || !q) return cudaErrorInvalidValue;
    vfista_extrapolate_kernel<<<grid_for(total), kThreads, 0, stream>>>(z, v, v_prev, q, n, total);
    return detail::launch_status();
}

cudaError_t launch_divide_scalar(double* out, const double* in, double divisor, int64_t n,
                                 cudaStream_t stream) {
    if (n < 0) return cudaErrorInvalidValue;
    if (n == 0) return cudaSuccess;
    if (!out || !in) return cudaErrorInvalidValue;
    divide_kernel<<<grid_for(n), kThreads, 0, stream>>>(out, in, divisor, n);
    return detail::launch_status();
}

cudaError_t launch_dual_norm(double* out, const double* work, const double* p0,
                             const double* lipschitz, int64_t n, int B, cudaStream_t stream) {
    if (n < 0 || B < 0) return cudaErrorInvalidValue;
    if (B == 0) return cudaSuccess;
    if (!out || (n > 0 && (!work || !p0 || !lipschitz))) return cudaErrorInvalidValue;
    dual_norm_kernel<<<plane_blocks(B), kPlaneThreads, 0, stream>>>(out, work, p0, lipschitz, n, B);
    return detail::launch_status();
}

cudaError_t launch_seed_adam_step(double* v_out, double* m, double* s, const double* v,
                                  const double* data_grad, double lambda_tv, double lambda_e,
                                  double lr_t, double beta1, double beta2, double eps, int S,
                                  int B, cudaStream_t stream) {
    if (bad_plane_args(S, B)) return cudaErrorInvalidValue;
    const int64_t total = static_cast<int64_t>(S) * S * B;
    if (total == 0) return cudaSuccess;
    if (!v_out || !m || !s || !v || !data_grad || v_out == v) return cudaErrorInvalidValue;
    seed_adam_kernel<<<grid_for(total), kThreads, 0, stream>>>(v_out, m, s, v, data_grad, lambda_tv,
                                                               lambda_e, lr_t, beta1, beta2, eps, S,
                                                               total);
    return detail::launch_status();
}

}  // namespace gradcam4j
