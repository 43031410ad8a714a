// JNI entry points of the cuDNN + cuBLAS engine. Compiled only when the build found cuDNN 9 and
// cuBLAS (GRADCAM4J_HAVE_CUDNN). One coarse call per step; Java checks shapes before calling and
// the native side checks them again (a mismatch is an exception, never a stray write).
//
//   package org.gradcam4j.backend.cuda;
//   final class CudnnEngineNative {
//       static native long createContext(int device);
//       static native String libraryVersions(long context);
//       static native void freeContext(long context);   // Java guarantees at most once
//       static native long createNetwork(long context, int[] table, int inChannels, int inSize,
//                                        int precision);  // table: 7 ints per layer
//       static native void upload(long net, int layer, float[] kernel, float[] bias);  // bias may be null
//       static native int forward(long net, float[] input, int n, int keep);
//       static native int forwardWarped(long net, float[] image, float[] fill, double[] affine,
//                                       byte[] identity, int n, int keep);
//       static native void output(long net, int pass, int layer, float[] out);
//       static native int forwardCopies(long net, int kind, float[] image, int first, int count, int keep,
//                                       float[] values, int[] ints, double[] doubles, long seed);
//       static native void uploadNoise(long net, long seed, int samples, float[] noise);
//       static native void forwardFrom(long net, int layer, float[] activations, int n, float[] logits);
//       static native void forwardAblated(long net, int pass, int layer, int image, int first, int count,
//                                         float[] logits);
//       static native void release(long net, int pass);
//       static native void backward(long net, int pass, float[] seeds, int m, int[] imageOf,
//                                   int stop, int rule, int[] capture, float[][] captureOut,
//                                   int[] weightLayers, float[][] weightOut);
//       static native void camMaps(long net, int pass, float[] seeds, int m, int[] imageOf, int layer,
//                                  int[] kinds, float[] camWeights, int outSize, float gradCamPlusPlusEps,
//                                  float xGradCamEps, int[] rawRules, int[] products, float[][] out);
//                                  // out: the CamJob slots (cudnn_network.h), null where not produced
//       static native java.nio.ByteBuffer inputBuffer(long net, int floats);  // page-locked, native order
//       static native int forwardStaged(long net, int n, int keep);  // the input written into inputBuffer
//       // Double-buffered input (CudnnNetwork::stage_slot / upload_slot / forward_slot), slot 0 or 1:
//       static native java.nio.ByteBuffer slotBuffer(long net, int slot, int floats);  // page-locked
//       static native void uploadSlot(long net, int slot, int n);   // async, on the copy stream
//       static native int forwardSlot(long net, int slot, int n, int keep);
//       static native long[] memory(long net);
//       static native String algorithms(long net);
//       static native void freeNetwork(long net);   // Java guarantees at most once
//   }
#ifndef GRADCAM4J_HAVE_CUDNN
#error "jni_cudnn_engine.cpp needs cuDNN and cuBLAS; the build adds it only when both are found"
#endif

#include <jni.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "cudnn_engine.h"
#include "cudnn_network.h"
#include "jni_util.h"

namespace gradcam4j {

CudnnContext::CudnnContext(int device) : device_(device) {
    try {
        CUDA_CHECK(cudaSetDevice(device));
        CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        CUDNN_CHECK(cudnnCreate(&cudnn_));
        CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
        CUBLAS_CHECK(cublasCreate(&cublas_));
        CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    } catch (...) {
        release();
        throw;
    }
}

CudnnContext::~CudnnContext() { release(); }

void CudnnContext::release() noexcept {
    // Errors are ignored here: this runs on the failure path and from destructors, where the
    // original error is already on its way to Java.
    if (cublas_) (void)cublasDestroy(cublas_);
    if (cudnn_) (void)cudnnDestroy(cudnn_);
    if (stream_) (void)cudaStreamDestroy(stream_);
    cublas_ = nullptr;
    cudnn_ = nullptr;
    stream_ = nullptr;
}

std::string CudnnContext::versions() const {
    int cublas_version = 0;
    CUBLAS_CHECK(cublasGetVersion(cublas_, &cublas_version));
    return "cuDNN " + std::to_string(cudnnGetVersion()) + " (built against " +
           std::to_string(CUDNN_VERSION) + "), cuBLAS " + std::to_string(cublas_version);
}

}  // namespace gradcam4j

namespace {

gradcam4j::CudnnContext* context_of(jlong handle) {
    if (handle == 0) throw std::invalid_argument("null cuDNN engine context");
    return reinterpret_cast<gradcam4j::CudnnContext*>(handle);
}

gradcam4j::CudnnNetwork* network_of(jlong handle) {
    if (handle == 0) throw std::invalid_argument("null cuDNN network");
    return reinterpret_cast<gradcam4j::CudnnNetwork*>(handle);
}

// Length of a Java array that must not be null.
jsize length_of(JNIEnv* env, jarray a, const char* what) {
    if (!a) throw std::invalid_argument(std::string(what) + " is null");
    return env->GetArrayLength(a);
}

// Throws (into guarded) when a JNI call left a Java exception pending.
void check_jni(JNIEnv* env) {
    if (env->ExceptionCheck()) throw std::runtime_error("JNI call failed");
}

// The seed rows of a backward-like call, checked against the network: (m x classes) seeds and m
// image indices, copied out of the Java arrays.
std::vector<float> seed_rows(JNIEnv* env, gradcam4j::CudnnNetwork* nw, jfloatArray seeds, jint m,
                             jintArray image_of, std::vector<int>& rows) {
    const int classes = nw->layer(nw->layer_count() - 1).cout;
    const jsize seeds_len = length_of(env, seeds, "seeds");
    if (m <= 0 || seeds_len != static_cast<jsize>(m) * classes) throw std::invalid_argument("seeds must be (m x classes)");
    if (length_of(env, image_of, "imageOf") != m) throw std::invalid_argument("imageOf needs m entries");
    std::vector<float> s(static_cast<size_t>(seeds_len));
    env->GetFloatArrayRegion(seeds, 0, seeds_len, s.data());
    rows.assign(static_cast<size_t>(m), 0);
    env->GetIntArrayRegion(image_of, 0, m, reinterpret_cast<jint*>(rows.data()));
    check_jni(env);
    return s;
}

// A Java int[] (not null) as a vector.
std::vector<int> int_array(JNIEnv* env, jintArray a, const char* what) {
    const jsize len = length_of(env, a, what);
    std::vector<int> v(static_cast<size_t>(len));
    env->GetIntArrayRegion(a, 0, len, reinterpret_cast<jint*>(v.data()));
    check_jni(env);
    return v;
}

// Copies one result into element `index` of a float[][] the caller sized (never resized here).
void write_result(JNIEnv* env, jobjectArray table, jsize index, const float* data, size_t count) {
    auto target = static_cast<jfloatArray>(env->GetObjectArrayElement(table, index));
    check_jni(env);
    if (!target || static_cast<size_t>(env->GetArrayLength(target)) != count) {
        throw std::invalid_argument("result array " + std::to_string(index) + " is missing or has the wrong length (need " +
                                    std::to_string(count) + ")");
    }
    env->SetFloatArrayRegion(target, 0, static_cast<jsize>(count), data);
    env->DeleteLocalRef(target);
    check_jni(env);
}

// The slot calls check their arguments before the handle, so that a test without a device can see
// both refusals.
void check_slot(jint slot) {
    if (slot < 0 || slot >= gradcam4j::CudnnNetwork::kInputSlots) {
        throw std::invalid_argument("input slot " + std::to_string(slot) + " out of range (0.." +
                                    std::to_string(gradcam4j::CudnnNetwork::kInputSlots - 1) + ")");
    }
}

void check_batch(jint n) {
    if (n <= 0) throw std::invalid_argument("batch size must be positive, got " + std::to_string(n));
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_createContext(
    JNIEnv* env, jclass, jint device) {
    return gradcam4j::jni::guarded<jlong>(env, 0, [&] {
        return reinterpret_cast<jlong>(new gradcam4j::CudnnContext(device));
    });
}

JNIEXPORT jstring JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_libraryVersions(
    JNIEnv* env, jclass, jlong context) {
    return gradcam4j::jni::guarded<jstring>(env, nullptr, [&] {
        return gradcam4j::jni::new_string(env, context_of(context)->versions());
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_freeContext(
    JNIEnv* env, jclass, jlong context) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        delete context_of(context);
        return 0;
    });
}

JNIEXPORT jlong JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_createNetwork(
    JNIEnv* env, jclass, jlong context, jintArray table, jint in_channels, jint in_size,
    jint precision) {
    return gradcam4j::jni::guarded<jlong>(env, 0, [&] {
        const jsize len = length_of(env, table, "layer table");
        if (len == 0 || len % 7 != 0) throw std::invalid_argument("layer table needs 7 ints per layer");
        std::vector<jint> t(static_cast<size_t>(len));
        env->GetIntArrayRegion(table, 0, len, t.data());
        check_jni(env);
        std::vector<gradcam4j::LayerInfo> layers;
        for (jsize i = 0; i < len; i += 7) {
            if (t[i] < 0 || t[i] > 3) throw std::invalid_argument("unknown layer kind " + std::to_string(t[i]));
            layers.push_back({static_cast<gradcam4j::LayerKind>(t[i]), t[i + 1], t[i + 2], t[i + 3],
                              t[i + 4], t[i + 5] != 0, t[i + 6] != 0});
        }
        if (precision < 0 || precision > 1) throw std::invalid_argument("unknown precision " + std::to_string(precision));
        return reinterpret_cast<jlong>(new gradcam4j::CudnnNetwork(
            *context_of(context), std::move(layers), in_channels, in_size,
            static_cast<gradcam4j::Precision>(precision)));
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_upload(
    JNIEnv* env, jclass, jlong net, jint layer, jfloatArray kernel, jfloatArray bias) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        gradcam4j::CudnnNetwork* n = network_of(net);
        if (layer < 0 || layer >= n->layer_count()) throw std::invalid_argument("layer out of range");
        const jsize kc = length_of(env, kernel, "kernel");
        const jsize bc = bias ? env->GetArrayLength(bias) : 0;
        // Region copies, chunk by chunk, straight into the engine's page-locked staging: no JNI
        // critical section (which would stall the garbage collector across the whole copy).
        auto from = [&](jfloatArray a) {
            return [env, a](int64_t offset, int64_t count, float* dst) {
                env->GetFloatArrayRegion(a, static_cast<jsize>(offset), static_cast<jsize>(count), dst);
                check_jni(env);
            };
        };
        n->upload(layer, from(kernel), kc, from(bias), bc);
        return 0;
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forward(
    JNIEnv* env, jclass, jlong net, jfloatArray input, jint n, jint keep) {
    return gradcam4j::jni::guarded<jint>(env, -1, [&] {
        gradcam4j::CudnnNetwork* nw = network_of(net);
        const jsize len = length_of(env, input, "input");
        const gradcam4j::LayerInfo& first = nw->layer(0);
        const int64_t expected = static_cast<int64_t>(n) * first.in_volume();
        if (n <= 0 || len != expected) {
            throw std::invalid_argument("input has " + std::to_string(len) + " values, expected " +
                                        std::to_string(expected) + " for a batch of " + std::to_string(n));
        }
        float* staged = nw->stage(static_cast<size_t>(len));
        env->GetFloatArrayRegion(input, 0, len, staged);
        check_jni(env);
        return nw->forward(staged, n, keep);
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forwardWarped(
    JNIEnv* env, jclass, jlong net, jfloatArray image, jfloatArray fill, jdoubleArray affine,
    jbyteArray identity, jint n, jint keep) {
    return gradcam4j::jni::guarded<jint>(env, -1, [&] {
        gradcam4j::CudnnNetwork* nw = network_of(net);
        const gradcam4j::LayerInfo& first = nw->layer(0);
        if (n <= 0) throw std::invalid_argument("no copies");
        if (length_of(env, image, "image") != first.in_volume()) throw std::invalid_argument("image must be C x S x S");
        if (length_of(env, fill, "fill") != first.cin) throw std::invalid_argument("fill needs one value per channel");
        if (length_of(env, affine, "affine") != 6 * n) throw std::invalid_argument("affine needs 6 values per copy");
        if (length_of(env, identity, "identity") != n) throw std::invalid_argument("identity needs one flag per copy");
        std::vector<float> img(static_cast<size_t>(first.in_volume())), f(static_cast<size_t>(first.cin));
        std::vector<double> aff(static_cast<size_t>(6 * n));
        std::vector<unsigned char> id(static_cast<size_t>(n));
        env->GetFloatArrayRegion(image, 0, static_cast<jsize>(img.size()), img.data());
        env->GetFloatArrayRegion(fill, 0, static_cast<jsize>(f.size()), f.data());
        env->GetDoubleArrayRegion(affine, 0, static_cast<jsize>(aff.size()), aff.data());
        env->GetByteArrayRegion(identity, 0, n, reinterpret_cast<jbyte*>(id.data()));
        check_jni(env);
        return nw->forward_warped(img.data(), f.data(), aff.data(), id.data(), n, keep);
    });
}

// kind (CopyKind): 0 Score-CAM masks (values: activation, ints: C h w alignCorners, doubles: eps),
// 1 path points (values: baseline, doubles: the copies' alphas), 2 occlusion (values: fill, ints:
// patch stride), 3 noise (values null, ints: samples, doubles: sigma, seed: the uploaded noise's).
JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forwardCopies(
    JNIEnv* env, jclass, jlong net, jint kind, jfloatArray image, jint first, jint count, jint keep,
    jfloatArray values, jintArray ints, jdoubleArray doubles, jlong seed) {
    return gradcam4j::jni::guarded<jint>(env, -1, [&] {
        if (kind < 0 || kind > 3) throw std::invalid_argument("unknown copy kind " + std::to_string(kind));
        check_batch(count);
        if (first < 0) throw std::invalid_argument("first copy must not be negative, got " + std::to_string(first));
        const std::vector<int> in = int_array(env, ints, "ints");
        const jsize nd = length_of(env, doubles, "doubles");
        std::vector<double> d(static_cast<size_t>(nd));
        env->GetDoubleArrayRegion(doubles, 0, nd, d.data());
        std::vector<float> v;
        if (values) {
            v.resize(static_cast<size_t>(env->GetArrayLength(values)));
            env->GetFloatArrayRegion(values, 0, static_cast<jsize>(v.size()), v.data());
        }
        check_jni(env);
        gradcam4j::CudnnNetwork* nw = network_of(net);
        const gradcam4j::LayerInfo& l0 = nw->layer(0);
        if (length_of(env, image, "image") != l0.in_volume()) throw std::invalid_argument("image must be C x S x S");
        std::vector<float> img(static_cast<size_t>(l0.in_volume()));
        env->GetFloatArrayRegion(image, 0, static_cast<jsize>(img.size()), img.data());
        check_jni(env);
        gradcam4j::CopyJob job;
        job.kind = static_cast<gradcam4j::CopyKind>(kind);
        job.image = img.data();
        job.first = first;
        job.count = count;
        job.values = v.empty() ? nullptr : v.data();
        job.values_count = static_cast<int64_t>(v.size());
        auto need = [&](size_t ni, size_t ndbl, const char* what) {
            if (in.size() != ni || d.size() != ndbl) throw std::invalid_argument(std::string(what) + ": wrong parameter counts");
        };
        switch (job.kind) {
            case gradcam4j::CopyKind::kScoreCamMasks:
                need(4, 1, "Score-CAM masks");
                job.act_c = in[0];
                job.act_h = in[1];
                job.act_w = in[2];
                job.align_corners = in[3] != 0;
                job.eps = d[0];
                break;
            case gradcam4j::CopyKind::kPathPoints:
                need(0, static_cast<size_t>(count), "path points");
                job.alphas = d.data();
                break;
            case gradcam4j::CopyKind::kOccluded:
                need(2, 0, "occlusion");
                job.patch = in[0];
                job.stride = in[1];
                break;
            case gradcam4j::CopyKind::kNoisy:
                need(1, 1, "noisy copies");
                job.noise_samples = in[0];
                job.sigma = d[0];
                job.noise_seed = seed;
                break;
        }
        return nw->forward_copies(job, keep);
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_uploadNoise(
    JNIEnv* env, jclass, jlong net, jlong seed, jint samples, jfloatArray noise) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        check_batch(samples);
        const jsize len = length_of(env, noise, "noise");
        gradcam4j::CudnnNetwork* nw = network_of(net);
        if (len != static_cast<int64_t>(samples) * nw->layer(0).in_volume())
            throw std::invalid_argument("noise must be (samples x C x S x S)");
        std::vector<float> z(static_cast<size_t>(len));
        env->GetFloatArrayRegion(noise, 0, len, z.data());
        check_jni(env);
        nw->upload_noise(seed, samples, z.data());
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forwardFrom(
    JNIEnv* env, jclass, jlong net, jint layer, jfloatArray activations, jint n, jfloatArray logits) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        check_batch(n);
        const jsize len = length_of(env, activations, "activations");
        const jsize out_len = length_of(env, logits, "logits");
        gradcam4j::CudnnNetwork* nw = network_of(net);
        if (layer < 0 || layer >= nw->layer_count()) throw std::invalid_argument("layer " + std::to_string(layer) + " out of range");
        const int64_t expected = static_cast<int64_t>(n) * nw->layer(layer).out_volume();
        const int classes = nw->layer(nw->layer_count() - 1).cout;
        if (len != expected) {
            throw std::invalid_argument("activations have " + std::to_string(len) + " values, expected " +
                                        std::to_string(expected) + " for a batch of " + std::to_string(n));
        }
        if (out_len != static_cast<int64_t>(n) * classes) throw std::invalid_argument("logits must be (n x classes)");
        float* staged = nw->stage(static_cast<size_t>(len));
        env->GetFloatArrayRegion(activations, 0, len, staged);
        check_jni(env);
        nw->forward_from(layer, staged, n, [&](int, const float* data, size_t count) {
            if (count != static_cast<size_t>(out_len)) throw std::invalid_argument("logits array has the wrong length");
            env->SetFloatArrayRegion(logits, 0, out_len, data);
            check_jni(env);
        });
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forwardAblated(
    JNIEnv* env, jclass, jlong net, jint pass, jint layer, jint image, jint first, jint count, jfloatArray logits) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        check_batch(count);
        const jsize out_len = length_of(env, logits, "logits");
        gradcam4j::CudnnNetwork* nw = network_of(net);
        const int classes = nw->layer(nw->layer_count() - 1).cout;
        if (out_len != static_cast<int64_t>(count) * classes) throw std::invalid_argument("logits must be (count x classes)");
        nw->forward_ablated(pass, layer, image, first, count, [&](int, const float* data, size_t n) {
            if (n != static_cast<size_t>(out_len)) throw std::invalid_argument("logits array has the wrong length");
            env->SetFloatArrayRegion(logits, 0, out_len, data);
            check_jni(env);
        });
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_output(
    JNIEnv* env, jclass, jlong net, jint pass, jint layer, jfloatArray out) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        const jsize len = length_of(env, out, "output array");
        network_of(net)->output(pass, layer, [&](int, const float* data, size_t count) {
            if (count != static_cast<size_t>(len)) throw std::invalid_argument("output array has the wrong length");
            env->SetFloatArrayRegion(out, 0, len, data);
            check_jni(env);
        });
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_release(
    JNIEnv* env, jclass, jlong net, jint pass) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        network_of(net)->release(pass);
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_backward(
    JNIEnv* env, jclass, jlong net, jint pass, jfloatArray seeds, jint m, jintArray image_of,
    jint stop, jint rule, jintArray capture, jobjectArray capture_out, jintArray weight_layers,
    jobjectArray weight_out) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        gradcam4j::CudnnNetwork* nw = network_of(net);
        if (rule < 0 || rule > 2) throw std::invalid_argument("unknown ReLU rule " + std::to_string(rule));
        std::vector<int> rows;
        const std::vector<float> s = seed_rows(env, nw, seeds, m, image_of, rows);
        const std::vector<int> cap = int_array(env, capture, "capture"), wl = int_array(env, weight_layers, "weightLayers");
        const jsize nc = static_cast<jsize>(cap.size()), nw_layers = static_cast<jsize>(wl.size());
        if (length_of(env, capture_out, "captureOut") != nc) throw std::invalid_argument("captureOut needs one array per capture");
        if (length_of(env, weight_out, "weightOut") != 2 * nw_layers) throw std::invalid_argument("weightOut needs two arrays per layer");
        nw->backward(pass, s.data(), m, rows.data(), stop, static_cast<gradcam4j::ReluRule>(rule), cap, wl,
                     [&](int slot, const float* data, size_t count) {
                         if (slot >= 1000) {
                             write_result(env, weight_out, slot - 1000, data, count);
                         } else {
                             write_result(env, capture_out, slot, data, count);
                         }
                     });
        return 0;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_camMaps(
    JNIEnv* env, jclass, jlong net, jint pass, jfloatArray seeds, jint m, jintArray image_of, jint layer,
    jintArray kinds, jfloatArray cam_weights, jint out_size, jfloat gradcampp_eps, jfloat xgradcam_eps,
    jintArray raw_rules, jintArray products, jobjectArray out) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        gradcam4j::CudnnNetwork* nw = network_of(net);
        if (layer < 0 || layer >= nw->layer_count()) throw std::invalid_argument("target layer out of range");
        std::vector<int> rows;
        const std::vector<float> s = seed_rows(env, nw, seeds, m, image_of, rows);
        const std::vector<int> kind_codes = int_array(env, kinds, "kinds"),
                               rule_codes = int_array(env, raw_rules, "rawRules"),
                               product_list = int_array(env, products, "products");
        gradcam4j::CamJob job;
        for (int k : kind_codes) {
            if (k < 0 || k > 7) throw std::invalid_argument("unknown CAM kind " + std::to_string(k));
            job.kinds.push_back(static_cast<gradcam4j::CamKind>(k));
        }
        for (int r : rule_codes) {
            if (r < 0 || r > 2) throw std::invalid_argument("unknown ReLU rule " + std::to_string(r));
            job.raw_rules.push_back(static_cast<gradcam4j::ReluRule>(r));
        }
        std::vector<float> cw;
        if (cam_weights) {
            const int channels = nw->layer(layer).cout;
            const jsize len = env->GetArrayLength(cam_weights);
            if (len != static_cast<jsize>(m) * channels) throw std::invalid_argument("CAM weights must be (m x C)");
            cw.resize(static_cast<size_t>(len));
            env->GetFloatArrayRegion(cam_weights, 0, len, cw.data());
            check_jni(env);
            job.cam_weights = cw.data();
        }
        job.layer = layer;
        job.seeds = s.data();
        job.m = m;
        job.image_of = rows.data();
        job.out_size = out_size;
        job.products = product_list;
        job.gradcampp_eps = gradcampp_eps;
        job.xgradcam_eps = xgradcam_eps;
        const jsize slots = 4 * static_cast<jsize>(job.kinds.size()) + static_cast<jsize>(job.raw_rules.size()) +
                            static_cast<jsize>(job.products.size());
        if (length_of(env, out, "out") != slots) throw std::invalid_argument("out needs " + std::to_string(slots) + " slots");
        nw->cam_maps(pass, job, [&](int slot, const float* data, size_t count) {
            write_result(env, out, slot, data, count);
        });
        return 0;
    });
}

JNIEXPORT jobject JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_inputBuffer(
    JNIEnv* env, jclass, jlong net, jint floats) {
    return gradcam4j::jni::guarded<jobject>(env, nullptr, [&] {
        if (floats <= 0) throw std::invalid_argument("input buffer size must be positive");
        float* p = network_of(net)->stage_input(static_cast<size_t>(floats));
        jobject b = env->NewDirectByteBuffer(p, static_cast<jlong>(floats) * static_cast<jlong>(sizeof(float)));
        if (!b) throw std::runtime_error("NewDirectByteBuffer failed (direct buffers unsupported?)");
        return b;
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forwardStaged(
    JNIEnv* env, jclass, jlong net, jint n, jint keep) {
    return gradcam4j::jni::guarded<jint>(env, -1, [&] { return network_of(net)->forward_staged(n, keep); });
}

JNIEXPORT jobject JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_slotBuffer(
    JNIEnv* env, jclass, jlong net, jint slot, jint floats) {
    return gradcam4j::jni::guarded<jobject>(env, nullptr, [&] {
        check_slot(slot);
        if (floats <= 0) throw std::invalid_argument("input buffer size must be positive, got " + std::to_string(floats));
        float* p = network_of(net)->stage_slot(slot, static_cast<size_t>(floats));
        jobject b = env->NewDirectByteBuffer(p, static_cast<jlong>(floats) * static_cast<jlong>(sizeof(float)));
        if (!b) throw std::runtime_error("NewDirectByteBuffer failed (direct buffers unsupported?)");
        return b;
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_uploadSlot(
    JNIEnv* env, jclass, jlong net, jint slot, jint n) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        check_slot(slot);
        check_batch(n);
        network_of(net)->upload_slot(slot, n);
        return 0;
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_forwardSlot(
    JNIEnv* env, jclass, jlong net, jint slot, jint n, jint keep) {
    return gradcam4j::jni::guarded<jint>(env, -1, [&] {
        check_slot(slot);
        check_batch(n);
        return network_of(net)->forward_slot(slot, n, keep);
    });
}

JNIEXPORT jlongArray JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_memory(
    JNIEnv* env, jclass, jlong net) {
    return gradcam4j::jni::guarded<jlongArray>(env, nullptr, [&] {
        const gradcam4j::MemoryStats s = network_of(net)->memory();
        const jlong v[6] = {static_cast<jlong>(s.parameters), static_cast<jlong>(s.arenas),
                            static_cast<jlong>(s.scratch), static_cast<jlong>(s.workspace),
                            static_cast<jlong>(s.device_free), static_cast<jlong>(s.device_total)};
        jlongArray r = env->NewLongArray(6);
        if (!r) throw std::bad_alloc();
        env->SetLongArrayRegion(r, 0, 6, v);
        return r;
    });
}

JNIEXPORT jstring JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_algorithms(
    JNIEnv* env, jclass, jlong net) {
    return gradcam4j::jni::guarded<jstring>(env, nullptr, [&] {
        return gradcam4j::jni::new_string(env, network_of(net)->describe_algorithms());
    });
}

JNIEXPORT void JNICALL Java_org_gradcam4j_backend_cuda_CudnnEngineNative_freeNetwork(
    JNIEnv* env, jclass, jlong net) {
    gradcam4j::jni::guarded<int>(env, 0, [&] {
        delete network_of(net);
        return 0;
    });
}

}  // extern "C"
