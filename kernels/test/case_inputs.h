// The seeded inputs of the kernel parity cases, shared by the GPU suite (kernel_cases.cu) and the
// CPU-only reference check's dump (reference_check.cpp --dump), from which a JUnit test
// (KernelReferenceJavaParityTest) checks the C++ references against the Java implementation on
// the same cases. Plain host C++.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace gradcam4j {
namespace test {

struct Rng {
    std::mt19937 gen;
    explicit Rng(uint32_t seed) : gen(seed) {}
    float normal() { return std::normal_distribution<float>(0.f, 1.f)(gen); }
    float uniform() { return std::uniform_real_distribution<float>(0.f, 1.f)(gen); }
};

// Gradient-like data: N(0,1) with ~25% exact zeros (ReLU masks upstream produce them, and
// Grad-CAM++ treats g == 0 specially).
inline std::vector<float> gradient_like(Rng& rng, size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = rng.uniform() < 0.25f ? 0.f : rng.normal();
    return v;
}

// Activation-like data: ReLU(N(0,1)), and every channel k with k % 7 == 3 all zero (a dead
// channel: sum A = 0 in XGrad-CAM and Grad-CAM++).
inline std::vector<float> activation_like(Rng& rng, int N, int C, int HW) {
    std::vector<float> v(static_cast<size_t>(N) * C * HW);
    for (int n = 0; n < N; ++n)
        for (int k = 0; k < C; ++k)
            for (int i = 0; i < HW; ++i)
                v[(static_cast<size_t>(n) * C + k) * HW + i] =
                    k % 7 == 3 ? 0.f : std::max(rng.normal(), 0.f);
    return v;
}

inline std::vector<float> normal_vector(Rng& rng, size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = rng.normal();
    return v;
}

// A reversed, many-to-one seed -> image mapping, so that a kernel ignoring image_of fails.
inline std::vector<int> gathered_images(int M, int N) {
    std::vector<int> v(M);
    for (int m = 0; m < M; ++m) v[m] = static_cast<int>((static_cast<int64_t>(M - 1 - m) * N) / M);
    return v;
}

// ---------------------------------------------------------------------------------------------
// CAM family: grad_pool, gradcampp, cam_combine

struct CamCase {
    const char* name;
    int M, N, C, h, w;
    bool gather;  // image_of given (gathered_images) rather than nullptr
    bool large;   // skipped in quick mode
    float grad_scale = 1.f;  // gradients multiplied by this (tiny: g^2 underflows in float)
};

inline const CamCase kCamCases[] = {
    {"M1_C512_14x14", 1, 1, 512, 14, 14, false, false},
    {"M64_C512_14x14", 64, 64, 512, 14, 14, false, true},
    {"M64_N16_C512_14x14_gather", 64, 16, 512, 14, 14, true, true},
    {"M3_N2_C37_7x9_gather", 3, 2, 37, 7, 9, true, false},
    {"M2_C3_1x1", 2, 2, 3, 1, 1, false, false},
    {"M2_N1_C8_112x112_gather", 2, 1, 8, 112, 112, true, true},
    // More seed rows than gridDim.y can hold (65535): the kernels' row loops must cover them.
    {"M70000_N4_C3_2x2_gather", 70000, 4, 3, 2, 2, true, false},
    // Gradients of order 1e-20: the official Grad-CAM++ form must work in double like Java.
    {"M2_C16_7x7_tiny_gradients", 2, 2, 16, 7, 7, false, false, 1e-20f},
};

struct CamInputs {
    std::vector<float> grad;     // M x C x HW
    std::vector<float> act;      // N x C x HW
    std::vector<int> image_of;   // M, empty when the case has no gather
    std::vector<float> weights;  // M x C, both signs (cam_combine's channel weights)
};

inline CamInputs make_cam_inputs(const CamCase& cs, uint32_t seed) {
    Rng rng(seed);
    const int M = cs.M, N = cs.N, C = cs.C, HW = cs.h * cs.w;
    CamInputs in;
    in.grad = gradient_like(rng, static_cast<size_t>(M) * C * HW);
    for (auto& g : in.grad) g *= cs.grad_scale;
    in.act = activation_like(rng, N, C, HW);
    if (cs.C == 3 && N > 1) {  // one image with no activation at all: its maps must be all zero
        std::fill(in.act.begin() + static_cast<size_t>(C) * HW, in.act.begin() + 2 * static_cast<size_t>(C) * HW, 0.f);
    }
    if (cs.gather) in.image_of = gathered_images(M, N);
    in.weights = normal_vector(rng, static_cast<size_t>(M) * C);
    return in;
}

// ---------------------------------------------------------------------------------------------
// upsample, normalise, guided product

struct UpsampleCase {
    const char* name;
    int M, h, w, H, W;
    bool large;
};

inline const UpsampleCase kUpsampleCases[] = {
    {"M1_14x14_to_224x224", 1, 14, 14, 224, 224, false},
    {"M64_14x14_to_224x224", 64, 14, 14, 224, 224, true},
    {"M3_7x9_to_33x17_odd", 3, 7, 9, 33, 17, false},
    {"M2_1x1_to_5x5", 2, 1, 1, 5, 5, false},
    {"M2_14x14_to_7x7_down", 2, 14, 14, 7, 7, false},
    {"M1_5x3_identity", 1, 5, 3, 5, 3, false},
    {"M70000_2x2_to_3x3_many_maps", 70000, 2, 2, 3, 3, false},  // beyond gridDim.y's 65535
};

inline std::vector<float> make_upsample_input(const UpsampleCase& cs, uint32_t seed) {
    Rng rng(seed);
    std::vector<float> in = normal_vector(rng, static_cast<size_t>(cs.M) * cs.h * cs.w);
    for (auto& v : in) v = std::max(v, 0.f);
    return in;
}

struct NormaliseCase {
    const char* name;
    int M;
    int64_t HW;
    int zero_map;      // index of a map set to all zero, -1 for none
    int negative_map;  // index of a map set to all negative (no ReLU upstream), -1 for none
    int mixed_map;     // index of a map left with both signs (a CAM map), -1 for none
    int bad_map;       // index of a map holding a NaN and an infinity, -1 for none
    bool inplace;
    bool large;
};

inline const NormaliseCase kNormaliseCases[] = {
    {"M64_224x224_zero_map", 64, 224 * 224, 5, -1, 7, -1, false, true},
    {"M3_33x17_zero_map", 3, 33 * 17, 0, -1, 2, -1, false, false},
    {"M1_1x1", 1, 1, -1, -1, -1, -1, false, false},
    {"M3_5_negative_map", 3, 5, -1, 1, 0, -1, false, false},
    {"M4_224x224_inplace", 4, 224 * 224, 2, -1, 1, 3, true, false},
    {"M3_7x9_nonfinite", 3, 7 * 9, -1, -1, 0, 1, false, false},
};

inline std::vector<float> make_normalise_input(const NormaliseCase& cs, uint32_t seed) {
    Rng rng(seed);
    std::vector<float> in = normal_vector(rng, static_cast<size_t>(cs.M) * cs.HW);
    for (int m = 0; m < cs.M; ++m) {
        if (m == cs.mixed_map) continue;
        for (int64_t i = 0; i < cs.HW; ++i) in[m * cs.HW + i] = std::max(in[m * cs.HW + i], 0.f);
    }
    for (int64_t i = 0; i < cs.HW; ++i) {
        if (cs.zero_map >= 0) in[cs.zero_map * cs.HW + i] = 0.f;
        if (cs.negative_map >= 0) in[cs.negative_map * cs.HW + i] = -1.f - rng.uniform();
    }
    if (cs.bad_map >= 0) {
        in[cs.bad_map * cs.HW + cs.HW / 2] = NAN;
        in[cs.bad_map * cs.HW] = INFINITY;
    }
    return in;
}

struct ProductCase {
    const char* name;
    int M, C;
    int64_t HW;
    bool inplace;
    bool large;
};

inline const ProductCase kProductCases[] = {
    {"M1_3x224x224", 1, 3, 224 * 224, false, false},
    {"M64_3x224x224", 64, 3, 224 * 224, false, true},
    {"M3_3x7x9_scalar", 3, 3, 7 * 9, false, false},
    {"M2_1x1x1", 2, 1, 1, false, false},
    {"M2_3x32x32_inplace", 2, 3, 32 * 32, true, false},
};

struct ProductInputs {
    std::vector<float> guided;  // M x C x HW
    std::vector<float> map;     // M x HW, in [0, 1)
};

inline ProductInputs make_product_inputs(const ProductCase& cs, uint32_t seed) {
    Rng rng(seed);
    ProductInputs in;
    in.guided = normal_vector(rng, static_cast<size_t>(cs.M) * cs.C * cs.HW);
    in.map.resize(static_cast<size_t>(cs.M) * cs.HW);
    for (auto& v : in.map) v = rng.uniform();
    return in;
}

// ---------------------------------------------------------------------------------------------
// input_copies: the copies of one image (C = 3) that Score-CAM, Integrated Gradients, Occlusion
// and SmoothGrad run (kernels/input_copies.cuh). One case per recipe and shape; `first` and `K`
// pick a range of the recipe's copies, as the Java side's batches do.

enum class CopyRecipe { kScoreAligned, kScoreHalfPixel, kPath, kOcclusion, kNoise };

struct CopyCase {
    const char* name;
    CopyRecipe recipe;
    int S;           // input side
    int first, K;    // copies first .. first+K-1
    int act_c, act_h, act_w;  // Score-CAM: the activation's shape
    int patch, stride;        // occlusion
    bool large;
};

inline const CopyCase kCopyCases[] = {
    {"score_aligned_C9_7x5_to_32", CopyRecipe::kScoreAligned, 32, 1, 4, 9, 7, 5, 0, 0, false},
    {"score_halfpixel_C9_6x6_to_29", CopyRecipe::kScoreHalfPixel, 29, 2, 6, 9, 6, 6, 0, 0, false},
    {"score_aligned_C16_14x14_to_224", CopyRecipe::kScoreAligned, 224, 2, 3, 16, 14, 14, 0, 0, true},
    {"path_37", CopyRecipe::kPath, 37, 3, 5, 0, 0, 0, 0, 0, false},
    {"path_224", CopyRecipe::kPath, 224, 0, 8, 0, 0, 0, 0, 0, true},
    {"occlusion_40_p8_s5", CopyRecipe::kOcclusion, 40, 10, 12, 0, 0, 0, 8, 5, false},
    {"occlusion_224_p32_s16", CopyRecipe::kOcclusion, 224, 160, 9, 0, 0, 0, 32, 16, true},
    {"noise_20", CopyRecipe::kNoise, 20, 1, 3, 0, 0, 0, 0, 0, false},
};

struct CopyInputs {
    std::vector<float> image;     // 3 x S x S, in the range of a caffe-preprocessed image
    std::vector<float> act;       // Score-CAM: act_c x act_h x act_w, ReLU-like with dead channels
    std::vector<float> values;    // path: the baseline; occlusion: the fill (3 values)
    std::vector<double> alphas;   // path: first + K alphas in [0, 1] (the ends included)
    std::vector<float> noise;     // noise: (first + K) x 3 x S x S, N(0, 1)
    double sigma = 0;             // noise
};

inline CopyInputs make_copy_inputs(const CopyCase& cs, uint32_t seed) {
    Rng rng(seed);
    CopyInputs in;
    const size_t per = size_t{3} * cs.S * cs.S;
    in.image.resize(per);
    for (auto& v : in.image) v = 255.f * rng.uniform() - 124.f;
    if (cs.act_c > 0) in.act = activation_like(rng, 1, cs.act_c, cs.act_h * cs.act_w);
    in.values = {-103.939f, -116.779f, -123.68f};  // Keras-style black
    const int n = cs.first + cs.K;
    for (int k = 0; k < n; ++k) in.alphas.push_back(n > 1 ? static_cast<double>(k) / (n - 1) : 1.0);
    if (cs.recipe == CopyRecipe::kPath && n > 2) in.alphas[1] = 0.5 * (1 - std::sqrt(3.0 / 5));  // a Gauss node
    if (cs.recipe == CopyRecipe::kNoise) {
        in.noise = normal_vector(rng, per * static_cast<size_t>(n));
        in.sigma = 0.15 * 255.0;
    }
    return in;
}

// ---------------------------------------------------------------------------------------------
// ablated_copies: Ablation-CAM's copies of one image's target-layer activation (C x HW), channel
// first + k zeroed in copy k (kernels/ablated_copies.cuh). `first` and `K` pick a range, as the
// Java side's batches do; the last case is VGG16's block5_conv3 (512 x 14 x 14), a last batch of 16
// (under reference_check's dump limit, so that the Java test sees it too).

struct AblationCase {
    const char* name;
    int C, HW;       // the activation's channels and positions
    int first, K;    // copies first .. first+K-1
    bool large;
};

inline const AblationCase kAblationCases[] = {
    {"C5_HW3_all", 5, 3, 0, 5, false},
    {"C9_HW35_first4_K3", 9, 35, 4, 3, false},
    {"C64_HW49_first60_K4", 64, 49, 60, 4, false},
    {"C512_HW196_first496_K16", 512, 196, 496, 16, true},
};

// A ReLU-like activation (dead channels and exact zeros included), so that a zeroed channel is not
// told apart from a dead one by its values alone.
inline std::vector<float> make_ablation_activation(const AblationCase& cs, uint32_t seed) {
    Rng rng(seed);
    return activation_like(rng, 1, cs.C, cs.HW);
}

}  // namespace test
}  // namespace gradcam4j
