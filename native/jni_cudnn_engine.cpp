// JNI entry points of the cuDNN + cuBLAS engine. Compiled only when the build found cuDNN 9 and
// cuBLAS (GRADCAM4J_HAVE_CUDNN). Today it creates, describes and frees a per-device context;
// the network calls are designed in cudnn_engine.h and not written yet.
//
//   package org.gradcam4j.backend.cuda;
//   final class CudnnEngineNative {
//       static native long createContext(int device);
//       static native String libraryVersions(long context);
//       static native void freeContext(long context);   // Java guarantees at most once
//   }
#ifndef GRADCAM4J_HAVE_CUDNN
#error "jni_cudnn_engine.cpp needs cuDNN and cuBLAS; the build adds it only when both are found"
#endif

#include <jni.h>

#include <stdexcept>
#include <string>

#include "check.h"
#include "cudnn_engine.h"
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

}  // extern "C"
