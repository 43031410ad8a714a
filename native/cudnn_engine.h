// The cuDNN + cuBLAS engine's per-device context (handles and stream). The network itself is
// native/cudnn_network.h; the JNI calls are listed in native/jni_cudnn_engine.cpp.
//
// Status: written and compiled against the cuDNN 9 and cuBLAS 12 headers, NOT yet run on a GPU
// (no GPU machine has been available to this project so far). The Java side never trusts it
// blindly: CudaBackend runs CudaSelfCheck (every layer kind, every ReLU rule, weight gradients,
// against the CPU backend) before the first model is loaded and refuses the device if they
// disagree; under --device auto that falls back to the CPU with a warning.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#ifdef GRADCAM4J_HAVE_CUDNN
#include <cublas_v2.h>
#include <cudnn.h>

namespace gradcam4j {

// Everything bound to one device: created on it, used from any thread after cudaSetDevice.
// Owned by exactly one Java object (its close() calls freeContext).
class CudnnContext {
public:
    explicit CudnnContext(int device);  // throws NativeError; releases what it made on failure
    ~CudnnContext();                    // never throws
    CudnnContext(const CudnnContext&) = delete;
    CudnnContext& operator=(const CudnnContext&) = delete;

    int device() const { return device_; }
    cudaStream_t stream() const { return stream_; }
    cudnnHandle_t cudnn() const { return cudnn_; }
    cublasHandle_t cublas() const { return cublas_; }
    std::string versions() const;  // "cuDNN <runtime> (built <header>), cuBLAS <n>"

private:
    void release() noexcept;

    int device_ = 0;
    cudaStream_t stream_ = nullptr;
    cudnnHandle_t cudnn_ = nullptr;
    cublasHandle_t cublas_ = nullptr;
};

}  // namespace gradcam4j
#endif  // GRADCAM4J_HAVE_CUDNN
