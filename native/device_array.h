// An owning device array with checked host/device copies. Used by the GPU super-resolution
// solver (native/tv_solver_host.cpp), the kernel checks, the kernel benchmark and the JNI
// self-test. Copies either go through the default stream and finish before returning, or run on
// a given stream (the *_on forms); downloads always wait for their data.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "check.h"

namespace gradcam4j {

// One cudaMalloc'd array of T, freed on destruction. Move-only. The destructor never throws: a
// failing cudaFree (only possible after a sticky error, which the caller has already seen) is
// ignored there.
template <typename T>
class DeviceArray {
public:
    DeviceArray() = default;
    explicit DeviceArray(size_t count) : count_(count) {
        if (count_ > 0) CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), count_ * sizeof(T)));
    }
    explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) { upload(host); }
    DeviceArray(const std::vector<T>& host, cudaStream_t stream) : DeviceArray(host.size()) {
        upload_on(host, stream);
    }
    ~DeviceArray() {
        if (ptr_) (void)cudaFree(ptr_);
    }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    DeviceArray(DeviceArray&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
    DeviceArray& operator=(DeviceArray&& o) noexcept {
        if (this != &o) {
            if (ptr_) (void)cudaFree(ptr_);
            ptr_ = std::exchange(o.ptr_, nullptr);
            count_ = std::exchange(o.count_, 0);
        }
        return *this;
    }

    T* get() const { return ptr_; }
    size_t size() const { return count_; }

    // Synchronous: the data is on the device when this returns.
    void upload(const std::vector<T>& host, size_t at = 0) {
        if (!host.empty())
            CUDA_CHECK(cudaMemcpy(ptr_ + at, host.data(), host.size() * sizeof(T),
                                  cudaMemcpyHostToDevice));
    }
    // Ordered on `stream`, and the data is on the device when this returns, so `host` may go or
    // change at once. (The CUDA documentation says an async copy from pageable memory "might be"
    // synchronous; relying on the staging it usually does would be relying on undocumented
    // behaviour, and the solver reuses its small host vectors right after uploading them.)
    void upload_on(const std::vector<T>& host, cudaStream_t stream) {
        if (host.empty()) return;
        CUDA_CHECK(cudaMemcpyAsync(ptr_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice,
                                   stream));
        CUDA_CHECK(cudaStreamSynchronize(stream));
    }
    void zero_on(cudaStream_t stream) {
        if (count_ > 0) CUDA_CHECK(cudaMemsetAsync(ptr_, 0, count_ * sizeof(T), stream));
    }
    // Copies `count` elements starting at element `at` (default: everything) to the host.
    std::vector<T> download(size_t at = 0, size_t count = static_cast<size_t>(-1)) const {
        if (count == static_cast<size_t>(-1)) count = count_ - at;
        std::vector<T> host(count);
        if (count > 0)
            CUDA_CHECK(cudaMemcpy(host.data(), ptr_ + at, count * sizeof(T),
                                  cudaMemcpyDeviceToHost));
        return host;
    }
    // Everything, after the work already queued on `stream`.
    std::vector<T> download_on(cudaStream_t stream) const {
        std::vector<T> host(count_);
        if (count_ > 0)
            CUDA_CHECK(cudaMemcpyAsync(host.data(), ptr_, count_ * sizeof(T),
                                       cudaMemcpyDeviceToHost, stream));
        CUDA_CHECK(cudaStreamSynchronize(stream));
        return host;
    }

private:
    T* ptr_ = nullptr;
    size_t count_ = 0;
};

}  // namespace gradcam4j
