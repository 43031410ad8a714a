// Kernel parity cases: each launcher in kernels/*.cuh against its reference in
// kernels/reference/, on seeded random inputs chosen to hit the awkward paths: odd sizes, M = 1,
// gathered image_of rows, exact zeros in gradients, all-zero channels and maps, ties in max-pool
// windows, misaligned pointers (scalar fallbacks), in-place calls. The tolerance table (relative
// L2, see CheckLine) follows the includes, each value with the reason for it.
#include "kernel_cases.h"
#include "case_inputs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

#include "cam_combine.cuh"
#include "check.h"
#include "device_array.h"
#include "engine_ops.cuh"
#include "tv_solver.cuh"
#include "augment.cuh"
#include "input_copies.cuh"
#include "ablated_copies.cuh"
#include "grad_pool.cuh"
#include "gradcampp.cuh"
#include "guided_product.cuh"
#include "reference/reference.h"
#include "relu_backward.cuh"
#include "upsample.cuh"
#include "method_constants.h"

namespace gradcam4j {
namespace test {
namespace {

// Reductions (channel means, Grad-CAM++ sums, channel combinations): float32 accumulation of up
// to 512 x 196 terms in a different order from the double reference. Rounding grows like
// sqrt(terms) * 6e-8 relative, i.e. ~1e-6 at worst here; 1e-5 is the project's bound for them.
constexpr double kTolReduce = 1e-5;
// Bilinear resampling: the GPU computes source coordinates and weights in float, the reference
// in double; at 16x magnification the weights differ by ~1e-7 of the map's range. 1e-4 is the
// project's bound for upsampling.
constexpr double kTolResample = 1e-4;
// Selections and single correctly rounded operations (ReLU rules, pool routing, the guided
// product, division by the max): the GPU and the reference do the same float operation, so the
// result must be bit-identical (no fast-math anywhere in the build).
constexpr double kTolExact = 0.0;

// kGradCamPlusPlusEps and kXGradCamEps: method_constants.h, the Java values.

// ---------------------------------------------------------------------------------------------
// Comparison

template <typename T>
double rel_l2(const std::vector<T>& gpu, const std::vector<T>& ref,
              const std::vector<char>* mask = nullptr) {
    double diff = 0.0, norm = 0.0, gnorm = 0.0;
    for (size_t i = 0; i < ref.size(); ++i) {
        if (mask && !(*mask)[i]) continue;
        if (!std::isfinite(gpu[i]) && std::isfinite(ref[i])) return INFINITY;
        const double d = static_cast<double>(gpu[i]) - ref[i];
        diff += d * d;
        norm += static_cast<double>(ref[i]) * ref[i];
        gnorm += static_cast<double>(gpu[i]) * gpu[i];
    }
    if (norm == 0.0) return std::sqrt(gnorm);
    return std::sqrt(diff / norm);
}

struct Recorder {
    std::vector<CheckLine> lines;
    void add(const char* family, const std::string& what, const std::string& shape,
             double err, double tol) {
        lines.push_back({family, what, shape, err, tol, err <= tol});
    }
};

// ---------------------------------------------------------------------------------------------
// Inputs

std::string dims(const char* name, std::initializer_list<int64_t> sizes) {
    std::ostringstream s;
    s << name << " (";
    bool first = true;
    for (int64_t d : sizes) {
        s << (first ? "" : "x") << d;
        first = false;
    }
    s << ")";
    return s.str();
}

// ---------------------------------------------------------------------------------------------
// CAM family: grad_pool, gradcampp, cam_combine

void check_cam_family(Recorder& rec, const CamCase& cs, uint32_t seed) {
    const int M = cs.M, N = cs.N, C = cs.C, HW = cs.h * cs.w;
    const std::string shape = dims(cs.name, {M, N, C, cs.h, cs.w});
    const CamInputs in = make_cam_inputs(cs, seed);
    const std::vector<float>& grad = in.grad;
    const std::vector<float>& act = in.act;
    const std::vector<int>& img = in.image_of;
    const int* img_host = cs.gather ? img.data() : nullptr;

    DeviceArray<float> d_grad(grad), d_act(act), d_w(static_cast<size_t>(M) * C),
        d_alpha(static_cast<size_t>(M) * C * HW), d_map(static_cast<size_t>(M) * HW);
    DeviceArray<int> d_img(img);
    const int* img_dev = cs.gather ? d_img.get() : nullptr;
    std::vector<float> ref_w(static_cast<size_t>(M) * C), ref_alpha(d_alpha.size()),
        ref_map(d_map.size());

    // grad_pool
    CUDA_CHECK(launch_gradcam_weights(d_w.get(), d_grad.get(), M, C, HW, nullptr));
    reference::gradcam_weights(ref_w.data(), grad.data(), M, C, HW);
    rec.add("grad_pool", "gradcam_weights", shape, rel_l2(d_w.download(), ref_w), kTolReduce);

    CUDA_CHECK(launch_xgradcam_weights(d_w.get(), d_grad.get(), d_act.get(), img_dev, M, C, HW,
                                       kXGradCamEps, nullptr));
    reference::xgradcam_weights(ref_w.data(), grad.data(), act.data(), img_host, M, C, HW,
                                kXGradCamEps);
    rec.add("grad_pool", "xgradcam_weights", shape, rel_l2(d_w.download(), ref_w), kTolReduce);

    // gradcampp: the alphas are compared where they are well conditioned. For g < 0 the
    // denominator g^2 (2 + S g) vanishes at g = -2/S, where float and double legitimately
    // disagree without bound; those alphas never reach the weights (ReLU(g) = 0 there), so the
    // mask keeps g >= 0 and every g < 0 with |2 + S g| >= 1.
    std::vector<char> alpha_mask(ref_alpha.size());
    for (int m = 0; m < M; ++m) {
        const int n = img_host ? img_host[m] : m;
        for (int k = 0; k < C; ++k) {
            double S = 0.0;
            for (int i = 0; i < HW; ++i) S += act[(static_cast<size_t>(n) * C + k) * HW + i];
            for (int i = 0; i < HW; ++i) {
                const size_t e = (static_cast<size_t>(m) * C + k) * HW + i;
                alpha_mask[e] = grad[e] >= 0.f || std::fabs(2.0 + S * grad[e]) >= 1.0;
            }
        }
    }
    for (GradCamPlusPlusForm form : {GradCamPlusPlusForm::kDefault, GradCamPlusPlusForm::kOfficial}) {
        const char* fname = form == GradCamPlusPlusForm::kDefault ? "default" : "official";
        CUDA_CHECK(launch_gradcampp_weights(d_w.get(), d_alpha.get(), d_grad.get(), d_act.get(),
                                            img_dev, M, C, HW, form, kGradCamPlusPlusEps, nullptr));
        reference::gradcampp_weights(ref_w.data(), ref_alpha.data(), grad.data(), act.data(),
                                     img_host, M, C, HW, form, kGradCamPlusPlusEps);
        rec.add("gradcampp", std::string("weights/") + fname, shape,
                rel_l2(d_w.download(), ref_w), kTolReduce);
        rec.add("gradcampp", std::string("alphas/") + fname, shape,
                rel_l2(d_alpha.download(), ref_alpha, &alpha_mask), kTolReduce);
        // Weights only (alphas = nullptr) must give the same weights.
        CUDA_CHECK(launch_gradcampp_weights(d_w.get(), nullptr, d_grad.get(), d_act.get(),
                                            img_dev, M, C, HW, form, kGradCamPlusPlusEps, nullptr));
        rec.add("gradcampp", std::string("weights_only/") + fname, shape,
                rel_l2(d_w.download(), ref_w), kTolReduce);
    }

    // cam_combine: random channel weights of both signs, with and without the ReLU.
    const std::vector<float>& w = in.weights;
    d_w.upload(w);
    for (bool relu : {true, false}) {
        CUDA_CHECK(launch_cam_weighted_sum(d_map.get(), d_w.get(), d_act.get(), img_dev, M, C, HW,
                                           relu, nullptr));
        reference::cam_weighted_sum(ref_map.data(), w.data(), act.data(), img_host, M, C, HW, relu);
        rec.add("cam_combine", relu ? "weighted_sum/relu" : "weighted_sum/linear", shape,
                rel_l2(d_map.download(), ref_map), kTolReduce);
    }
    for (ElementwiseCam kind : {ElementwiseCam::kHiResCam, ElementwiseCam::kLayerCam}) {
        CUDA_CHECK(launch_cam_elementwise(d_map.get(), d_grad.get(), d_act.get(), img_dev, M, C, HW,
                                          kind, nullptr));
        reference::cam_elementwise(ref_map.data(), grad.data(), act.data(), img_host, M, C, HW, kind);
        rec.add("cam_combine", kind == ElementwiseCam::kHiResCam ? "hirescam" : "layercam", shape,
                rel_l2(d_map.download(), ref_map), kTolReduce);
    }
}

// ---------------------------------------------------------------------------------------------
// relu_backward

const char* rule_name(ReluRule r) {
    switch (r) {
        case ReluRule::kGradient: return "gradient";
        case ReluRule::kGuided: return "guided";
        case ReluRule::kDeconvnet: return "deconvnet";
    }
    return "?";
}

constexpr ReluRule kRules[] = {ReluRule::kGradient, ReluRule::kGuided, ReluRule::kDeconvnet};

struct ReluCase {
    const char* name;
    int M, N;
    int64_t per_image;
    bool gather;
    int offset;    // floats added to every device pointer: 1 forces the scalar kernel
    bool inplace;  // grad_in == grad_out
    bool large;
};

const ReluCase kReluCases[] = {
    {"flat_1", 1, 1, 1, false, 0, false, false},
    {"flat_3_tail", 1, 1, 3, false, 0, false, false},
    {"flat_4", 1, 1, 4, false, 0, false, false},
    {"M2_1001_tail", 2, 2, 1001, false, 0, false, false},
    {"M4_64x28x28", 4, 4, 64 * 28 * 28, false, 0, false, false},
    {"M64_64x14x14", 64, 64, 64 * 14 * 14, false, 0, false, true},
    {"M6_N2_64x7x7_gather", 6, 2, 64 * 7 * 7, true, 0, false, false},
    {"M3_N2_1001_gather_scalar", 3, 2, 1001, true, 0, false, false},
    {"misaligned_4099_scalar", 1, 1, 4099, false, 1, false, false},
    {"M4_4096_inplace", 4, 4, 4096, false, 0, true, false},
    {"M3_N2_1001_gather_inplace", 3, 2, 1001, true, 0, true, false},
};

void check_relu_backward(Recorder& rec, const ReluCase& cs, uint32_t seed) {
    Rng rng(seed);
    const int64_t total = cs.M * cs.per_image;
    const std::string shape = dims(cs.name, {cs.M, cs.N, cs.per_image});
    const std::vector<float> R = normal_vector(rng, static_cast<size_t>(total));
    std::vector<float> y = normal_vector(rng, static_cast<size_t>(cs.N * cs.per_image));
    for (auto& v : y) v = std::max(v, 0.f);
    const std::vector<int> img = cs.gather ? gathered_images(cs.M, cs.N) : std::vector<int>();

    const size_t off = static_cast<size_t>(cs.offset);
    DeviceArray<float> d_R(static_cast<size_t>(total) + off), d_y(y.size() + off),
        d_out(static_cast<size_t>(total) + off);
    DeviceArray<int> d_img(img);
    d_y.upload(y, off);
    std::vector<float> ref(static_cast<size_t>(total));
    for (ReluRule rule : kRules) {
        d_R.upload(R, off);
        float* out = cs.inplace ? d_R.get() + off : d_out.get() + off;
        const float* relu_out = rule == ReluRule::kDeconvnet ? nullptr : d_y.get() + off;
        CUDA_CHECK(launch_relu_backward(out, d_R.get() + off, relu_out,
                                        cs.gather ? d_img.get() : nullptr, cs.M, cs.per_image,
                                        rule, nullptr));
        reference::relu_backward(ref.data(), R.data(), y.data(), cs.gather ? img.data() : nullptr,
                                 cs.M, cs.per_image, rule);
        const std::vector<float> got = (cs.inplace ? d_R : d_out).download(off, static_cast<size_t>(total));
        rec.add("relu_backward", std::string("relu/") + rule_name(rule), shape, rel_l2(got, ref),
                kTolExact);
    }
}

struct PoolCase {
    const char* name;
    int M, N, C, H, W;
    bool gather;
    bool large;
};

const PoolCase kPoolCases[] = {
    {"M1_C4_4x4", 1, 1, 4, 4, 4, false, false},
    {"M3_N2_C5_7x9_gather_odd", 3, 2, 5, 7, 9, true, false},
    {"M2_C64_28x28", 2, 2, 64, 28, 28, false, false},
    {"M2_N1_C3_1x5_no_window", 2, 1, 3, 1, 5, true, false},
    {"M8_C64_56x56", 8, 8, 64, 56, 56, false, true},
};

void check_relu_maxpool(Recorder& rec, const PoolCase& cs, uint32_t seed) {
    Rng rng(seed);
    const int Hp = cs.H / 2, Wp = cs.W / 2;
    const std::string shape = dims(cs.name, {cs.M, cs.N, cs.C, cs.H, cs.W});
    // ReLU outputs rounded to multiples of 0.5: plenty of ties, at zero and above, so the
    // first-maximum rule is exercised.
    std::vector<float> y = normal_vector(rng, static_cast<size_t>(cs.N) * cs.C * cs.H * cs.W);
    for (auto& v : y) v = std::max(std::round(v * 2.f) / 2.f, 0.f);
    const std::vector<float> dP = normal_vector(rng, static_cast<size_t>(cs.M) * cs.C * Hp * Wp);
    const std::vector<int> img = cs.gather ? gathered_images(cs.M, cs.N) : std::vector<int>();
    DeviceArray<float> d_y(y), d_dP(dP), d_out(static_cast<size_t>(cs.M) * cs.C * cs.H * cs.W);
    DeviceArray<int> d_img(img);
    std::vector<float> ref(d_out.size());
    for (ReluRule rule : kRules) {
        CUDA_CHECK(launch_relu_maxpool_backward(d_out.get(), d_dP.get(), d_y.get(),
                                                cs.gather ? d_img.get() : nullptr, cs.M, cs.C,
                                                cs.H, cs.W, rule, nullptr));
        reference::relu_maxpool_backward(ref.data(), dP.data(), y.data(),
                                         cs.gather ? img.data() : nullptr, cs.M, cs.C, cs.H, cs.W,
                                         rule);
        rec.add("relu_backward", std::string("relu_maxpool/") + rule_name(rule), shape,
                rel_l2(d_out.download(), ref), kTolExact);
    }
}

// ---------------------------------------------------------------------------------------------
// upsample, normalise, guided product

void check_upsample(Recorder& rec, const UpsampleCase& cs, uint32_t seed) {
    const std::string shape = dims(cs.name, {cs.M, cs.h, cs.w, cs.H, cs.W});
    const std::vector<float> in = make_upsample_input(cs, seed);
    DeviceArray<float> d_in(in), d_out(static_cast<size_t>(cs.M) * cs.H * cs.W);
    std::vector<float> ref(d_out.size());
    CUDA_CHECK(launch_upsample_bilinear(d_out.get(), d_in.get(), cs.M, cs.h, cs.w, cs.H, cs.W,
                                        nullptr));
    reference::upsample_bilinear(ref.data(), in.data(), cs.M, cs.h, cs.w, cs.H, cs.W);
    rec.add("upsample", "upsample_bilinear", shape, rel_l2(d_out.download(), ref), kTolResample);
}

// NaN compares unequal to itself: both sides map it to one finite sentinel before rel_l2.
std::vector<float> nan_as_sentinel(std::vector<float> v) {
    for (auto& x : v) if (std::isnan(x)) x = -12345.f;
    return v;
}

void check_normalise(Recorder& rec, const NormaliseCase& cs, uint32_t seed) {
    const std::string shape = dims(cs.name, {cs.M, cs.HW});
    const std::vector<float> in = make_normalise_input(cs, seed);
    DeviceArray<float> d_in(in), d_out(in.size()), d_max(static_cast<size_t>(cs.M));
    float* out = cs.inplace ? d_in.get() : d_out.get();
    CUDA_CHECK(launch_normalise_by_max(out, d_max.get(), d_in.get(), cs.M, cs.HW, nullptr));
    std::vector<float> ref(in.size()), ref_max(static_cast<size_t>(cs.M));
    reference::normalise_by_max(ref.data(), ref_max.data(), in.data(), cs.M, cs.HW);
    rec.add("upsample", "normalise_by_max/map", shape,
            rel_l2((cs.inplace ? d_in : d_out).download(), ref), kTolExact);
    rec.add("upsample", "normalise_by_max/max", shape,
            rel_l2(nan_as_sentinel(d_max.download()), nan_as_sentinel(ref_max)), kTolExact);
}

void check_guided_product(Recorder& rec, const ProductCase& cs, uint32_t seed) {
    const std::string shape = dims(cs.name, {cs.M, cs.C, cs.HW});
    const ProductInputs pin = make_product_inputs(cs, seed);
    const std::vector<float>& guided = pin.guided;
    const std::vector<float>& map = pin.map;
    DeviceArray<float> d_g(guided), d_map(map), d_out(guided.size());
    float* out = cs.inplace ? d_g.get() : d_out.get();
    CUDA_CHECK(launch_guided_product(out, d_g.get(), d_map.get(), cs.M, cs.C, cs.HW, nullptr));
    std::vector<float> ref(guided.size());
    reference::guided_product(ref.data(), guided.data(), map.data(), cs.M, cs.C, cs.HW);
    rec.add("guided_product", "guided_product", shape,
            rel_l2((cs.inplace ? d_g : d_out).download(), ref), kTolExact);
}

// ---------------------------------------------------------------------------------------------
// engine_ops: the cuDNN engine's layer kernels (the PoolCase shapes)

void check_engine_ops(Recorder& rec, const PoolCase& cs, uint32_t seed) {
    Rng rng(seed);
    const int M = cs.M, N = cs.N, C = cs.C, H = cs.H, W = cs.W, HW = H * W;
    const int Ho = H / 2, Wo = W / 2;
    const std::string shape = dims(cs.name, {M, N, C, H, W});
    // Values on a 0.5 grid, half of them clamped to 0: ties for the first-maximum rule.
    std::vector<float> x = normal_vector(rng, static_cast<size_t>(N) * C * HW);
    for (auto& v : x) v = std::max(std::round(v * 2.f) / 2.f, 0.f);
    const std::vector<float> bias = normal_vector(rng, static_cast<size_t>(C));
    const std::vector<float> dP = normal_vector(rng, static_cast<size_t>(M) * C * Ho * Wo);
    const std::vector<float> dG = normal_vector(rng, static_cast<size_t>(M) * C);
    const std::vector<int> img = cs.gather ? gathered_images(M, N) : std::vector<int>();
    const int* img_host = cs.gather ? img.data() : nullptr;
    DeviceArray<float> d_x(x), d_bias(bias), d_dP(dP), d_dG(dG);
    DeviceArray<int> d_img(img);
    const int* img_dev = cs.gather ? d_img.get() : nullptr;

    for (bool relu : {false, true}) {
        std::vector<float> y = normal_vector(rng, x.size()), ref = y;
        DeviceArray<float> d_y(y);
        CUDA_CHECK(launch_bias_act(d_y.get(), d_bias.get(), N, C, HW, relu, nullptr));
        reference::bias_act(ref.data(), bias.data(), N, C, HW, relu);
        rec.add("engine_ops", relu ? "bias_relu" : "bias", shape, rel_l2(d_y.download(), ref), kTolExact);
        // The fc path (one value per channel: inner = 1) takes the other kernel.
        std::vector<float> f = normal_vector(rng, static_cast<size_t>(N) * C), fref = f;
        DeviceArray<float> d_f(f);
        CUDA_CHECK(launch_bias_act(d_f.get(), d_bias.get(), N, C, 1, relu, nullptr));
        reference::bias_act(fref.data(), bias.data(), N, C, 1, relu);
        rec.add("engine_ops", relu ? "bias_relu/fc" : "bias/fc", shape, rel_l2(d_f.download(), fref), kTolExact);
    }
    {
        DeviceArray<float> d_out(static_cast<size_t>(N) * C * Ho * Wo);
        std::vector<float> ref(d_out.size());
        CUDA_CHECK(launch_maxpool2_forward(d_out.get(), d_x.get(), N, C, H, W, nullptr));
        reference::maxpool2_forward(ref.data(), x.data(), N, C, H, W);
        rec.add("engine_ops", "maxpool2_forward", shape, rel_l2(d_out.download(), ref), kTolExact);
    }
    {
        DeviceArray<float> d_out(static_cast<size_t>(M) * C * HW);
        std::vector<float> ref(d_out.size());
        CUDA_CHECK(launch_maxpool2_backward(d_out.get(), d_dP.get(), d_x.get(), img_dev, M, C, H, W, nullptr));
        reference::maxpool2_backward(ref.data(), dP.data(), x.data(), img_host, M, C, H, W);
        rec.add("engine_ops", "maxpool2_backward", shape, rel_l2(d_out.download(), ref), kTolExact);
    }
    {
        DeviceArray<float> d_out(static_cast<size_t>(N) * C);
        std::vector<float> ref(d_out.size());
        CUDA_CHECK(launch_gap_forward(d_out.get(), d_x.get(), N, C, HW, nullptr));
        reference::gap_forward(ref.data(), x.data(), N, C, HW);
        rec.add("engine_ops", "gap_forward", shape, rel_l2(d_out.download(), ref), kTolReduce);
    }
    {
        DeviceArray<float> d_out(static_cast<size_t>(M) * C * HW);
        std::vector<float> ref(d_out.size());
        CUDA_CHECK(launch_gap_backward(d_out.get(), d_dG.get(), M, C, HW, nullptr));
        reference::gap_backward(ref.data(), dG.data(), M, C, HW);
        rec.add("engine_ops", "gap_backward", shape, rel_l2(d_out.download(), ref), kTolExact);
    }
    if (cs.gather) {
        DeviceArray<float> d_out(static_cast<size_t>(M) * C * HW);
        std::vector<float> ref(d_out.size());
        CUDA_CHECK(launch_gather_rows(d_out.get(), d_x.get(), d_img.get(), M, static_cast<int64_t>(C) * HW, nullptr));
        reference::gather_rows(ref.data(), x.data(), img.data(), M, static_cast<int64_t>(C) * HW);
        rec.add("engine_ops", "gather_rows", shape, rel_l2(d_out.download(), ref), kTolExact);
    }
}

// ---------------------------------------------------------------------------------------------
// tv_solver: the super-resolution solver's steps in double (the Java solvers' arithmetic)

// Same expressions in the same order as the references (and the Java solvers): bit-identical,
// the check-time reductions (gap, TV, dot, dual norm) included, which sum sequentially in the
// Java order because they decide when the solver stops.
constexpr double kTolDoubleReduce = 0.0;

struct TvCase {
    const char* name;
    int S, cells, copies, B;
    bool large;
};

const TvCase kTvCases[] = {
    {"S32_cells4_copies3_B2", 32, 4, 3, 2, false},
    {"S224_cells14_copies100_B4", 224, 14, 100, 4, true},
};

void check_tv_solver(Recorder& rec, const TvCase& cs, uint32_t seed) {
    Rng rng(seed);
    const int S = cs.S, B = cs.B, n = S * S, rows = cs.copies * cs.cells * cs.cells;
    const std::string shape = dims(cs.name, {B, S, S, rows});
    // A random sparse operator shaped like D T_l: each row reads a jittered block of pixels.
    std::vector<int> row_start(1, 0), column;
    std::vector<float> weight;
    const int block = S / cs.cells;
    for (int r = 0; r < rows; ++r) {
        const int cell = r % (cs.cells * cs.cells), cy = cell / cs.cells, cx = cell % cs.cells;
        const int oy = static_cast<int>(rng.uniform() * 5) - 2, ox = static_cast<int>(rng.uniform() * 5) - 2;
        for (int dy = 0; dy < block; dy += 2)
            for (int dx = 0; dx < block; dx += 2) {
                const int y = std::min(S - 1, std::max(0, cy * block + dy + oy));
                const int x = std::min(S - 1, std::max(0, cx * block + dx + ox));
                column.push_back(y * S + x);
                weight.push_back(rng.uniform() / (block * block));
            }
        row_start.push_back(static_cast<int>(column.size()));
    }
    std::vector<int> t_start, t_col;
    std::vector<float> t_w;
    tv_transpose_csr(rows, n, row_start, column, weight, t_start, t_col, t_w);
    DeviceArray<int> d_start(row_start), d_col(column), d_tstart(t_start), d_tcol(t_col);
    DeviceArray<float> d_w(weight), d_tw(t_w);
    const CsrMatrix a{rows, n, d_start.get(), d_col.get(), d_w.get()};
    const CsrMatrix at{n, rows, d_tstart.get(), d_tcol.get(), d_tw.get()};

    auto normal_d = [&](size_t count, double sd) {
        std::vector<double> v(count);
        for (auto& x : v) x = sd * rng.normal();
        return v;
    };
    const std::vector<double> v = normal_d(size_t(n) * B, 1.0), g = normal_d(size_t(rows) * B, 1.0);
    DeviceArray<double> d_v(v), d_g(g), d_r(size_t(rows) * B), d_adj(size_t(n) * B);

    // A v - g, scaled by 2 (the seed's data gradient), then A* of it
    std::vector<double> ref_r(size_t(rows) * B), ref_adj(size_t(n) * B, 0.0);
    CUDA_CHECK(launch_tv_spmv(d_r.get(), a, d_v.get(), d_g.get(), B, 2.0, nullptr));
    reference::tv_spmv(ref_r.data(), rows, n, row_start.data(), column.data(), weight.data(),
                       v.data(), g.data(), B, 2.0);
    rec.add("tv_solver", "spmv 2(Av-g)", shape, rel_l2(d_r.download(), ref_r), 0.0);
    CUDA_CHECK(launch_tv_spmv(d_adj.get(), at, d_r.get(), nullptr, B, 1.0, nullptr));
    for (int b = 0; b < B; ++b)  // ObservationOperator.adjoint: scatter in row order
        for (int r = 0; r < rows; ++r)
            for (int k = row_start[r]; k < row_start[r + 1]; ++k)
                ref_adj[size_t(b) * n + column[k]] += double(weight[k]) * ref_r[size_t(b) * rows + r];
    rec.add("tv_solver", "spmv adjoint (transposed)", shape, rel_l2(d_adj.download(), ref_adj), 0.0);

    // FGP iterations from a random dual (the last column / row of px / py zero, as the solver keeps them)
    const double alpha = 0.02, beta = 0.4;
    std::vector<double> px = normal_d(size_t(n) * B, 0.01), py = normal_d(size_t(n) * B, 0.01);
    for (int b = 0; b < B; ++b)
        for (int i = 0; i < n; ++i) {
            if (i % S == S - 1) px[size_t(b) * n + i] = 0.0;
            if (i / S == S - 1) py[size_t(b) * n + i] = 0.0;
        }
    std::vector<double> qx = px, qy = py, ref_qx(px.size()), ref_qy(py.size()), ref_px = px, ref_py = py;
    DeviceArray<double> d_px(px), d_py(py), d_qx(qx), d_qy(qy), d_qx2(qx.size()), d_qy2(qy.size());
    CUDA_CHECK(launch_fgp_iterate(d_qx2.get(), d_qy2.get(), d_px.get(), d_py.get(), d_qx.get(),
                                  d_qy.get(), d_v.get(), alpha, beta, S, B, nullptr, nullptr));
    reference::fgp_iterate(ref_qx.data(), ref_qy.data(), ref_px.data(), ref_py.data(), qx.data(),
                           qy.data(), v.data(), alpha, beta, S, B);
    rec.add("tv_solver", "fgp_iterate p", shape, rel_l2(d_px.download(), ref_px) + rel_l2(d_py.download(), ref_py), 0.0);
    rec.add("tv_solver", "fgp_iterate q", shape, rel_l2(d_qx2.download(), ref_qx) + rel_l2(d_qy2.download(), ref_qy), 0.0);
    if (B > 1) {
        // The active mask: plane 1 (converged) must be left exactly as it was, the others iterate.
        std::vector<unsigned char> act(static_cast<size_t>(B), 1);
        act[1] = 0;
        DeviceArray<unsigned char> d_act(act);
        std::vector<double> mqx(px.size(), -7.0), mqy(py.size(), -7.0);  // q_out's old contents
        DeviceArray<double> d_mpx(px), d_mpy(py), d_mqx(mqx), d_mqy(mqy);
        CUDA_CHECK(launch_fgp_iterate(d_mqx.get(), d_mqy.get(), d_mpx.get(), d_mpy.get(), d_qx.get(),
                                      d_qy.get(), d_v.get(), alpha, beta, S, B, d_act.get(), nullptr));
        std::vector<double> want_px = ref_px, want_py = ref_py, want_qx = ref_qx, want_qy = ref_qy;
        for (int64_t i = 0; i < n; ++i) {
            const size_t e = static_cast<size_t>(n) + static_cast<size_t>(i);  // plane 1
            want_px[e] = px[e];
            want_py[e] = py[e];
            want_qx[e] = mqx[e];
            want_qy[e] = mqy[e];
        }
        rec.add("tv_solver", "fgp_iterate p (active mask)", shape,
                rel_l2(d_mpx.download(), want_px) + rel_l2(d_mpy.download(), want_py), 0.0);
        rec.add("tv_solver", "fgp_iterate q (active mask)", shape,
                rel_l2(d_mqx.download(), want_qx) + rel_l2(d_mqy.download(), want_qy), 0.0);
    }

    std::vector<double> ref_w(size_t(n) * B), ref_gap(B), ref_tv(B);
    DeviceArray<double> d_w2(size_t(n) * B), d_gap(B), d_tv(B);
    CUDA_CHECK(launch_tv_primal(d_w2.get(), d_v.get(), d_px.get(), d_py.get(), S, B, nullptr));
    reference::tv_primal(ref_w.data(), v.data(), ref_px.data(), ref_py.data(), S, B);
    rec.add("tv_solver", "tv_primal", shape, rel_l2(d_w2.download(), ref_w), 0.0);
    CUDA_CHECK(launch_fgp_gap(d_gap.get(), d_w2.get(), d_px.get(), d_py.get(), alpha, S, B, nullptr));
    reference::fgp_gap(ref_gap.data(), ref_w.data(), ref_px.data(), ref_py.data(), alpha, S, B);
    rec.add("tv_solver", "fgp_gap", shape, rel_l2(d_gap.download(), ref_gap), kTolDoubleReduce);
    CUDA_CHECK(launch_tv_value(d_tv.get(), d_v.get(), S, B, nullptr));
    reference::tv_value(ref_tv.data(), v.data(), S, B);
    rec.add("tv_solver", "tv_value", shape, rel_l2(d_tv.download(), ref_tv), kTolDoubleReduce);
    {
        std::vector<double> ref_dot(B, 0.0);
        for (int b = 0; b < B; ++b)
            for (int i = 0; i < n; ++i) ref_dot[b] += v[size_t(b) * n + i] * ref_w[size_t(b) * n + i];
        DeviceArray<double> d_dot(B);
        CUDA_CHECK(launch_batched_dot(d_dot.get(), d_v.get(), d_w2.get(), n, B, nullptr));
        rec.add("tv_solver", "batched_dot", shape, rel_l2(d_dot.download(), ref_dot), kTolDoubleReduce);
    }
    {
        // objectiveAndGap's dual norm: sum (work + L_b * div)^2 with div = -(grad* p), in order.
        std::vector<double> lip(B), p0(size_t(n) * B), ref_norm(B, 0.0);
        for (int b = 0; b < B; ++b) lip[b] = 1.5 + b;
        reference::tv_primal(p0.data(), nullptr, ref_px.data(), ref_py.data(), S, B);
        for (int b = 0; b < B; ++b)
            for (int i = 0; i < n; ++i) {
                const double w = ref_adj[size_t(b) * n + i] + lip[b] * (-p0[size_t(b) * n + i]);
                ref_norm[b] += w * w;
            }
        DeviceArray<double> d_lip(lip), d_p0(p0.size()), d_norm(B);
        CUDA_CHECK(launch_tv_primal(d_p0.get(), nullptr, d_px.get(), d_py.get(), S, B, nullptr));
        CUDA_CHECK(launch_dual_norm(d_norm.get(), d_adj.get(), d_p0.get(), d_lip.get(), n, B, nullptr));
        rec.add("tv_solver", "dual_norm", shape, rel_l2(d_norm.download(), ref_norm), kTolDoubleReduce);
        // The power iteration's normalisation: IEEE division, element by element.
        std::vector<double> ref_div(v.size());
        for (size_t e = 0; e < v.size(); ++e) ref_div[e] = v[e] / 3.7;
        DeviceArray<double> d_div(v.size());
        CUDA_CHECK(launch_divide_scalar(d_div.get(), d_v.get(), 3.7, int64_t(v.size()), nullptr));
        rec.add("tv_solver", "divide_scalar", shape, rel_l2(d_div.download(), ref_div), 0.0);
    }

    // V-FISTA steps: u = z - (2 grad + 2 lambda_e z) / L_b, z = v + q_b (v - v_prev)
    {
        std::vector<double> lip(B), q(B);
        for (int b = 0; b < B; ++b) {
            lip[b] = 0.5 + b;
            q[b] = 0.7 - 0.1 * b;
        }
        const double lambda_e = 0.01;
        DeviceArray<double> d_lip(lip), d_q(q), d_u(size_t(n) * B), d_z(size_t(n) * B);
        std::vector<double> ref_u(size_t(n) * B), ref_z(size_t(n) * B);
        CUDA_CHECK(launch_vfista_gradient_step(d_u.get(), d_v.get(), d_adj.get(), d_lip.get(), lambda_e, n, B, nullptr));
        CUDA_CHECK(launch_vfista_extrapolate(d_z.get(), d_v.get(), d_w2.get(), d_q.get(), n, B, nullptr));
        for (size_t e = 0; e < ref_u.size(); ++e) {
            const size_t b = e / n;
            ref_u[e] = v[e] - (2 * ref_adj[e] + 2 * lambda_e * v[e]) / lip[b];
            ref_z[e] = v[e] + q[b] * (v[e] - ref_w[e]);
        }
        rec.add("tv_solver", "vfista_gradient_step", shape, rel_l2(d_u.download(), ref_u), 0.0);
        rec.add("tv_solver", "vfista_extrapolate", shape, rel_l2(d_z.download(), ref_z), 0.0);
    }

    // Seed Adam step on plateaus (values rounded so that neighbour differences are often exactly 0)
    {
        std::vector<double> vs(v);
        for (auto& x : vs) x = std::round(x * 2) / 2;
        std::vector<double> m = normal_d(vs.size(), 0.1), sq(vs.size());
        for (auto& x : sq) x = rng.uniform();
        std::vector<double> ref_m = m, ref_s = sq, ref_out(vs.size());
        DeviceArray<double> d_vs(vs), d_m(m), d_s(sq), d_out(vs.size());
        const double lr_t = 1e-3 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9);
        CUDA_CHECK(launch_seed_adam_step(d_out.get(), d_m.get(), d_s.get(), d_vs.get(), d_adj.get(),
                                         0.2, 0.01, lr_t, 0.9, 0.999, 1e-8, S, B, nullptr));
        reference::seed_adam_step(ref_out.data(), ref_m.data(), ref_s.data(), vs.data(), ref_adj.data(),
                                  0.2, 0.01, lr_t, 0.9, 0.999, 1e-8, S, B);
        rec.add("tv_solver", "seed_adam_step v", shape, rel_l2(d_out.download(), ref_out), 0.0);
        rec.add("tv_solver", "seed_adam_step moments", shape,
                rel_l2(d_m.download(), ref_m) + rel_l2(d_s.download(), ref_s), 0.0);
    }
}

// augment: the input copies (bit-identical: same double taps, fmad off on both sides)
void check_augment(Recorder& rec, int count, int S, bool large_case, uint32_t seed, bool quick) {
    if (quick && large_case) return;
    Rng rng(seed);
    const int C = 3;
    const std::string shape = dims(large_case ? "N100_C3_224x224" : "N5_C3_37x37", {count, C, S, S});
    const std::vector<float> in = normal_vector(rng, size_t(C) * S * S);
    const std::vector<float> fill = {-103.939f, -116.779f, -123.68f};  // Keras-style black
    std::vector<double> affine(size_t(6) * count);
    std::vector<unsigned char> identity(count, 0);
    identity[0] = 1;
    const double c = (S - 1) / 2.0;
    for (int k = 0; k < count; ++k) {  // AffineWarp.rotateThenShift
        const double angle = rng.uniform() - 0.5, dx = 60 * rng.uniform() - 30, dy = 60 * rng.uniform() - 30;
        const double cs = std::cos(angle), sn = std::sin(angle), ox = -dx - c, oy = -dy - c;
        const double a[6] = {cs, -sn, cs * ox - sn * oy + c, sn, cs, sn * ox + cs * oy + c};
        std::copy(a, a + 6, affine.begin() + 6 * k);
    }
    DeviceArray<float> d_in(in), d_fill(fill), d_out(size_t(count) * C * S * S);
    DeviceArray<double> d_aff(affine);
    DeviceArray<unsigned char> d_id(identity);
    std::vector<float> ref(d_out.size());
    CUDA_CHECK(launch_warp_copies(d_out.get(), d_in.get(), d_fill.get(), d_aff.get(), d_id.get(), count, C, S, nullptr));
    reference::warp_copies(ref.data(), in.data(), fill.data(), affine.data(), identity.data(), count, C, S);
    rec.add("augment", "warp_copies", shape, rel_l2(d_out.download(), ref), kTolExact);
}

// input_copies: Score-CAM masks and masked copies, path points, occluded and noisy copies
// (bit-identical: the same float / double operations as the references, fmad off on both sides;
// the min / max reductions are exact in any order).
void check_input_copies(Recorder& rec, const CopyCase& cs, uint32_t seed) {
    const CopyInputs in = make_copy_inputs(cs, seed);
    const int C = 3, S = cs.S, K = cs.K;
    const std::string shape = dims(cs.name, {K, C, S, S});
    const size_t count = static_cast<size_t>(K) * C * S * S;
    DeviceArray<float> d_image(in.image), d_out(count);
    std::vector<float> ref(count);
    switch (cs.recipe) {
        case CopyRecipe::kScoreAligned:
        case CopyRecipe::kScoreHalfPixel: {
            const bool align = cs.recipe == CopyRecipe::kScoreAligned;
            DeviceArray<float> d_act(in.act), d_masks(static_cast<size_t>(K) * S * S);
            std::vector<float> ref_masks(d_masks.size());
            CUDA_CHECK(launch_scorecam_masks(d_masks.get(), d_act.get(), cs.first, K, cs.act_c, cs.act_h, cs.act_w, S,
                                             align, kScoreCamMaskEps, nullptr));
            CUDA_CHECK(launch_masked_copies(d_out.get(), d_image.get(), d_masks.get(), K, C, S, nullptr));
            reference::scorecam_masks(ref_masks.data(), in.act.data(), cs.first, K, cs.act_h, cs.act_w, S, align,
                                      kScoreCamMaskEps);
            reference::masked_copies(ref.data(), in.image.data(), ref_masks.data(), K, C, S);
            rec.add("input_copies", align ? "scorecam_masks aligned" : "scorecam_masks half-pixel", shape,
                    rel_l2(d_masks.download(), ref_masks), kTolExact);
            rec.add("input_copies", "masked_copies", shape, rel_l2(d_out.download(), ref), kTolExact);
            return;
        }
        case CopyRecipe::kPath: {
            const std::vector<double> alphas(in.alphas.begin() + cs.first, in.alphas.begin() + cs.first + K);
            DeviceArray<float> d_base(in.values);
            DeviceArray<double> d_alphas(alphas);
            CUDA_CHECK(launch_path_points(d_out.get(), d_image.get(), d_base.get(), d_alphas.get(), K, C, S, nullptr));
            reference::path_points(ref.data(), in.image.data(), in.values.data(), alphas.data(), K, C, S);
            rec.add("input_copies", "path_points", shape, rel_l2(d_out.download(), ref), kTolExact);
            return;
        }
        case CopyRecipe::kOcclusion: {
            DeviceArray<float> d_fill(in.values);
            CUDA_CHECK(launch_occlusion_copies(d_out.get(), d_image.get(), d_fill.get(), cs.first, K, C, S, cs.patch,
                                               cs.stride, nullptr));
            reference::occlusion_copies(ref.data(), in.image.data(), in.values.data(), cs.first, K, C, S, cs.patch, cs.stride);
            rec.add("input_copies", "occlusion_copies", shape, rel_l2(d_out.download(), ref), kTolExact);
            return;
        }
        case CopyRecipe::kNoise: {
            const size_t per = static_cast<size_t>(C) * S * S;
            DeviceArray<float> d_noise(in.noise);
            CUDA_CHECK(launch_noisy_copies(d_out.get(), d_image.get(), d_noise.get() + cs.first * per, in.sigma, K, C, S,
                                           nullptr));
            reference::noisy_copies(ref.data(), in.image.data(), in.noise.data() + cs.first * per, in.sigma, K, C, S);
            rec.add("input_copies", "noisy_copies", shape, rel_l2(d_out.download(), ref), kTolExact);
            return;
        }
    }
}

// ablated_copies: Ablation-CAM's ablated activations (bit-identical: a copy or a zero).
void check_ablated_copies(Recorder& rec, const AblationCase& cs, uint32_t seed) {
    const std::vector<float> act = make_ablation_activation(cs, seed);
    const size_t count = static_cast<size_t>(cs.K) * cs.C * cs.HW;
    DeviceArray<float> d_act(act), d_out(count);
    std::vector<float> ref(count);
    CUDA_CHECK(launch_ablated_copies(d_out.get(), d_act.get(), cs.first, cs.K, cs.C, cs.HW, nullptr));
    reference::ablated_copies(ref.data(), act.data(), cs.first, cs.K, cs.C, cs.HW);
    const std::vector<float> got = d_out.download();
    rec.add("ablated_copies", "ablated_copies", dims(cs.name, {cs.K, cs.C, cs.HW}), rel_l2(got, ref), kTolExact);
    // rel_l2 could hide a wrong zero in a large case: the copies must be equal value for value
    size_t differ = 0;
    for (size_t i = 0; i < count; ++i) differ += got[i] != ref[i];
    rec.add("ablated_copies", "values that differ", dims(cs.name, {cs.K, cs.C, cs.HW}), static_cast<double>(differ), 0.0);
}

}  // namespace

std::vector<CheckLine> run_kernel_checks(const CheckOptions& options) {
    Recorder rec;
    uint32_t seed = options.seed;  // every case gets its own seed, so cases are independent
    for (const auto& cs : kCamCases)
        if (!(options.quick && cs.large)) check_cam_family(rec, cs, seed++);
    for (const auto& cs : kReluCases)
        if (!(options.quick && cs.large)) check_relu_backward(rec, cs, seed++);
    for (const auto& cs : kPoolCases)
        if (!(options.quick && cs.large)) check_relu_maxpool(rec, cs, seed++);
    for (const auto& cs : kPoolCases)
        if (!(options.quick && cs.large)) check_engine_ops(rec, cs, seed++);
    for (const auto& cs : kTvCases)
        if (!(options.quick && cs.large)) check_tv_solver(rec, cs, seed++);
    check_augment(rec, 5, 37, false, seed++, options.quick);
    check_augment(rec, 100, 224, true, seed++, options.quick);
    for (const auto& cs : kUpsampleCases)
        if (!(options.quick && cs.large)) check_upsample(rec, cs, seed++);
    for (const auto& cs : kNormaliseCases)
        if (!(options.quick && cs.large)) check_normalise(rec, cs, seed++);
    for (const auto& cs : kProductCases)
        if (!(options.quick && cs.large)) check_guided_product(rec, cs, seed++);
    for (const auto& cs : kCopyCases)
        if (!(options.quick && cs.large)) check_input_copies(rec, cs, seed++);
    for (const auto& cs : kAblationCases)
        if (!(options.quick && cs.large)) check_ablated_copies(rec, cs, seed++);
    // Kernel faults are asynchronous: make sure none is pending before declaring success.
    CUDA_CHECK(cudaDeviceSynchronize());
    return rec.lines;
}

bool all_passed(const std::vector<CheckLine>& lines) {
    for (const auto& l : lines)
        if (!l.ok) return false;
    return !lines.empty();
}

std::string format_check_table(const std::vector<CheckLine>& lines) {
    std::ostringstream s;
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-15s %-26s %-52s %11s %9s  %s\n", "family", "check", "case",
                  "rel_l2", "tol", "result");
    s << buf;
    int failed = 0;
    for (const auto& l : lines) {
        std::snprintf(buf, sizeof buf, "%-15s %-26s %-52s %11.3e %9.1e  %s\n", l.family.c_str(),
                      l.what.c_str(), l.shape.c_str(), l.rel_err, l.tol, l.ok ? "ok" : "FAIL");
        s << buf;
        if (!l.ok) ++failed;
    }
    s << "overall: " << (all_passed(lines) ? "PASS" : "FAIL") << " (" << lines.size()
      << " checks, " << failed << " failed)\n";
    return s.str();
}

}  // namespace test
}  // namespace gradcam4j
