// JNI entry points that need only the CUDA runtime: device queries, build information and the
// kernel self-test. Built whenever a CUDA compiler is found; no cuDNN or cuBLAS.
//
// Java side (written separately): a package-private class holding only native methods,
//
//   package org.gradcam4j.backend.cuda;
//   final class CudaNative {
//       static native String buildInfo();              // one line: versions, archs, cuDNN engine
//       static native int deviceCount();               // 0 when there is no GPU or no driver
//       static native String deviceName(int device);
//       static native int[] computeCapability(int device);  // {major, minor}
//       static native long totalMemory(int device);    // bytes of device memory
//       static native long[] memoryInfo(int device);   // {free, total} bytes now (cudaMemGetInfo)
//       static native int driverVersion();             // e.g. 13000 for 13.0; 0 without driver
//       static native int runtimeVersion();            // CUDA runtime linked into this library
//       static native String selfTest(int device, boolean quick);  // report, see below
//   }
//
// selfTest runs the kernel parity suite (kernels/test/kernel_cases.h) on `device` and returns
// its table; the last line is "overall: PASS (...)" or "overall: FAIL (...)". A CUDA failure
// while running it throws CudaException / CudaOutOfMemoryException instead.
#include <jni.h>

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

#include "check.h"
#include "jni_util.h"
#include "test/kernel_cases.h"

#ifndef GRADCAM4J_CUDA_ARCHS
#define GRADCAM4J_CUDA_ARCHS "unknown"
#endif

namespace {

using gradcam4j::jni::guarded;

// Makes `device` current for the scope and restores the caller's device afterwards, so a JNI
// call never changes the current device of the Java thread behind its back.
class ScopedDevice {
public:
    explicit ScopedDevice(int device) {
        CUDA_CHECK(cudaGetDevice(&previous_));
        CUDA_CHECK(cudaSetDevice(device));
    }
    ~ScopedDevice() { (void)cudaSetDevice(previous_); }
    ScopedDevice(const ScopedDevice&) = delete;
    ScopedDevice& operator=(const ScopedDevice&) = delete;

private:
    int previous_ = 0;
};

void check_device_index(int device) {
    int count = 0;
    CUDA_CHECK(cudaGetDeviceCount(&count));
    if (device < 0 || device >= count)
        throw std::invalid_argument("CUDA device " + std::to_string(device) + " requested, " +
                                    std::to_string(count) + " present");
}

}  // namespace

extern "C" {

JNIEXPORT jstring JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_buildInfo(JNIEnv* env,
                                                                                jclass) {
    return guarded<jstring>(env, nullptr, [&] {
        std::string info = "gradcam4j_native: CUDA runtime " + std::to_string(CUDART_VERSION) +
                           ", architectures " GRADCAM4J_CUDA_ARCHS ", cuDNN engine: ";
#ifdef GRADCAM4J_HAVE_CUDNN
        info += "built";
#else
        info += "not built";
#endif
        return gradcam4j::jni::new_string(env, info);
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_deviceCount(JNIEnv* env, jclass) {
    return guarded<jint>(env, 0, [&]() -> jint {
        int count = 0;
        const cudaError_t err = cudaGetDeviceCount(&count);
        if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
            (void)cudaGetLastError();  // "no GPU" is an answer here, not an error
            return 0;
        }
        CUDA_CHECK(err);
        return count;
    });
}

JNIEXPORT jstring JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_deviceName(JNIEnv* env,
                                                                                 jclass,
                                                                                 jint device) {
    return guarded<jstring>(env, nullptr, [&] {
        check_device_index(device);
        cudaDeviceProp prop{};
        CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
        return gradcam4j::jni::new_string(env, prop.name);
    });
}

JNIEXPORT jintArray JNICALL
Java_org_gradcam4j_backend_cuda_CudaNative_computeCapability(JNIEnv* env, jclass, jint device) {
    return guarded<jintArray>(env, nullptr, [&] {
        check_device_index(device);
        jint cc[2] = {0, 0};
        CUDA_CHECK(cudaDeviceGetAttribute(&cc[0], cudaDevAttrComputeCapabilityMajor, device));
        CUDA_CHECK(cudaDeviceGetAttribute(&cc[1], cudaDevAttrComputeCapabilityMinor, device));
        jintArray out = env->NewIntArray(2);
        if (!out) throw std::bad_alloc();
        env->SetIntArrayRegion(out, 0, 2, cc);
        return out;
    });
}

// From the device properties, not cudaMemGetInfo: that would create a context (hundreds of
// milliseconds and device memory) just to describe the device.
JNIEXPORT jlong JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_totalMemory(JNIEnv* env, jclass,
                                                                               jint device) {
    return guarded<jlong>(env, 0, [&] {
        check_device_index(device);
        cudaDeviceProp prop{};
        CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
        return static_cast<jlong>(prop.totalGlobalMem);
    });
}

// cudaMemGetInfo: creates the device's context if this process has none yet.
JNIEXPORT jlongArray JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_memoryInfo(JNIEnv* env, jclass,
                                                                                  jint device) {
    return guarded<jlongArray>(env, nullptr, [&] {
        check_device_index(device);
        CUDA_CHECK(cudaSetDevice(device));
        size_t free_bytes = 0, total_bytes = 0;
        CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
        const jlong v[2] = {static_cast<jlong>(free_bytes), static_cast<jlong>(total_bytes)};
        jlongArray r = env->NewLongArray(2);
        if (!r) throw std::bad_alloc();
        env->SetLongArrayRegion(r, 0, 2, v);
        return r;
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_driverVersion(JNIEnv* env,
                                                                                jclass) {
    return guarded<jint>(env, 0, [&] {
        int v = 0;
        CUDA_CHECK(cudaDriverGetVersion(&v));  // 0, not an error, when no driver is installed
        return static_cast<jint>(v);
    });
}

JNIEXPORT jint JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_runtimeVersion(JNIEnv* env,
                                                                                 jclass) {
    return guarded<jint>(env, 0, [&] {
        int v = 0;
        CUDA_CHECK(cudaRuntimeGetVersion(&v));
        return static_cast<jint>(v);
    });
}

JNIEXPORT jstring JNICALL Java_org_gradcam4j_backend_cuda_CudaNative_selfTest(JNIEnv* env, jclass,
                                                                               jint device,
                                                                               jboolean quick) {
    return guarded<jstring>(env, nullptr, [&] {
        check_device_index(device);
        ScopedDevice scope(device);
        gradcam4j::test::CheckOptions options;
        options.quick = quick == JNI_TRUE;
        const auto lines = gradcam4j::test::run_kernel_checks(options);
        return gradcam4j::jni::new_string(env, gradcam4j::test::format_check_table(lines));
    });
}

}  // extern "C"
