// GPU super-resolution solvers: see tv_solver_host.h. Every step mirrors the Java solver named in
// the comment beside it, so that the CPU and GPU solvers take the same iterations.
#include "tv_solver_host.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "check.h"
#include "device_array.h"
#include "tv_solver.cuh"

namespace gradcam4j {
namespace {

class Stream {
public:
    explicit Stream(int device) {
        CUDA_CHECK(cudaSetDevice(device));
        CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking));
    }
    ~Stream() {
        if (s_) {
            (void)cudaStreamSynchronize(s_);
            (void)cudaStreamDestroy(s_);
        }
    }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    cudaStream_t get() const { return s_; }

private:
    cudaStream_t s_ = nullptr;
};

void check_input(const TvOperator& op, const std::vector<double>& observations, int problems) {
    const int64_t n = static_cast<int64_t>(op.size) * op.size;
    if (op.size <= 0 || op.rows <= 0 || problems <= 0) throw std::invalid_argument("empty super-resolution problem");
    if (op.row_start.size() != static_cast<size_t>(op.rows) + 1 || op.row_start.front() != 0 ||
        op.row_start.back() != static_cast<int>(op.column.size()) || op.column.size() != op.weight.size()) {
        throw std::invalid_argument("malformed observation operator (CSR arrays disagree)");
    }
    // Row starts must be non-decreasing within [0, nnz]: the kernels index column / weight with
    // them, so a malformed operator arriving through JNI would otherwise read and write out of
    // bounds.
    for (int r = 0; r < op.rows; ++r) {
        if (op.row_start[r] > op.row_start[r + 1]) {
            throw std::invalid_argument("malformed observation operator: row " + std::to_string(r) +
                                        " starts after row " + std::to_string(r + 1));
        }
    }
    for (int c : op.column)
        if (c < 0 || c >= n) throw std::invalid_argument("observation operator column out of range");
    if (observations.size() != static_cast<size_t>(problems) * op.rows) {
        throw std::invalid_argument("observations must be problems x rows");
    }
}

// The operator and its transpose on the device.
struct DeviceOperator {
    DeviceArray<int> start, col, t_start, t_col;
    DeviceArray<float> w, t_w;
    CsrMatrix a, at;

    DeviceOperator(const TvOperator& op, std::vector<int> ts, std::vector<int> tc, std::vector<float> tw,
                   cudaStream_t stream)
        : start(op.row_start, stream), col(op.column, stream), t_start(ts, stream), t_col(tc, stream),
          w(op.weight, stream), t_w(tw, stream) {
        const int n = op.size * op.size;
        a = CsrMatrix{op.rows, n, start.get(), col.get(), w.get()};
        at = CsrMatrix{n, op.rows, t_start.get(), t_col.get(), t_w.get()};
    }

    static DeviceOperator make(const TvOperator& op, cudaStream_t stream) {
        std::vector<int> ts, tc;
        std::vector<float> tw;
        tv_transpose_csr(op.rows, op.size * op.size, op.row_start, op.column, op.weight, ts, tc, tw);
        return DeviceOperator(op, std::move(ts), std::move(tc), std::move(tw), stream);
    }
};

}  // namespace

std::vector<TvResult> solve_tv_default(int device, const TvOperator& op,
                                       const std::vector<double>& observations, int problems,
                                       const std::vector<double>& power_start,
                                       const TvSettings& st) {
    check_input(op, observations, problems);
    if (!(st.lambda_e > 0)) throw std::invalid_argument("the default solver needs lambdaEnergy > 0");
    const int S = op.size, B = problems, m = op.rows;
    const int64_t n = static_cast<int64_t>(S) * S;
    if (power_start.size() != static_cast<size_t>(n)) throw std::invalid_argument("power start must be S x S");
    Stream stream(device);
    cudaStream_t s = stream.get();
    DeviceOperator A = DeviceOperator::make(op, s);

    // ||A||^2 by power iteration (ObservationOperator.normSquared), on one plane.
    double norm_sq = 0;
    {
        DeviceArray<double> x(power_start, s), ax(static_cast<size_t>(m)), y(static_cast<size_t>(n)), dot(1);
        for (int k = 0; k < std::max(1, st.power_iterations); ++k) {
            CUDA_CHECK(launch_tv_spmv(ax.get(), A.a, x.get(), nullptr, 1, 1.0, s));
            CUDA_CHECK(launch_tv_spmv(y.get(), A.at, ax.get(), nullptr, 1, 1.0, s));
            CUDA_CHECK(launch_batched_dot(dot.get(), y.get(), y.get(), n, 1, s));
            norm_sq = std::sqrt(dot.download_on(s)[0]);
            if (norm_sq == 0) break;
            CUDA_CHECK(launch_divide_scalar(x.get(), y.get(), norm_sq, n, s));
        }
    }
    // TvSuperResolution.solveOne: step sizes (the same weights for every problem of the batch)
    const double l = 2 * norm_sq * st.lipschitz_margin + 2 * st.lambda_e;
    const double mu = 2 * st.lambda_e;
    const double q = (std::sqrt(l) - std::sqrt(mu)) / (std::sqrt(l) + std::sqrt(mu));
    const double alpha = st.lambda_tv / l;

    DeviceArray<double> g(observations, s), va(n * B), vb(n * B), z(n * B), u(n * B), grad(n * B),
        residual(static_cast<size_t>(m) * B), px(n * B), py(n * B), qx(n * B), qy(n * B), qx2(n * B),
        qy2(n * B), scratch(n * B), work(n * B), lip(std::vector<double>(B, l), s),
        qb(std::vector<double>(B, q), s), r1(B), r2(B), r3(B);
    DeviceArray<unsigned char> active(B);
    for (auto* d : {&va, &vb, &z, &px, &py}) d->zero_on(s);
    DeviceArray<double>*v = &va, *v_prev = &vb;  // swapped each outer iteration

    std::vector<TvResult> out(static_cast<size_t>(B));
    CUDA_CHECK(launch_batched_dot(r1.get(), g.get(), g.get(), m, B, s));
    const std::vector<double> objective0 = r1.download_on(s);
    std::vector<double> objective(objective0);
    std::vector<char> done(B, 0);
    for (int b = 0; b < B; ++b) {
        out[b].map.assign(static_cast<size_t>(n), 0.f);
        out[b].objective = objective0[b];
        out[b].gap = objective0[b] == 0 ? 0 : std::numeric_limits<double>::infinity();
        if (objective0[b] == 0) {  // g = 0: v = 0 is optimal
            out[b].objective = 0;
            out[b].converged = true;
            done[b] = 1;
        }
    }
    auto all_done = [&] { return std::all_of(done.begin(), done.end(), [](char d) { return d != 0; }); };

    for (int it = 1; it <= st.max_iterations && !all_done(); ++it) {
        // u = z - grad f(z) / L
        CUDA_CHECK(launch_tv_spmv(residual.get(), A.a, z.get(), g.get(), B, 1.0, s));
        CUDA_CHECK(launch_tv_spmv(grad.get(), A.at, residual.get(), nullptr, B, 1.0, s));
        CUDA_CHECK(launch_vfista_gradient_step(u.get(), z.get(), grad.get(), lip.get(), st.lambda_e, n, B, s));
        // v = prox_{h/L}(u) by FGP, warm-started from the dual p, each problem to its own target
        std::swap(v_prev, v);
        std::vector<double> target(B);
        std::vector<unsigned char> act(B);
        for (int b = 0; b < B; ++b) {
            target[b] = st.inner_share * st.tolerance * objective[b] / l;
            act[b] = done[b] ? 0 : 1;
        }
        active.upload_on(act, s);
        CUDA_CHECK(cudaMemcpyAsync(qx.get(), px.get(), sizeof(double) * n * B, cudaMemcpyDeviceToDevice, s));
        CUDA_CHECK(cudaMemcpyAsync(qy.get(), py.get(), sizeof(double) * n * B, cudaMemcpyDeviceToDevice, s));
        double t = 1;
        DeviceArray<double>*q_in = &qx, *q_in_y = &qy, *q_out = &qx2, *q_out_y = &qy2;
        for (int k = 1; k <= st.max_inner_iterations; ++k) {
            const double tn = (1 + std::sqrt(1 + 4 * t * t)) / 2, beta = (t - 1) / tn;
            CUDA_CHECK(launch_fgp_iterate(q_out->get(), q_out_y->get(), px.get(), py.get(), q_in->get(),
                                          q_in_y->get(), u.get(), alpha, beta, S, B, active.get(), s));
            std::swap(q_in, q_out);
            std::swap(q_in_y, q_out_y);
            t = tn;
            for (int b = 0; b < B; ++b) out[b].inner_iterations += act[b];
            if (k % st.inner_check_every == 0) {
                CUDA_CHECK(launch_tv_primal(scratch.get(), u.get(), px.get(), py.get(), S, B, s));
                CUDA_CHECK(launch_fgp_gap(r1.get(), scratch.get(), px.get(), py.get(), alpha, S, B, s));
                const std::vector<double> gap = r1.download_on(s);
                bool any = false;
                for (int b = 0; b < B; ++b) {
                    if (act[b] && gap[b] <= target[b]) act[b] = 0;
                    any = any || act[b];
                }
                if (!any) break;
                active.upload_on(act, s);
            }
        }
        CUDA_CHECK(launch_tv_primal(v->get(), u.get(), px.get(), py.get(), S, B, s));
        CUDA_CHECK(launch_vfista_extrapolate(z.get(), v->get(), v_prev->get(), qb.get(), n, B, s));

        if (it % st.check_every == 0 || it == st.max_iterations) {
            // objectiveAndGap: primal objective and the dual bound at y1 = 2 (A v - g), y2 = L p
            CUDA_CHECK(launch_tv_spmv(residual.get(), A.a, v->get(), g.get(), B, 1.0, s));
            CUDA_CHECK(launch_batched_dot(r1.get(), residual.get(), residual.get(), m, B, s));
            CUDA_CHECK(launch_batched_dot(r2.get(), v->get(), v->get(), n, B, s));
            CUDA_CHECK(launch_tv_value(r3.get(), v->get(), S, B, s));
            const std::vector<double> data = r1.download_on(s), energy = r2.download_on(s), tv = r3.download_on(s);
            CUDA_CHECK(launch_batched_dot(r1.get(), residual.get(), g.get(), m, B, s));
            const std::vector<double> rg = r1.download_on(s);
            CUDA_CHECK(launch_tv_spmv(work.get(), A.at, residual.get(), nullptr, B, 2.0, s));
            CUDA_CHECK(launch_tv_primal(scratch.get(), nullptr, px.get(), py.get(), S, B, s));
            CUDA_CHECK(launch_dual_norm(r2.get(), work.get(), scratch.get(), lip.get(), n, B, s));
            const std::vector<double> w2 = r2.download_on(s);
            std::vector<float> maps;
            for (int b = 0; b < B; ++b) {
                if (done[b]) continue;
                const double primal = data[b] + st.lambda_tv * tv[b] + st.lambda_e * energy[b];
                const double y1g = 2 * rg[b], y1y1 = 4 * data[b];
                const double dual = -y1g - y1y1 / 4 - w2[b] / (4 * st.lambda_e);
                const double gap = primal > 0 ? std::max(0.0, primal - dual) / primal : 0;
                objective[b] = primal;
                out[b].objective = primal;
                out[b].gap = gap;
                out[b].iterations = it;
                if (gap <= st.tolerance || it == st.max_iterations) {
                    if (maps.empty()) {
                        const std::vector<double> all = v->download_on(s);
                        maps.assign(all.begin(), all.end());
                    }
                    std::copy(maps.begin() + b * n, maps.begin() + (b + 1) * n, out[b].map.begin());
                    out[b].converged = gap <= st.tolerance;
                    done[b] = 1;
                }
            }
        }
    }
    return out;
}

std::vector<TvResult> solve_tv_seed(int device, const TvOperator& op,
                                    const std::vector<double>& observations, int problems,
                                    const SeedSettings& st) {
    check_input(op, observations, problems);
    if (st.steps < 1) throw std::invalid_argument("steps must be >= 1");
    const int S = op.size, B = problems, m = op.rows;
    const int64_t n = static_cast<int64_t>(S) * S;
    Stream stream(device);
    cudaStream_t s = stream.get();
    DeviceOperator A = DeviceOperator::make(op, s);
    DeviceArray<double> g(observations, s), v(n * B), v2(n * B), grad(n * B), first(n * B), second(n * B),
        residual(static_cast<size_t>(m) * B), r1(B), r2(B), r3(B);
    for (auto* d : {&v, &first, &second}) d->zero_on(s);
    double b1t = 1, b2t = 1;
    DeviceArray<double>*cur = &v, *next = &v2;
    for (int t = 1; t <= st.steps; ++t) {
        // SeedAdamSuperResolution.gradient: 2 A*(A v - g), then the TV and energy terms in the step
        CUDA_CHECK(launch_tv_spmv(residual.get(), A.a, cur->get(), g.get(), B, 2.0, s));
        CUDA_CHECK(launch_tv_spmv(grad.get(), A.at, residual.get(), nullptr, B, 1.0, s));
        b1t *= st.beta1;
        b2t *= st.beta2;
        const double lr_t = st.learning_rate * std::sqrt(1 - b2t) / (1 - b1t);
        CUDA_CHECK(launch_seed_adam_step(next->get(), first.get(), second.get(), cur->get(), grad.get(),
                                         st.lambda_tv, st.lambda_e, lr_t, st.beta1, st.beta2, st.epsilon, S,
                                         B, s));
        std::swap(cur, next);
    }
    // SeedAdamSuperResolution.objective
    CUDA_CHECK(launch_tv_spmv(residual.get(), A.a, cur->get(), g.get(), B, 1.0, s));
    CUDA_CHECK(launch_batched_dot(r1.get(), residual.get(), residual.get(), m, B, s));
    CUDA_CHECK(launch_batched_dot(r2.get(), cur->get(), cur->get(), n, B, s));
    CUDA_CHECK(launch_tv_value(r3.get(), cur->get(), S, B, s));
    const std::vector<double> data = r1.download_on(s), energy = r2.download_on(s), tv = r3.download_on(s);
    const std::vector<double> all = cur->download_on(s);
    std::vector<TvResult> out(static_cast<size_t>(B));
    for (int b = 0; b < B; ++b) {
        out[b].map.assign(all.begin() + b * n, all.begin() + (b + 1) * n);
        out[b].iterations = st.steps;
        out[b].objective = data[b] + st.lambda_tv * tv[b] + st.lambda_e * energy[b];
        out[b].gap = std::numeric_limits<double>::quiet_NaN();
        out[b].converged = false;
    }
    return out;
}

}  // namespace gradcam4j
