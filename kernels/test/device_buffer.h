// Test-side helpers: an owning device buffer and host/device copies, every call checked.
// Used by the kernel checks, the benchmark and the JNI self-test; not part of the engine.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "check.h"

namespace gradcam4j {
namespace test {

// One cudaMalloc'd array of T, freed on destruction. Move-only. The destructor never throws: a
// failing cudaFree (only possible after a sticky error, which the caller has already seen) is
// ignored there.
template <typename T>
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t count) : count_(count) {
        if (count_ > 0) CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&ptr_), count_ * sizeof(T)));
    }
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
    ~DeviceBuffer() {
        if (ptr_) (void)cudaFree(ptr_);
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        if (this != &o) {
            if (ptr_) (void)cudaFree(ptr_);
            ptr_ = std::exchange(o.ptr_, nullptr);
            count_ = std::exchange(o.count_, 0);
        }
        return *this;
    }

    T* get() const { return ptr_; }
    size_t size() const { return count_; }

    void upload(const std::vector<T>& host, size_t at = 0) {
        if (!host.empty())
            CUDA_CHECK(cudaMemcpy(ptr_ + at, host.data(), host.size() * sizeof(T),
                                  cudaMemcpyHostToDevice));
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

private:
    T* ptr_ = nullptr;
    size_t count_ = 0;
};

}  // namespace test
}  // namespace gradcam4j
