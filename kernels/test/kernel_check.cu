// kernel_check: standalone GPU harness for the kernels in kernels/.
//
//   gradcam4j_kernel_check [--device N] [--seed S] [--quick] [--bench]
//
// Always runs the parity suite first (kernel_cases.cu: every launcher against its CPU reference,
// relative L2 error per check) and exits 1 if any check exceeds its tolerance. With --bench, and
// only when every check passed, it then times each kernel at the sizes the engine uses (batch of
// 64, 512 x 14 x 14 maps, 224 x 224 upsampling, a 64 x 64 x 224 x 224 ReLU layer) with CUDA
// events and prints the achieved bandwidth next to a measured device-to-device cudaMemcpy.
// Exit status: 0 all passed, 1 a check failed, 2 a CUDA error or bad usage, 77 no usable CUDA
// device (driver missing or no GPU; ctest reports it as skipped).
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cam_combine.cuh"
#include "check.h"
#include "device_array.h"
#include "grad_pool.cuh"
#include "gradcampp.cuh"
#include "guided_product.cuh"
#include "kernel_cases.h"
#include "method_constants.h"
#include "relu_backward.cuh"
#include "tv_solver.cuh"
#include "upsample.cuh"

namespace gradcam4j {
namespace test {
namespace {

constexpr int kExitSkipped = 77;

// ---------------------------------------------------------------------------------------------
// Benchmark inputs are generated on the device (a 205M-float tensor is too slow to make on the
// host); correctness of these sizes' code paths was established by the parity suite.

// Hash of the element index -> uniform in [-1, 1); relu_like folds it to [0, 1) with half zeros.
__global__ void fill_kernel(float* p, size_t n, uint32_t seed, bool relu_like) {
    for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<size_t>(gridDim.x) * blockDim.x) {
        uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B1u ^ seed;
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        const float u = static_cast<float>(h >> 8) * (2.f / 16777216.f) - 1.f;
        p[i] = relu_like ? fmaxf(u, 0.f) : u;
    }
}

void fill(DeviceArray<float>& b, uint32_t seed, bool relu_like) {
    // 1024 blocks x 256 threads with a grid-stride loop: enough to saturate memory, any size.
    fill_kernel<<<1024, 256>>>(b.get(), b.size(), seed, relu_like);
    CUDA_CHECK_LAUNCH();
}

// Average milliseconds of one call of `body` over `iters` calls, after `warmup` untimed calls.
double time_ms(const std::function<void()>& body, int warmup, int iters) {
    for (int i = 0; i < warmup; ++i) body();
    cudaEvent_t start, stop;
    CUDA_CHECK(cudaEventCreate(&start));
    CUDA_CHECK(cudaEventCreate(&stop));
    CUDA_CHECK(cudaEventRecord(start));
    for (int i = 0; i < iters; ++i) body();
    CUDA_CHECK(cudaEventRecord(stop));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0.f;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    CUDA_CHECK(cudaEventDestroy(start));
    CUDA_CHECK(cudaEventDestroy(stop));
    return ms / iters;
}

struct BenchRow {
    std::string kernel, size;
    double ms, bytes;
};

void print_row(const BenchRow& r, double copy_gbs) {
    const double gbs = r.bytes / (r.ms * 1e-3) / 1e9;
    std::printf("%-34s %-30s %10.1f %10.1f %8.1f%%\n", r.kernel.c_str(), r.size.c_str(),
                r.ms * 1e3, gbs, 100.0 * gbs / copy_gbs);
}

void run_benchmarks() {
    constexpr int kWarmup = 3, kIters = 20;
    constexpr size_t kF = sizeof(float);

    // Reference bandwidth: device-to-device copy of 512 MiB, counted as read + write.
    double copy_gbs;
    {
        const size_t n = (512u << 20) / kF;
        DeviceArray<float> a(n), b(n);
        fill(a, 1, false);
        const double ms = time_ms(
            [&] { CUDA_CHECK(cudaMemcpyAsync(b.get(), a.get(), n * kF, cudaMemcpyDeviceToDevice)); },
            kWarmup, kIters);
        copy_gbs = 2.0 * n * kF / (ms * 1e-3) / 1e9;
        std::printf("device-to-device cudaMemcpy, 512 MiB: %.1f GB/s (read + write)\n\n", copy_gbs);
    }
    std::printf("%-34s %-30s %10s %10s %9s\n", "kernel", "size", "time_us", "GB/s", "of_copy");

    // CAM family at the default target layer: 64 seed rows over 64 images, 512 x 14 x 14.
    {
        const int M = 64, N = 64, C = 512, HW = 14 * 14;
        const std::string size = "M64 N64 C512 14x14";
        const double g = double(M) * C * HW * kF, a = double(N) * C * HW * kF;
        const double w = double(M) * C * kF, map = double(M) * HW * kF;
        DeviceArray<float> d_g(size_t(M) * C * HW), d_a(size_t(N) * C * HW),
            d_w(size_t(M) * C), d_alpha(size_t(M) * C * HW), d_map(size_t(M) * HW);
        fill(d_g, 2, false);
        fill(d_a, 3, true);
        fill(d_w, 4, false);
        std::vector<BenchRow> rows;
        rows.push_back({"gradcam_weights", size, time_ms([&] {
            CUDA_CHECK(launch_gradcam_weights(d_w.get(), d_g.get(), M, C, HW, nullptr));
        }, kWarmup, kIters), g + w});
        rows.push_back({"xgradcam_weights", size, time_ms([&] {
            CUDA_CHECK(launch_xgradcam_weights(d_w.get(), d_g.get(), d_a.get(), nullptr, M, C, HW,
                                               kXGradCamEps, nullptr));
        }, kWarmup, kIters), g + a + w});
        rows.push_back({"gradcampp_weights default", size, time_ms([&] {
            CUDA_CHECK(launch_gradcampp_weights(d_w.get(), nullptr, d_g.get(), d_a.get(), nullptr,
                                                M, C, HW, GradCamPlusPlusForm::kDefault, kGradCamPlusPlusEps,
                                                nullptr));
        }, kWarmup, kIters), g + a + w});
        rows.push_back({"gradcampp_weights default+alphas", size, time_ms([&] {
            CUDA_CHECK(launch_gradcampp_weights(d_w.get(), d_alpha.get(), d_g.get(), d_a.get(),
                                                nullptr, M, C, HW, GradCamPlusPlusForm::kDefault,
                                                kGradCamPlusPlusEps, nullptr));
        }, kWarmup, kIters), 2 * g + a + w});
        rows.push_back({"gradcampp_weights official+alphas", size, time_ms([&] {
            CUDA_CHECK(launch_gradcampp_weights(d_w.get(), d_alpha.get(), d_g.get(), d_a.get(),
                                                nullptr, M, C, HW, GradCamPlusPlusForm::kOfficial,
                                                kGradCamPlusPlusEps, nullptr));
        }, kWarmup, kIters), 2 * g + a + w});
        // The weighted sum reads A and w only; the elementwise forms read g as well.
        rows.push_back({"cam_weighted_sum relu", size, time_ms([&] {
            CUDA_CHECK(launch_cam_weighted_sum(d_map.get(), d_w.get(), d_a.get(), nullptr, M, C,
                                               HW, true, nullptr));
        }, kWarmup, kIters), a + w + map});
        rows.push_back({"cam_elementwise hirescam", size, time_ms([&] {
            CUDA_CHECK(launch_cam_elementwise(d_map.get(), d_g.get(), d_a.get(), nullptr, M, C, HW,
                                              ElementwiseCam::kHiResCam, nullptr));
        }, kWarmup, kIters), g + a + map});
        for (const auto& r : rows) print_row(r, copy_gbs);
    }

    // Gradient family at the first VGG layer: 64 seed rows x 64 channels x 224 x 224 (822 MB per
    // tensor). In place, as the engine runs it.
    {
        const int M = 64;
        const int64_t per = int64_t(64) * 224 * 224;
        const double t = double(M) * per * kF;
        const std::string size = "64x64x224x224";
        DeviceArray<float> d_r(size_t(M) * per), d_y(size_t(M) * per);
        fill(d_r, 5, false);
        fill(d_y, 6, true);
        for (ReluRule rule : {ReluRule::kGradient, ReluRule::kGuided, ReluRule::kDeconvnet}) {
            const char* name = rule == ReluRule::kGradient ? "relu_backward gradient (in place)"
                               : rule == ReluRule::kGuided ? "relu_backward guided (in place)"
                                                           : "relu_backward deconvnet (in place)";
            const double bytes = rule == ReluRule::kDeconvnet ? 2 * t : 3 * t;
            print_row({name, size, time_ms([&] {
                CUDA_CHECK(launch_relu_backward(d_r.get(), d_r.get(), d_y.get(), nullptr, M, per,
                                                rule, nullptr));
            }, kWarmup, kIters), bytes}, copy_gbs);
        }
        // Fused ReLU + 2x2 max-pool backward, block1_pool -> block1_conv2: grad_in reuses d_r.
        DeviceArray<float> d_p(size_t(M) * 64 * 112 * 112);
        fill(d_p, 7, false);
        print_row({"relu_maxpool_backward guided", "64x64x224x224 <- x112x112", time_ms([&] {
            CUDA_CHECK(launch_relu_maxpool_backward(d_r.get(), d_p.get(), d_y.get(), nullptr, M,
                                                    64, 224, 224, ReluRule::kGuided, nullptr));
        }, kWarmup, kIters), 2 * t + t / 4}, copy_gbs);
    }

    // Map post-processing at the network input size.
    {
        const int M = 64, h = 14, w = 14, H = 224, W = 224;
        const double big = double(M) * H * W * kF, small = double(M) * h * w * kF;
        DeviceArray<float> d_small(size_t(M) * h * w), d_big(size_t(M) * H * W),
            d_norm(size_t(M) * H * W), d_max(M), d_guided(size_t(M) * 3 * H * W);
        fill(d_small, 8, true);
        fill(d_guided, 9, false);
        print_row({"upsample_bilinear", "M64 14x14 -> 224x224", time_ms([&] {
            CUDA_CHECK(launch_upsample_bilinear(d_big.get(), d_small.get(), M, h, w, H, W, nullptr));
        }, kWarmup, kIters), small + big}, copy_gbs);
        // Minimal traffic counted: one read, one write (the second read mostly hits L2).
        print_row({"normalise_by_max", "M64 224x224", time_ms([&] {
            CUDA_CHECK(launch_normalise_by_max(d_norm.get(), d_max.get(), d_big.get(), M,
                                               int64_t(H) * W, nullptr));
        }, kWarmup, kIters), 2 * big}, copy_gbs);
        print_row({"guided_product", "M64 3x224x224", time_ms([&] {
            CUDA_CHECK(launch_guided_product(d_guided.get(), d_guided.get(), d_norm.get(), M, 3,
                                             int64_t(H) * W, nullptr));
        }, kWarmup, kIters), 3 * big + big + 3 * big}, copy_gbs);
    }
    // Super-resolution solver steps: 16 problems of 224 x 224 (double), one FGP iteration and one
    // seed Adam step; the data term's A v for 100 copies of 14 x 14 cells with ~64 taps per row.
    {
        const int S = 224, B = 16, n = S * S;
        const double plane = double(n) * B * sizeof(double);
        const std::string size = "B16 224x224 fp64";
        DeviceArray<double> d_u(size_t(n) * B), d_px(size_t(n) * B), d_py(size_t(n) * B),
            d_qx(size_t(n) * B), d_qy(size_t(n) * B), d_qx2(size_t(n) * B), d_qy2(size_t(n) * B),
            d_m(size_t(n) * B), d_s(size_t(n) * B), d_v2(size_t(n) * B);
        CUDA_CHECK(cudaMemset(d_u.get(), 0, plane));
        CUDA_CHECK(cudaMemset(d_px.get(), 0, plane));
        CUDA_CHECK(cudaMemset(d_py.get(), 0, plane));
        CUDA_CHECK(cudaMemset(d_qx.get(), 0, plane));
        CUDA_CHECK(cudaMemset(d_qy.get(), 0, plane));
        CUDA_CHECK(cudaMemset(d_m.get(), 0, plane));
        CUDA_CHECK(cudaMemset(d_s.get(), 0, plane));
        // reads u, qx, qy (neighbours from cache), px, py; writes px, py, qx', qy'
        print_row({"fgp_iterate", size, time_ms([&] {
            CUDA_CHECK(launch_fgp_iterate(d_qx2.get(), d_qy2.get(), d_px.get(), d_py.get(), d_qx.get(),
                                          d_qy.get(), d_u.get(), 0.01, 0.5, S, B, nullptr, nullptr));
        }, kWarmup, kIters), 9 * plane}, copy_gbs);
        print_row({"seed_adam_step", size, time_ms([&] {
            CUDA_CHECK(launch_seed_adam_step(d_v2.get(), d_m.get(), d_s.get(), d_u.get(), d_px.get(), 0.2,
                                             0.01, 1e-3, 0.9, 0.999, 1e-8, S, B, nullptr));
        }, kWarmup, kIters), 7 * plane}, copy_gbs);
        const int copies = 100, cells = 14, rows = copies * cells * cells, taps = 64;
        std::vector<int> start(size_t(rows) + 1), col(size_t(rows) * taps);
        std::vector<float> w(col.size(), 1.f / taps);
        for (int r = 0; r <= rows; ++r) start[r] = r * taps;
        for (int r = 0; r < rows; ++r)
            for (int k = 0; k < taps; ++k) {
                const int cell = r % (cells * cells), y = (cell / cells) * 16 + (k / 8) * 2, x = (cell % cells) * 16 + (k % 8) * 2;
                col[size_t(r) * taps + k] = y * S + x;
            }
        DeviceArray<int> d_start(start), d_col(col);
        DeviceArray<float> d_w(w);
        DeviceArray<double> d_r(size_t(rows) * B);
        const CsrMatrix a{rows, n, d_start.get(), d_col.get(), d_w.get()};
        print_row({"tv_spmv A v (100 copies, 64 taps)", size, time_ms([&] {
            CUDA_CHECK(launch_tv_spmv(d_r.get(), a, d_u.get(), nullptr, B, 1.0, nullptr));
        }, kWarmup, kIters), double(rows) * taps * (4 + 4) + plane + double(rows) * B * sizeof(double)}, copy_gbs);
    }
    CUDA_CHECK(cudaDeviceSynchronize());
}

int usage(const char* argv0) {
    std::fprintf(stderr, "usage: %s [--device N] [--seed S] [--quick] [--bench]\n", argv0);
    return 2;
}

int run(int argc, char** argv) {
    int device = 0;
    bool bench = false;
    CheckOptions options;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--bench")) {
            bench = true;
        } else if (!std::strcmp(argv[i], "--quick")) {
            options.quick = true;
        } else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) {
            device = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) {
            options.seed = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
        } else {
            return usage(argv[0]);
        }
    }

    int count = 0;
    const cudaError_t count_err = cudaGetDeviceCount(&count);
    if (count_err == cudaErrorNoDevice || count_err == cudaErrorInsufficientDriver) {
        std::printf("kernel_check: no usable CUDA device (%s): skipped\n",
                    cudaGetErrorString(count_err));
        return kExitSkipped;
    }
    CUDA_CHECK(count_err);
    if (device < 0 || device >= count) {
        std::fprintf(stderr, "device %d requested, %d present\n", device, count);
        return 2;
    }
    CUDA_CHECK(cudaSetDevice(device));
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    int driver = 0, runtime = 0;
    CUDA_CHECK(cudaDriverGetVersion(&driver));
    CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    std::printf("device %d: %s, compute capability %d.%d, %d SMs, %.1f GiB; driver %d, runtime %d\n",
                device, prop.name, prop.major, prop.minor, prop.multiProcessorCount,
                prop.totalGlobalMem / double(1ull << 30), driver, runtime);
    std::printf("parity suite (seed %u%s)\n\n", options.seed, options.quick ? ", quick" : "");

    const std::vector<CheckLine> lines = run_kernel_checks(options);
    std::fputs(format_check_table(lines).c_str(), stdout);
    if (!all_passed(lines)) {
        if (bench) std::printf("\nbenchmark skipped: the parity suite failed\n");
        return 1;
    }
    if (bench) {
        std::printf("\nbenchmark on %s (times are per call, mean of 20 after 3 warm-up calls)\n",
                    prop.name);
        run_benchmarks();
    }
    return 0;
}

}  // namespace
}  // namespace test
}  // namespace gradcam4j

int main(int argc, char** argv) {
    try {
        return gradcam4j::test::run(argc, argv);
    } catch (const gradcam4j::NativeError& e) {
        std::fprintf(stderr, "kernel_check: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kernel_check: %s\n", e.what());
        return 2;
    }
}
