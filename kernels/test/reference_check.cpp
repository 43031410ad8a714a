// reference_check: the CPU references (kernels/reference/) against values worked out by hand
// from docs/ALGORITHMS.md. Runs anywhere, no GPU: it pins the references down, so that the GPU
// parity suite (which trusts them) compares against the right thing. Exit status 0 / 1.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <type_traits>
#include <initializer_list>
#include <vector>

#include "method_constants.h"
#include "reference/reference.h"
#include "test/case_inputs.h"

namespace {

using namespace gradcam4j;

int g_failures = 0;

void expect(const char* what, const std::vector<float>& got, std::initializer_list<double> want,
            double tol = 1e-6) {
    bool ok = got.size() == want.size();
    size_t i = 0;
    for (double w : want) {
        if (!ok) break;
        const double g = got[i++];
        ok = std::isfinite(g) && std::fabs(g - w) <= tol * std::max(1.0, std::fabs(w));
    }
    std::printf("%-48s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        ++g_failures;
        std::printf("   got :");
        for (float g : got) std::printf(" %.7g", g);
        std::printf("\n   want:");
        for (double w : want) std::printf(" %.7g", w);
        std::printf("\n");
    }
}

void check_grad_pool() {
    // M = 1, C = 2, HW = 3; image 0 of 1.
    const std::vector<float> g = {1, 2, 3, -1, 0, 4};
    const std::vector<float> a = {1, 0, 1, 0, 0, 0};  // channel 1 dead
    std::vector<float> w(2);
    reference::gradcam_weights(w.data(), g.data(), 1, 2, 3);
    expect("gradcam_weights: channel means", w, {2.0, 1.0});
    reference::xgradcam_weights(w.data(), g.data(), a.data(), nullptr, 1, 2, 3, kXGradCamEps);
    // (1*1 + 3*1) / (2 + eps); dead channel: 0 / eps = 0.
    expect("xgradcam_weights: sum(gA)/(sum A + eps)", w, {4.0 / (2.0 + double(kXGradCamEps)), 0.0});
}

void check_gradcampp() {
    // One channel: g = (1, 0, -1), A = (1, 1, 0) so S = 2.
    const std::vector<float> g = {1, 0, -1};
    const std::vector<float> a = {1, 1, 0};
    std::vector<float> w(1), alpha(3);
    reference::gradcampp_weights(w.data(), alpha.data(), g.data(), a.data(), nullptr, 1, 1, 3,
                                 GradCamPlusPlusForm::kDefault, kGradCamPlusPlusEps);
    // alpha(1) = 1 / (2 + 2 + eps); alpha(0) = 0; alpha(-1) = 1 / (2 - 2 + eps), huge.
    const double eps = kGradCamPlusPlusEps;
    expect("gradcampp default: alphas", alpha, {1.0 / (4.0 + eps), 0.0, 1.0 / eps}, 1e-5);
    expect("gradcampp default: w = sum alpha relu(g)", w, {1.0 / (4.0 + eps)});
    reference::gradcampp_weights(w.data(), alpha.data(), g.data(), a.data(), nullptr, 1, 1, 3,
                                 GradCamPlusPlusForm::kOfficial, 0.f);
    // Raw alphas: 1/4, 0 (0/1), and 1/1 (denominator 0 -> 1). Z = sum over g > 0 = 1/4.
    expect("gradcampp official: alphas / Z", alpha, {1.0, 0.0, 4.0});
    expect("gradcampp official: weight", w, {1.0});
    // All-negative gradient: Z = 0 -> 1, weight 0, no NaN.
    const std::vector<float> gneg = {-1, -2, 0};
    reference::gradcampp_weights(w.data(), alpha.data(), gneg.data(), a.data(), nullptr, 1, 1, 3,
                                 GradCamPlusPlusForm::kOfficial, 0.f);
    expect("gradcampp official: no positive gradient", w, {0.0});
}

void check_cam_combine() {
    // M = 2 seeds on image 0 (image_of = {0, 0}); C = 2, HW = 2.
    const std::vector<float> act = {1, 2, 3, 0};
    const std::vector<float> wts = {1, -1, -1, 0};
    const std::vector<int> img = {0, 0};
    std::vector<float> map(4);
    reference::cam_weighted_sum(map.data(), wts.data(), act.data(), img.data(), 2, 2, 2, true);
    expect("cam_weighted_sum relu", map, {0.0, 2.0, 0.0, 0.0});
    reference::cam_weighted_sum(map.data(), wts.data(), act.data(), img.data(), 2, 2, 2, false);
    expect("cam_weighted_sum linear (CAM)", map, {-2.0, 2.0, -1.0, -2.0});
    const std::vector<float> grad = {1, -1, -2, 5, /* seed 1 */ 0, 1, 1, 1};
    reference::cam_elementwise(map.data(), grad.data(), act.data(), img.data(), 2, 2, 2,
                               ElementwiseCam::kHiResCam);
    expect("hirescam: relu(sum g*A)", map, {0.0, 0.0, 3.0, 2.0});
    reference::cam_elementwise(map.data(), grad.data(), act.data(), img.data(), 2, 2, 2,
                               ElementwiseCam::kLayerCam);
    expect("layercam: relu(sum relu(g)*A)", map, {1.0, 0.0, 3.0, 2.0});
}

void check_relu() {
    const std::vector<float> R = {-1, 2, 3, -4};
    const std::vector<float> y = {0, 0, 1, 1};
    std::vector<float> out(4);
    reference::relu_backward(out.data(), R.data(), y.data(), nullptr, 1, 4, ReluRule::kGradient);
    expect("relu gradient: R [y>0]", out, {0, 0, 3, -4});
    reference::relu_backward(out.data(), R.data(), y.data(), nullptr, 1, 4, ReluRule::kGuided);
    expect("relu guided: relu(R) [y>0]", out, {0, 0, 3, 0});
    reference::relu_backward(out.data(), R.data(), nullptr, nullptr, 1, 4, ReluRule::kDeconvnet);
    expect("relu deconvnet: relu(R)", out, {0, 2, 3, 0});

    // 3x3 map (odd: last row / column get nothing), one window [[1, 3], [3, 0]].
    const std::vector<float> fwd = {1, 3, 9, 3, 0, 9, 9, 9, 9};
    const std::vector<float> dp = {5};
    std::vector<float> gi(9);
    reference::relu_maxpool_backward(gi.data(), dp.data(), fwd.data(), nullptr, 1, 1, 3, 3,
                                     ReluRule::kGradient);
    expect("maxpool routing: first max of a tie", gi, {0, 5, 0, 0, 0, 0, 0, 0, 0});
    const std::vector<float> zero(9, 0.f), neg = {-5};
    reference::relu_maxpool_backward(gi.data(), neg.data(), zero.data(), nullptr, 1, 1, 3, 3,
                                     ReluRule::kGradient);
    expect("maxpool gradient: dead window", gi, {0, 0, 0, 0, 0, 0, 0, 0, 0});
    reference::relu_maxpool_backward(gi.data(), dp.data(), zero.data(), nullptr, 1, 1, 3, 3,
                                     ReluRule::kDeconvnet);
    expect("maxpool deconvnet: dead window routes to (0,0)", gi, {5, 0, 0, 0, 0, 0, 0, 0, 0});
}

void check_upsample() {
    // torch.nn.functional.interpolate(x, size=(4, 4), mode='bilinear', align_corners=False)
    // of [[1, 2], [3, 4]]: half-pixel centres, edges clamped.
    const std::vector<float> in = {1, 2, 3, 4};
    std::vector<float> out(16);
    reference::upsample_bilinear(out.data(), in.data(), 1, 2, 2, 4, 4);
    expect("upsample 2x2 -> 4x4 (half-pixel)", out,
           {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0});
    // Down-sampling 4 -> 2 samples at 1.5 and 3.5 (between pixel centres): no antialias filter.
    const std::vector<float> row = {0, 10, 20, 30};
    std::vector<float> half(2);
    reference::upsample_bilinear(half.data(), row.data(), 1, 1, 4, 1, 2);
    expect("downsample 1x4 -> 1x2", half, {5.0, 25.0});

    const std::vector<float> maps = {1, 2, 4, 0, 0, 0};
    std::vector<float> norm(6), mx(2);
    reference::normalise_by_max(norm.data(), mx.data(), maps.data(), 2, 3);
    expect("normalise: divide by max; zero map stays 0", norm, {0.25, 0.5, 1.0, 0.0, 0.0, 0.0});
    expect("normalise: maxima reported", mx, {4.0, 0.0});
    // MapOps.normaliseByMax: negatives become 0; a map with max <= 0 is all zero.
    const std::vector<float> signed_maps = {-2, 1, 4, -1, -3, -0.5};
    reference::normalise_by_max(norm.data(), mx.data(), signed_maps.data(), 2, 3);
    expect("normalise: negatives zeroed, non-positive map zeroed", norm, {0.0, 0.25, 1.0, 0.0, 0.0, 0.0});
    expect("normalise: maxima of signed maps", mx, {4.0, -0.5});
    const std::vector<float> bad = {1, NAN, 2};
    std::vector<float> bad_out(3), bad_max(1);
    reference::normalise_by_max(bad_out.data(), bad_max.data(), bad.data(), 1, 3);
    expect("normalise: non-finite map zeroed", bad_out, {0.0, 0.0, 0.0});
    std::printf("%-48s %s\n", "normalise: non-finite map reported as NaN max",
                std::isnan(bad_max[0]) ? "ok" : "FAIL");
    if (!std::isnan(bad_max[0])) ++g_failures;
}

void check_guided_product() {
    const std::vector<float> g = {1, 2, 3, 4, 5, 6};  // M = 1, C = 3, HW = 2
    const std::vector<float> map = {0.5f, 0.f};
    std::vector<float> out(6);
    reference::guided_product(out.data(), g.data(), map.data(), 1, 3, 2);
    expect("guided product: broadcast over channels", out, {0.5, 0, 1.5, 0, 2.5, 0});
}

}  // namespace

void check_engine_ops() {
    // One 2x3 plane (odd width: the last column belongs to no window): window (2, 5; 5, 1) has a
    // tie, the first maximum (row-major) wins.
    const std::vector<float> x = {2, 5, 9, 5, 1, 9};
    std::vector<float> p(1), g(6);
    reference::maxpool2_forward(p.data(), x.data(), 1, 1, 2, 3);
    expect("maxpool2_forward: window max", p, {5.0});
    const std::vector<float> dp = {7};
    reference::maxpool2_backward(g.data(), dp.data(), x.data(), nullptr, 1, 1, 2, 3);
    expect("maxpool2_backward: first maximum, odd column 0", g, {0, 7, 0, 0, 0, 0});
    const int img[2] = {0, 0};  // two seed rows on one image
    const std::vector<float> dp2 = {1, -2};
    std::vector<float> g2(12);
    reference::maxpool2_backward(g2.data(), dp2.data(), x.data(), img, 2, 1, 2, 3);
    expect("maxpool2_backward: gathered rows", g2, {0, 1, 0, 0, 0, 0, 0, -2, 0, 0, 0, 0});
    std::vector<float> m(1);
    reference::gap_forward(m.data(), x.data(), 1, 1, 6);
    expect("gap_forward: mean", m, {31.0 / 6.0});
    std::vector<float> gb(3);
    const std::vector<float> go = {3};
    reference::gap_backward(gb.data(), go.data(), 1, 1, 3);
    expect("gap_backward: g / HW", gb, {1.0, 1.0, 1.0});
    std::vector<float> y = {-1, 2, -3, 4};  // N = 1, C = 2, inner = 2
    const std::vector<float> b = {0.5f, -5};
    reference::bias_act(y.data(), b.data(), 1, 2, 2, true);
    expect("bias_act: per-channel bias then ReLU", y, {0, 2.5, 0, 0});
    std::vector<float> rows(4);
    const std::vector<float> src = {1, 2, 3, 4};  // two rows of two
    const int which[2] = {1, 1};
    reference::gather_rows(rows.data(), src.data(), which, 2, 2);
    expect("gather_rows", rows, {3, 4, 3, 4});
}

std::vector<float> as_float(const std::vector<double>& d) { return std::vector<float>(d.begin(), d.end()); }

void check_tv_solver() {
    // A = [1 0 2; 0 3 0], x = (1, 2, 3), g = (1, 1), scale 2: 2 (Ax - g) = (12, 10).
    const int row_start[] = {0, 2, 3}, column[] = {0, 2, 1};
    const float weight[] = {1, 2, 3};
    const double x[] = {1, 2, 3}, g[] = {1, 1};
    std::vector<double> out(2);
    reference::tv_spmv(out.data(), 2, 3, row_start, column, weight, x, g, 1, 2.0);
    expect("tv_spmv: 2 (A x - g)", as_float(out), {12, 10});
    // Plane [0 1; 3 3]: TV = |1-0| + |3-3| + |3-0| + |3-1| = 6.
    const double v[] = {0, 1, 3, 3};
    std::vector<double> tv(1);
    reference::tv_value(tv.data(), v, 2, 1);
    expect("tv_value: anisotropic, forward differences", as_float(tv), {6});
    // One FGP step from q = p = 0 (so w = u), beta = 0: p = clip(grad u / 8, +-alpha); q = p; the
    // last column of px and last row of py stay 0.
    std::vector<double> qx(4), qy(4), px(4, 0.0), py(4, 0.0);
    const std::vector<double> zero(4, 0.0);
    reference::fgp_iterate(qx.data(), qy.data(), px.data(), py.data(), zero.data(), zero.data(), v,
                           0.2, 0.0, 2, 1);
    expect("fgp_iterate: px = clip(dx u / 8)", as_float(px), {0.125, 0, 0, 0});
    expect("fgp_iterate: py = clip(dy u / 8)", as_float(py), {0.2, 0.2, 0, 0});
    expect("fgp_iterate: q = p when beta = 0", as_float(qy), {0.2, 0.2, 0, 0});
    // primal of that p on u = 0: w = px - px(left) + py - py(up).
    std::vector<double> w(4);
    reference::tv_primal(w.data(), nullptr, px.data(), py.data(), 2, 1);
    expect("tv_primal: -grad* p", as_float(w), {0.325, 0.075, -0.2, -0.2});
    // Seed Adam, one pixel, no TV or energy term: m = 0.1, s = 0.001, step lr_t m / sqrt(s).
    const double v1[] = {1}, dg[] = {1};
    std::vector<double> vo(1), m(1, 0.0), sq(1, 0.0);
    reference::seed_adam_step(vo.data(), m.data(), sq.data(), v1, dg, 0.5, 0.0, 0.1, 0.9, 0.999, 0.0, 1, 1);
    expect("seed_adam_step: first step", as_float(vo), {1.0 - 0.01 / std::sqrt(0.001)});
}

void check_augment() {
    // 3x3 plane 1..9, shift right by one pixel (source x - 1), fill 10: the first column is fill,
    // the rest the input moved right; the identity copy is the input.
    const std::vector<float> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float fill[1] = {10};
    const double affine[12] = {1, 0, 0, 0, 1, 0, 1, 0, -1, 0, 1, 0};
    const unsigned char identity[2] = {1, 0};
    std::vector<float> out(18);
    reference::warp_copies(out.data(), in.data(), fill, affine, identity, 2, 1, 3);
    expect("warp_copies: identity, then shift with fill", out,
           {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 10, 4, 5, 10, 7, 8});
}

void check_input_copies() {
    // Score-CAM, pytorch-grad-cam's form: [[1, 2], [3, 4]] -> 3 x 3 with aligned corners is
    // [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]; min-max: (v - 1) / (3 + 1e-8). The second channel
    // (constant 5) gives an all-zero mask (0 / eps).
    const std::vector<float> act = {1, 2, 3, 4, 5, 5, 5, 5};
    std::vector<float> masks(18);
    reference::scorecam_masks(masks.data(), act.data(), 0, 2, 2, 2, 3, true, kScoreCamMaskEps);
    const double d = 3.0 + kScoreCamMaskEps;
    expect("scorecam_masks: aligned corners, min-max", masks,
           {0, 0.5 / d, 1 / d, 1 / d, 1.5 / d, 2 / d, 2 / d, 2.5 / d, 3 / d, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    // The paper form: half-pixel centres ([[1, 2], [3, 4]] -> 4 x 4 as in check_upsample), channel
    // 1 of 1 (first = 1 of a two-channel activation whose channel 0 is ignored).
    const std::vector<float> act2 = {9, 9, 9, 9, 1, 2, 3, 4};
    std::vector<float> half(16);
    reference::scorecam_masks(half.data(), act2.data(), 1, 1, 2, 2, 4, false, kScoreCamMaskEps);
    std::vector<double> up = {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0};
    std::vector<float> got_half(half);
    bool ok = true;
    for (size_t i = 0; i < up.size(); ++i) ok = ok && std::fabs(got_half[i] - (up[i] - 1) / d) <= 1e-6;
    std::printf("%-48s %s\n", "scorecam_masks: half-pixel (paper form), first=1", ok ? "ok" : "FAIL");
    if (!ok) ++g_failures;
    // Masked copies: image (C = 2, S = 1) times two masks.
    std::vector<float> out1(4);
    const std::vector<float> img1 = {2, -1};     // C = 2, S = 1
    const std::vector<float> mk1 = {0.5f, 0.25f};  // K = 2
    reference::masked_copies(out1.data(), img1.data(), mk1.data(), 2, 2, 1);
    expect("masked_copies: image x mask, per copy", out1, {1, -0.5, 0.5, -0.25});
    // Path points: baseline (-1, 10), pixel (3, 2): alpha 0.25 -> (0, 8), alpha 1 -> the image.
    const std::vector<float> img2 = {3, 2};
    const float base[2] = {-1, 10};
    const double alphas[2] = {0.25, 1.0};
    std::vector<float> path(4);
    reference::path_points(path.data(), img2.data(), base, alphas, 2, 2, 1);
    expect("path_points: b + alpha (x - b)", path, {0, 8, 3, 2});
    // Occlusion: 4 x 4 plane 1..16, patch 2, stride 2 (2 x 2 positions); copy 3 fills the bottom
    // right with 0, copy 1 (first = 1, K = 1) the top right.
    std::vector<float> plane(16);
    for (int i = 0; i < 16; ++i) plane[i] = static_cast<float>(i + 1);
    const float fill[1] = {0};
    std::vector<float> occ(32);
    reference::occlusion_copies(occ.data(), plane.data(), fill, 1, 2, 1, 4, 2, 2);
    expect("occlusion_copies: positions 1 and 2", occ,
           {1, 2, 0, 0, 5, 6, 0, 0, 9, 10, 11, 12, 13, 14, 15, 16,
            1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 11, 12, 0, 0, 15, 16});
    // Noise: x + sigma z.
    const std::vector<float> img3 = {1, -2};
    const std::vector<float> z = {2, 0, -1, 4};
    std::vector<float> noisy(4);
    reference::noisy_copies(noisy.data(), img3.data(), z.data(), 0.5, 2, 2, 1);
    expect("noisy_copies: x + sigma z", noisy, {2, -2, 0.5, 0});
}

void check_ablated_copies() {
    // C = 3 channels of HW = 2 values: [[1, 2], [3, 4], [5, 6]]; copies 1 and 2 (first = 1, K = 2)
    // zero channel 1, then channel 2, and keep the rest.
    const std::vector<float> act = {1, 2, 3, 4, 5, 6};
    std::vector<float> out(12, -1.f);
    reference::ablated_copies(out.data(), act.data(), 1, 2, 3, 2);
    expect("ablated_copies: channel first + k zeroed in copy k", out, {1, 2, 0, 0, 5, 6, 1, 2, 3, 4, 0, 0});
}

namespace {

// ---------------------------------------------------------------------------------------------
// --dump DIR: the GPU suite's cases (case_inputs.h) with this file's references' outputs, as
// .npy files, one folder per case, for KernelReferenceJavaParityTest to recompute with the Java
// CPU implementation (CamMath, MapOps). The references must encode what Java does; this is where
// that is checked. Cases above kDumpLimit values are left out (the test reads them all).

constexpr size_t kDumpLimit = size_t{1} << 21;

template <typename T>
void write_npy(const std::string& path, const std::vector<T>& data, std::initializer_list<int64_t> shape) {
    const char* descr = std::is_same<T, float>::value ? "<f4" : "<i4";
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
    for (int64_t d : shape) dict += std::to_string(d) + ", ";
    dict += "), }";
    size_t total = 10 + dict.size() + 1;
    const size_t padded = (total + 63) / 64 * 64;
    dict.append(padded - total, ' ');
    dict += '\n';
    const uint16_t header_len = static_cast<uint16_t>(dict.size());
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const char len[2] = {static_cast<char>(header_len & 0xff), static_cast<char>(header_len >> 8)};
    out.write(len, 2);
    out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(sizeof(T) * data.size()));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        std::exit(2);
    }
}

std::string make_dir(const std::string& parent, const std::string& name) {
    const std::string d = parent + "/" + name;
    mkdir(d.c_str(), 0755);
    return d;
}

void dump_cases(const std::string& dir, float xgradcam_eps, float gradcampp_eps) {
    mkdir(dir.c_str(), 0755);
    uint32_t seed = 20240917;
    for (const auto& cs : test::kCamCases) {
        const int M = cs.M, N = cs.N, C = cs.C, HW = cs.h * cs.w;
        if (static_cast<size_t>(M) * C * HW > kDumpLimit) continue;
        const test::CamInputs in = test::make_cam_inputs(cs, seed++);
        std::vector<int> img = in.image_of;
        if (img.empty()) for (int m = 0; m < M; ++m) img.push_back(m);
        const std::string d = make_dir(dir, std::string("cam_") + cs.name);
        write_npy(d + "/grad.npy", in.grad, {M, C, cs.h, cs.w});
        write_npy(d + "/act.npy", in.act, {N, C, cs.h, cs.w});
        write_npy(d + "/image_of.npy", img, {M});
        write_npy(d + "/weights.npy", in.weights, {M, C});
        std::vector<float> w(static_cast<size_t>(M) * C), alpha(in.grad.size()), map(static_cast<size_t>(M) * HW);
        reference::gradcam_weights(w.data(), in.grad.data(), M, C, HW);
        write_npy(d + "/gradcam_weights.npy", w, {M, C});
        reference::xgradcam_weights(w.data(), in.grad.data(), in.act.data(), img.data(), M, C, HW, xgradcam_eps);
        write_npy(d + "/xgradcam_weights.npy", w, {M, C});
        for (auto form : {GradCamPlusPlusForm::kDefault, GradCamPlusPlusForm::kOfficial}) {
            const std::string f = form == GradCamPlusPlusForm::kDefault ? "default" : "official";
            reference::gradcampp_weights(w.data(), alpha.data(), in.grad.data(), in.act.data(), img.data(), M, C,
                                         HW, form, gradcampp_eps);
            write_npy(d + "/gradcampp_" + f + "_weights.npy", w, {M, C});
            write_npy(d + "/gradcampp_" + f + "_alphas.npy", alpha, {M, C, cs.h, cs.w});
        }
        for (bool relu : {true, false}) {
            reference::cam_weighted_sum(map.data(), in.weights.data(), in.act.data(), img.data(), M, C, HW, relu);
            write_npy(d + (relu ? "/weighted_sum_relu.npy" : "/weighted_sum_linear.npy"), map, {M, cs.h, cs.w});
        }
        reference::cam_elementwise(map.data(), in.grad.data(), in.act.data(), img.data(), M, C, HW, ElementwiseCam::kHiResCam);
        write_npy(d + "/hirescam.npy", map, {M, cs.h, cs.w});
        reference::cam_elementwise(map.data(), in.grad.data(), in.act.data(), img.data(), M, C, HW, ElementwiseCam::kLayerCam);
        write_npy(d + "/layercam.npy", map, {M, cs.h, cs.w});
    }
    for (const auto& cs : test::kUpsampleCases) {
        if (static_cast<size_t>(cs.M) * cs.H * cs.W > kDumpLimit) continue;
        const std::vector<float> in = test::make_upsample_input(cs, seed++);
        std::vector<float> out(static_cast<size_t>(cs.M) * cs.H * cs.W);
        reference::upsample_bilinear(out.data(), in.data(), cs.M, cs.h, cs.w, cs.H, cs.W);
        const std::string d = make_dir(dir, std::string("upsample_") + cs.name);
        write_npy(d + "/in.npy", in, {cs.M, cs.h, cs.w});
        write_npy(d + "/out.npy", out, {cs.M, cs.H, cs.W});
    }
    for (const auto& cs : test::kNormaliseCases) {
        if (static_cast<size_t>(cs.M) * cs.HW > kDumpLimit) continue;
        const std::vector<float> in = test::make_normalise_input(cs, seed++);
        std::vector<float> out(in.size()), mx(static_cast<size_t>(cs.M));
        reference::normalise_by_max(out.data(), mx.data(), in.data(), cs.M, cs.HW);
        const std::string d = make_dir(dir, std::string("normalise_") + cs.name);
        write_npy(d + "/in.npy", in, {cs.M, 1, cs.HW});
        write_npy(d + "/out.npy", out, {cs.M, 1, cs.HW});
        write_npy(d + "/max.npy", mx, {cs.M});
    }
    for (const auto& cs : test::kProductCases) {
        if (static_cast<size_t>(cs.M) * cs.C * cs.HW > kDumpLimit) continue;
        const test::ProductInputs in = test::make_product_inputs(cs, seed++);
        std::vector<float> out(in.guided.size());
        reference::guided_product(out.data(), in.guided.data(), in.map.data(), cs.M, cs.C, cs.HW);
        const std::string d = make_dir(dir, std::string("product_") + cs.name);
        write_npy(d + "/guided.npy", in.guided, {cs.M, cs.C, 1, cs.HW});
        write_npy(d + "/map.npy", in.map, {cs.M, 1, cs.HW});
        write_npy(d + "/out.npy", out, {cs.M, cs.C, 1, cs.HW});
    }
    for (const auto& cs : test::kCopyCases) {
        const test::CopyInputs in = test::make_copy_inputs(cs, seed++);
        const int C = 3, S = cs.S, K = cs.first + cs.K;  // the dump holds every copy up to first+K
        if (static_cast<size_t>(K) * C * S * S > kDumpLimit) continue;
        std::vector<float> out(static_cast<size_t>(cs.K) * C * S * S);
        const std::string d = make_dir(dir, std::string("copies_") + cs.name);
        write_npy(d + "/image.npy", in.image, {C, S, S});
        write_npy(d + "/range.npy", std::vector<int>{cs.first, cs.K}, {2});
        switch (cs.recipe) {
            case test::CopyRecipe::kScoreAligned:
            case test::CopyRecipe::kScoreHalfPixel: {
                const bool align = cs.recipe == test::CopyRecipe::kScoreAligned;
                std::vector<float> masks(static_cast<size_t>(cs.K) * S * S);
                reference::scorecam_masks(masks.data(), in.act.data(), cs.first, cs.K, cs.act_h, cs.act_w, S, align,
                                          kScoreCamMaskEps);
                reference::masked_copies(out.data(), in.image.data(), masks.data(), cs.K, C, S);
                write_npy(d + "/act.npy", in.act, {cs.act_c, cs.act_h, cs.act_w});
                write_npy(d + "/align_corners.npy", std::vector<int>{align ? 1 : 0}, {1});
                write_npy(d + "/masks.npy", masks, {cs.K, S, S});
                break;
            }
            case test::CopyRecipe::kPath: {
                reference::path_points(out.data(), in.image.data(), in.values.data(), in.alphas.data() + cs.first, cs.K, C, S);
                write_npy(d + "/baseline.npy", in.values, {C});
                // The alphas (double) are not dumped: the Java test rebuilds them with
                // make_copy_inputs' formula (k / (n - 1), alpha_1 a Gauss-Legendre node).
                break;
            }
            case test::CopyRecipe::kOcclusion:
                reference::occlusion_copies(out.data(), in.image.data(), in.values.data(), cs.first, cs.K, C, S, cs.patch,
                                            cs.stride);
                write_npy(d + "/fill.npy", in.values, {C});
                write_npy(d + "/patch_stride.npy", std::vector<int>{cs.patch, cs.stride}, {2});
                break;
            case test::CopyRecipe::kNoise:
                reference::noisy_copies(out.data(), in.image.data(), in.noise.data() + static_cast<size_t>(cs.first) * C * S * S,
                                        in.sigma, cs.K, C, S);
                write_npy(d + "/noise.npy", in.noise, {K, C, S, S});
                break;
        }
        write_npy(d + "/copies.npy", out, {cs.K, C, S, S});
    }
    for (const auto& cs : test::kAblationCases) {
        const std::vector<float> act = test::make_ablation_activation(cs, seed++);
        if (static_cast<size_t>(cs.K) * cs.C * cs.HW > kDumpLimit) continue;
        std::vector<float> out(static_cast<size_t>(cs.K) * cs.C * cs.HW);
        reference::ablated_copies(out.data(), act.data(), cs.first, cs.K, cs.C, cs.HW);
        const std::string d = make_dir(dir, std::string("ablated_") + cs.name);
        write_npy(d + "/act.npy", act, {cs.C, 1, cs.HW});
        write_npy(d + "/range.npy", std::vector<int>{cs.first, cs.K}, {2});
        write_npy(d + "/copies.npy", out, {cs.K, cs.C, 1, cs.HW});
    }
    std::printf("dumped the cases to %s\n", dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    std::string dump_dir;
    float xgradcam_eps = kXGradCamEps, gradcampp_eps = kGradCamPlusPlusEps;  // the Java values (method_constants.h)
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--dump" && i + 1 < argc) {
            dump_dir = argv[++i];
        } else if (a == "--xgradcam-eps" && i + 1 < argc) {
            xgradcam_eps = std::strtof(argv[++i], nullptr);
        } else if (a == "--gradcampp-eps" && i + 1 < argc) {
            gradcampp_eps = std::strtof(argv[++i], nullptr);
        } else {
            std::fprintf(stderr, "usage: %s [--dump DIR [--xgradcam-eps E] [--gradcampp-eps E]]\n", argv[0]);
            return 2;
        }
    }
    if (!dump_dir.empty()) {
        dump_cases(dump_dir, xgradcam_eps, gradcampp_eps);
        return 0;
    }
    check_grad_pool();
    check_gradcampp();
    check_cam_combine();
    check_relu();
    check_upsample();
    check_guided_product();
    check_engine_ops();
    check_tv_solver();
    check_augment();
    check_input_copies();
    check_ablated_copies();
    std::printf("%s (%d failed)\n", g_failures ? "FAIL" : "PASS", g_failures);
    return g_failures ? 1 : 0;
}
