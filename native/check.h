// Error checking for every CUDA / cuDNN / cuBLAS call in gradcam4j's native code.
//
// A failing call becomes a C++ exception (gradcam4j::NativeError) that records the failing
// statement, the function, file and line, and the library's error string. Nothing here ever
// calls exit() or abort(): the JNI layer catches NativeError and rethrows it as a Java
// exception (CudaOutOfMemoryException when out_of_memory() is true, CudaException otherwise).
//
// Kernel launchers in kernels/*.cuh return a cudaError_t after checking their own launch, so a
// caller writes   CUDA_CHECK(launch_gradcam_weights(...));   and the recorded statement names
// the launcher that failed.
//
// This header is plain host C++: it compiles with g++ and with nvcc. The cuDNN / cuBLAS macros
// exist only when GRADCAM4J_HAVE_CUDNN is defined (the build defines it when both were found).
#pragma once

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

#ifdef GRADCAM4J_HAVE_CUDNN
#include <cublas_v2.h>
#include <cudnn.h>
#endif

namespace gradcam4j {

// One failed native call. what() is a single line suitable for a Java exception message:
//   "<api> error <code> (<error string>) in `<statement>` at <file>:<line> (<function>)"
class NativeError : public std::runtime_error {
public:
    NativeError(const char* api, int code, const std::string& error_string, const char* statement,
                const char* function, const char* file, int line, bool out_of_memory)
        : std::runtime_error(format(api, code, error_string, statement, function, file, line)),
          api_(api), code_(code), error_string_(error_string), statement_(statement),
          function_(function), file_(file), line_(line), out_of_memory_(out_of_memory) {}

    const std::string& api() const noexcept { return api_; }                 // "CUDA", "cuDNN", ...
    int code() const noexcept { return code_; }                              // the library's status
    const std::string& error_string() const noexcept { return error_string_; }
    const std::string& statement() const noexcept { return statement_; }     // the failing call text
    const std::string& function() const noexcept { return function_; }
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }
    // True for device memory exhaustion: the Java side maps it to CudaOutOfMemoryException so a
    // caller can retry with a smaller batch.
    bool out_of_memory() const noexcept { return out_of_memory_; }

private:
    static std::string format(const char* api, int code, const std::string& error_string,
                              const char* statement, const char* function, const char* file,
                              int line) {
        // Keep only the file name: build directories are nobody's business in an error message.
        std::string path(file);
        const std::string::size_type slash = path.find_last_of("/\\");
        if (slash != std::string::npos) path = path.substr(slash + 1);
        return std::string(api) + " error " + std::to_string(code) + " (" + error_string +
               ") in `" + statement + "` at " + path + ":" + std::to_string(line) + " (" +
               function + ")";
    }

    std::string api_;
    int code_;
    std::string error_string_;
    std::string statement_;
    std::string function_;
    std::string file_;
    int line_;
    bool out_of_memory_;
};

namespace detail {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* statement,
                                          const char* function, const char* file, int line) {
    // Clear the non-sticky error so that the next call on this thread does not report it again.
    // A sticky error (a kernel fault) cannot be cleared: every later call fails fast with it.
    (void)cudaGetLastError();
    const char* name = cudaGetErrorName(err);
    const char* text = cudaGetErrorString(err);
    std::string message = std::string(name ? name : "cudaError?") + ": " + (text ? text : "");
    throw NativeError("CUDA", static_cast<int>(err), message, statement, function, file, line,
                      err == cudaErrorMemoryAllocation);
}

#ifdef GRADCAM4J_HAVE_CUDNN
// cuDNN and cuBLAS do not always report a failed allocation as such: cuDNN 9 may return an
// execution or internal failure whose cause is a CUDA out-of-memory error (its last-error
// string names it, and the runtime's last error is cudaErrorMemoryAllocation), and cuBLAS an
// execution failure. Those are out-of-memory too: the batch is split, the device is not
// condemned. The runtime's error is only peeked at here; throw_* clears nothing else.
inline bool runtime_out_of_memory() { return cudaPeekAtLastError() == cudaErrorMemoryAllocation; }

inline bool mentions_out_of_memory(const std::string& text) {
    for (const char* needle : {"out of memory", "cudaErrorMemoryAllocation", "CUDA_ERROR_OUT_OF_MEMORY",
                               "ALLOCATION_FAILED", "allocation failed"}) {
        if (text.find(needle) != std::string::npos) return true;
    }
    return false;
}

[[noreturn]] inline void throw_cudnn_error(cudnnStatus_t status, const char* statement,
                                           const char* function, const char* file, int line) {
    const char* text = cudnnGetErrorString(status);
    char last[512] = {0};
    cudnnGetLastErrorString(last, sizeof last);
    std::string message = text ? text : "unknown cuDNN status";
    if (last[0]) message += std::string(": ") + last;
    const int category = CUDNN_STATUS_CATEGORY(static_cast<int>(status));
    const bool oom = status == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
                     status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED ||
                     ((category == CUDNN_STATUS_EXECUTION_FAILED || category == CUDNN_STATUS_INTERNAL_ERROR) &&
                      (runtime_out_of_memory() || mentions_out_of_memory(last)));
    if (oom) (void)cudaGetLastError();  // the non-sticky allocation error must not linger
    throw NativeError("cuDNN", static_cast<int>(status), message, statement, function, file, line, oom);
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t status, const char* statement,
                                            const char* function, const char* file, int line) {
    const char* text = cublasGetStatusString(status);
    const bool oom = status == CUBLAS_STATUS_ALLOC_FAILED ||
                     (status == CUBLAS_STATUS_EXECUTION_FAILED && runtime_out_of_memory());
    if (oom) (void)cudaGetLastError();
    throw NativeError("cuBLAS", static_cast<int>(status), text ? text : "unknown cuBLAS status",
                      statement, function, file, line, oom);
}
#endif

}  // namespace detail
}  // namespace gradcam4j

// CUDA_CHECK(stmt): stmt returns cudaError_t (a runtime call or a kernels/*.cuh launcher).
#define CUDA_CHECK(stmt)                                                                      \
    do {                                                                                      \
        const cudaError_t gradcam4j_err_ = (stmt);                                            \
        if (gradcam4j_err_ != cudaSuccess)                                                    \
            ::gradcam4j::detail::throw_cuda_error(gradcam4j_err_, #stmt, __func__, __FILE__,  \
                                                  __LINE__);                                  \
    } while (0)

// CUDA_CHECK_LAUNCH(): after a raw <<<...>>> launch outside the launchers (test code only);
// reports configuration errors at once. Faults inside the kernel surface at the next sync.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

#ifdef GRADCAM4J_HAVE_CUDNN
#define CUDNN_CHECK(stmt)                                                                     \
    do {                                                                                      \
        const cudnnStatus_t gradcam4j_status_ = (stmt);                                       \
        if (gradcam4j_status_ != CUDNN_STATUS_SUCCESS)                                        \
            ::gradcam4j::detail::throw_cudnn_error(gradcam4j_status_, #stmt, __func__,        \
                                                   __FILE__, __LINE__);                       \
    } while (0)

#define CUBLAS_CHECK(stmt)                                                                    \
    do {                                                                                      \
        const cublasStatus_t gradcam4j_status_ = (stmt);                                      \
        if (gradcam4j_status_ != CUBLAS_STATUS_SUCCESS)                                       \
            ::gradcam4j::detail::throw_cublas_error(gradcam4j_status_, #stmt, __func__,       \
                                                    __FILE__, __LINE__);                      \
    } while (0)
#endif
