// The Augmented Grad-CAM super-resolution solver's kernels (docs/ALGORITHMS.md section 5), the GPU
// counterpart of org.gradcam4j.augment.TvSuperResolution (V-FISTA outer loop, FGP dual solve of
// the TV prox) and SeedAdamSuperResolution (the seed's 200 Adam steps). Every kernel works on a
// batch of B problems at once (B planes of S x S, or B observation vectors), in double precision
// like the Java solvers, so that the two agree to rounding.
//
// Conventions (as in TotalVariation.java): planes are row-major S x S; forward differences
// gx[y][x] = v[y][x+1] - v[y][x], gy[y][x] = v[y+1][x] - v[y][x], zero past the last column /
// row; the dual (px, py) of a TV term lives on the same grid, px on the last column and py on the
// last row always zero. "primal" below is u - grad* p, written as the Java code does:
//   w[y][x] = u + px[y][x] - px[y][x-1] + py[y][x] - py[y-1][x]   (terms past an edge omitted).
//
// The observation operator A (rows = copies x cells^2, columns = S^2) is the CSR matrix of
// ObservationOperator (float weights); its adjoint A* uses the transposed CSR (one row per pixel),
// built once on the host (tv_transpose_csr), so that A* is a gather with no atomics and the same
// summation order on every run.
//
// Launchers return cudaSuccess without launching on empty work, cudaErrorInvalidValue on bad
// sizes or null required pointers, otherwise the launch status.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

namespace gradcam4j {

// A sparse matrix in CSR form on the device (or the host, for the references).
struct CsrMatrix {
    int rows = 0, cols = 0;
    const int* row_start = nullptr;  // rows + 1
    const int* column = nullptr;     // nnz
    const float* weight = nullptr;   // nnz
};

// Host: the transpose of a CSR matrix (rows x cols) as CSR (cols x rows); entries of each new row
// in increasing old-row order.
void tv_transpose_csr(int rows, int cols, const std::vector<int>& row_start,
                      const std::vector<int>& column, const std::vector<float>& weight,
                      std::vector<int>& t_row_start, std::vector<int>& t_column,
                      std::vector<float>& t_weight);

// out[b, r] = scale * (sum_k A[r, k] x[b, k] - (g ? g[b, r] : 0)), for B right-hand sides of
// length A.cols. One thread per (b, r) summing its row in stored order, in double, exactly as
// ObservationOperator.apply does (bit-identical sums). Used with the transposed matrix it is A*
// (the order of ObservationOperator.adjoint: increasing observation row).
cudaError_t launch_tv_spmv(double* out, CsrMatrix a, const double* x, const double* g, int B,
                           double scale, cudaStream_t stream);

// One FGP iteration on B planes (TvSuperResolution.Fgp.step after primal):
//   w = u - grad* q_in;  p_new = clip(q_in + grad w / 8, -alpha, alpha);
//   q_out = p_new + beta (p_new - p);  p = p_new.
// q_in and q_out must be different buffers (neighbours read q_in); p is updated in place.
// active (B, optional): planes with active[b] == 0 are left untouched (their prox has converged).
cudaError_t launch_fgp_iterate(double* qx_out, double* qy_out, double* px, double* py,
                               const double* qx_in, const double* qy_in, const double* u,
                               double alpha, double beta, int S, int B,
                               const unsigned char* active, cudaStream_t stream);

// out = u - grad* p on B planes (u may be nullptr: out = -grad* p).
cudaError_t launch_tv_primal(double* out, const double* u, const double* px, const double* py,
                             int S, int B, cudaStream_t stream);

// The four reductions below decide when the solver stops: each sums its plane sequentially in
// the Java solvers' order (bit-identical to them), one thread per plane.
// Per plane b: gap[b] = sum alpha |grad w| - p . grad w (the TV prox's duality gap), w given.
cudaError_t launch_fgp_gap(double* gap, const double* w, const double* px, const double* py,
                           double alpha, int S, int B, cudaStream_t stream);

// Per plane b: tv[b] = sum |gx| + |gy| of v.
cudaError_t launch_tv_value(double* tv, const double* v, int S, int B, cudaStream_t stream);

// Per row b: out[b] = sum_i x[b, i] * y[b, i] over n entries.
cudaError_t launch_batched_dot(double* out, const double* x, const double* y, int64_t n, int B,
                               cudaStream_t stream);

// V-FISTA gradient step, per plane b: u = z - (2 grad + 2 lambda_e z) / L[b].
cudaError_t launch_vfista_gradient_step(double* u, const double* z, const double* grad,
                                        const double* lipschitz, double lambda_e, int64_t n,
                                        int B, cudaStream_t stream);

// V-FISTA extrapolation, per plane b: z = v + q[b] (v - v_prev).
cudaError_t launch_vfista_extrapolate(double* z, const double* v, const double* v_prev,
                                      const double* q, int64_t n, int B, cudaStream_t stream);

// out[i] = in[i] / divisor (the power iteration's normalisation, as the Java code divides).
cudaError_t launch_divide_scalar(double* out, const double* in, double divisor, int64_t n,
                                 cudaStream_t stream);

// The default solver's dual bound, per plane b: out[b] = sum_i (work[i] + L[b] * (-p0[i]))^2 with
// p0 = grad* p written as tv_primal(u = nullptr) computes it.
cudaError_t launch_dual_norm(double* out, const double* work, const double* p0,
                             const double* lipschitz, int64_t n, int B, cudaStream_t stream);

// The seed's solver, one step on B planes (SeedAdamSuperResolution.gradient + the Adam update):
// grad = data_grad + lambda_tv dTV(v) + 2 lambda_e v with d|x| = sign(x), sign(0) = 0, the four
// TV passes in the Java order (+x, -x, +y, -y); then m = b1 m + (1 - b1) grad,
// s = b2 s + (1 - b2) grad^2, v -= lr_t m / (sqrt(s) + eps). data_grad = 2 A*(A v - g).
// v_out must differ from v (neighbours read v).
cudaError_t launch_seed_adam_step(double* v_out, double* m, double* s, const double* v,
                                  const double* data_grad, double lambda_tv, double lambda_e,
                                  double lr_t, double beta1, double beta2, double eps, int S,
                                  int B, cudaStream_t stream);

}  // namespace gradcam4j
