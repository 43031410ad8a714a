// The GPU super-resolution solvers: host loops over the kernels of kernels/tv_solver.cuh that
// follow org.gradcam4j.augment.TvSuperResolution (V-FISTA + FGP, certified gap) and
// SeedAdamSuperResolution (the seed's Adam steps) step for step, on B problems at once that share
// one observation operator and the same weights. Needs only the CUDA runtime (no cuDNN).
//
// Status: compiled, not yet run on a GPU.
#pragma once

#include <cstdint>
#include <vector>

namespace gradcam4j {

struct TvOperator {
    int size = 0;                // S: maps are S x S
    int rows = 0;                // observations per problem (copies x cells^2)
    std::vector<int> row_start;  // rows + 1
    std::vector<int> column;
    std::vector<float> weight;
};

struct TvSettings {
    double lambda_tv = 0, lambda_e = 0;
    int power_iterations = 40;
    double lipschitz_margin = 1.02;
    double tolerance = 1e-5;
    int max_iterations = 500, max_inner_iterations = 300;
    int check_every = 5, inner_check_every = 10;
    double inner_share = 0.1;
};

struct TvResult {
    std::vector<float> map;  // S x S
    int iterations = 0;
    int64_t inner_iterations = 0;
    double objective = 0, gap = 0;
    bool converged = false;
};

// power_start: the normalised positive start vector of ObservationOperator.normSquared (S x S).
// observations: B x rows. Throws NativeError on CUDA failures, std::invalid_argument on bad input.
std::vector<TvResult> solve_tv_default(int device, const TvOperator& op,
                                       const std::vector<double>& observations, int problems,
                                       const std::vector<double>& power_start,
                                       const TvSettings& settings);

struct SeedSettings {
    double lambda_tv = 0, lambda_e = 0;
    int steps = 200;
    double learning_rate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

// Results have iterations = steps and gap NaN, as SeedAdamSuperResolution's.
std::vector<TvResult> solve_tv_seed(int device, const TvOperator& op,
                                    const std::vector<double>& observations, int problems,
                                    const SeedSettings& settings);

}  // namespace gradcam4j
