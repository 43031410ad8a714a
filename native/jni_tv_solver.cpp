// JNI entry points of the GPU super-resolution solvers (native/tv_solver_host.h). Needs only the
// CUDA runtime, so they are in every build of the library.
//
//   package org.gradcam4j.backend.cuda;
//   final class CudaSolverNative {
//       // settings: lambdaTv, lambdaE, lipschitzMargin, tolerance, innerShare
//       // limits: powerIterations, maxIterations, maxInnerIterations, checkEvery, innerCheckEvery
//       static native void solveDefault(int device, int size, int[] rowStart, int[] column,
//           float[] weight, int problems, double[] observations, double[] powerStart,
//           double[] settings, int[] limits, float[] maps, double[] stats);
//       // settings: lambdaTv, lambdaE, learningRate, beta1, beta2, epsilon
//       static native void solveSeed(int device, int size, int[] rowStart, int[] column,
//           float[] weight, int problems, double[] observations, double[] settings, int steps,
//           float[] maps, double[] stats);
//   }
// maps: problems x size x size; stats: 5 per problem (iterations, inner iterations, objective,
// relative gap, converged 0/1).
#include <jni.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "jni_util.h"
#include "tv_solver_host.h"

namespace {

template <typename T, typename A>
std::vector<T> read(JNIEnv* env, A array, const char* what,
                    void (JNIEnv::*get)(A, jsize, jsize, T*)) {
    if (!array) throw std::invalid_argument(std::string(what) + " is null");
    const jsize n = env->GetArrayLength(array);
    std::vector<T> v(static_cast<size_t>(n));
    (env->*get)(array, 0, n, v.data());
    if (env->ExceptionCheck()) throw std::runtime_error("JNI call failed");
    return v;
}

gradcam4j::TvOperator read_operator(JNIEnv* env, jint size, jintArray row_start, jintArray column,
                                    jfloatArray weight) {
    gradcam4j::TvOperator op;
    op.size = size;
    const std::vector<jint> rs = read<jint>(env, row_start, "rowStart", &JNIEnv::GetIntArrayRegion);
    const std::vector<jint> col = read<jint>(env, column, "column", &JNIEnv::GetIntArrayRegion);
    op.row_start.assign(rs.begin(), rs.end());
    op.column.assign(col.begin(), col.end());
    op.weight = read<jfloat>(env, weight, "weight", &JNIEnv::GetFloatArrayRegion);
    if (op.row_start.empty()) throw std::invalid_argument("rowStart is empty");
    op.rows = static_cast<int>(op.row_start.size()) - 1;
    return op;
}

void write_results(JNIEnv* env, const std::vector<gradcam4j::TvResult>& results, jfloatArray maps,
                   jdoubleArray stats, size_t plane) {
    if (!maps || !stats) throw std::invalid_argument("result arrays are null");
    if (static_cast<size_t>(env->GetArrayLength(maps)) != results.size() * plane ||
        static_cast<size_t>(env->GetArrayLength(stats)) != results.size() * 5) {
        throw std::invalid_argument("result arrays have the wrong length");
    }
    for (size_t b = 0; b < results.size(); ++b) {
        const gradcam4j::TvResult& r = results[b];
        env->SetFloatArrayRegion(maps, static_cast<jsize>(b * plane), static_cast<jsize>(plane), r.map.data());
        const jdouble st[5] = {static_cast<double>(r.iterations), static_cast<double>(r.inner_iterations),
                               r.objective, r.gap, r.converged ? 1.0 : 0.0};
        env->SetDoubleArrayRegion(stats, static_cast<jsize>(b * 5), 5, st);
    }
    if (env->ExceptionCheck()) throw std::runtime_error("JNI call failed");
}

}  // namespace

extern "C" {

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudaSolverNative_solveDefault(
    JNIEnv* env, jclass, jint device, jint size, jintArray row_start, jintArray column,
    jfloatArray weight, jint problems, jdoubleArray observations, jdoubleArray power_start,
    jdoubleArray settings, jintArray limits, jfloatArray maps, jdoubleArray stats) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        const gradcam4j::TvOperator op = read_operator(env, size, row_start, column, weight);
        const std::vector<double> obs = read<jdouble>(env, observations, "observations", &JNIEnv::GetDoubleArrayRegion);
        const std::vector<double> start = read<jdouble>(env, power_start, "powerStart", &JNIEnv::GetDoubleArrayRegion);
        const std::vector<double> set = read<jdouble>(env, settings, "settings", &JNIEnv::GetDoubleArrayRegion);
        const std::vector<jint> lim = read<jint>(env, limits, "limits", &JNIEnv::GetIntArrayRegion);
        if (set.size() != 5 || lim.size() != 5) throw std::invalid_argument("settings need 5 values, limits 5");
        gradcam4j::TvSettings st;
        st.lambda_tv = set[0];
        st.lambda_e = set[1];
        st.lipschitz_margin = set[2];
        st.tolerance = set[3];
        st.inner_share = set[4];
        st.power_iterations = lim[0];
        st.max_iterations = lim[1];
        st.max_inner_iterations = lim[2];
        st.check_every = lim[3];
        st.inner_check_every = lim[4];
        if (st.max_iterations < 1 || st.max_inner_iterations < 1 || st.check_every < 1 || st.inner_check_every < 1) {
            throw std::invalid_argument("iteration limits must be >= 1");
        }
        const auto results = gradcam4j::solve_tv_default(device, op, obs, problems, start, st);
        write_results(env, results, maps, stats, static_cast<size_t>(size) * size);
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudaSolverNative_solveSeed(
    JNIEnv* env, jclass, jint device, jint size, jintArray row_start, jintArray column,
    jfloatArray weight, jint problems, jdoubleArray observations, jdoubleArray settings,
    jint steps, jfloatArray maps, jdoubleArray stats) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        const gradcam4j::TvOperator op = read_operator(env, size, row_start, column, weight);
        const std::vector<double> obs = read<jdouble>(env, observations, "observations", &JNIEnv::GetDoubleArrayRegion);
        const std::vector<double> set = read<jdouble>(env, settings, "settings", &JNIEnv::GetDoubleArrayRegion);
        if (set.size() != 6) throw std::invalid_argument("settings need 6 values");
        gradcam4j::SeedSettings st;
        st.lambda_tv = set[0];
        st.lambda_e = set[1];
        st.learning_rate = set[2];
        st.beta1 = set[3];
        st.beta2 = set[4];
        st.epsilon = set[5];
        st.steps = steps;
        const auto results = gradcam4j::solve_tv_seed(device, op, obs, problems, st);
        write_results(env, results, maps, stats, static_cast<size_t>(size) * size);
        return 0;
    });
}

}  // extern "C"
