// The cuDNN + cuBLAS engine: what exists today and what it is for.
//
// Status: only the per-device context (handles and stream) exists. The network itself (VGG
// forward, backward from seeds, the explanation methods) is not written yet; nothing below
// pretends otherwise, and the library exposes no entry point for it.
//
// Design (the JNI class org.gradcam4j.backend.cuda.CudnnEngineNative, handle-based, one coarse
// call per step; data crosses as direct ByteBuffers whose shapes Java has already checked):
//
//   long   createContext(int device)                 [exists]  handles + stream on `device`
//   String libraryVersions(long ctx)                 [exists]  cuDNN / cuBLAS versions in use
//   void   freeContext(long ctx)                     [exists]  idempotent on the Java side
//   long   uploadWeights(long ctx, layer table, ByteBuffer weights)
//          one device allocation for all parameters, pointers carved from the layer table;
//          conv kernels re-laid out to (cout x cin x 3 x 3), fc1 rows permuted to (c, h, w).
//   void   forwardBatch(long net, ByteBuffer input /* N x 3 x H x W */, int N,
//                       ByteBuffer logits /* N x 1000 */, String[] keep)
//          cuDNN convolution forward + bias + ReLU, max-pool, cuBLAS SGEMM for fc layers;
//          activations of the `keep` layers stay on the device for the backward pass. One
//          activation arena sized once per (N, H, W); plans cached by shape.
//   void   backwardFromSeeds(long net, ByteBuffer seeds /* M x 1000 */, int[] imageOf /* M */,
//                            String stopAt, int reluRule, String[] capture)
//          cuDNN data-gradient convolutions and SGEMMs; ReLU rules and pool routing by
//          kernels/relu_backward.cuh; no weight gradients.
//   void   runMethod(long net, int method, ..., ByteBuffer maps /* M x H x W */)
//          the CAM family from kernels/grad_pool, gradcampp, cam_combine, upsample,
//          guided_product on the captured tensors.
//   void   freeNetwork(long net)
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
