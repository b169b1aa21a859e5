#include "sim/run/runtime.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <thread>

#include <torch/version.h>

#include "sim/base/build_info.hpp"
#include "sim/model/model.hpp"

namespace somnus {

std::string error_text(const std::exception& error) {
    if (const auto* c10 = dynamic_cast<const c10::Error*>(&error)) return c10->what_without_backtrace();
    return error.what();
}

int thread_count(std::int64_t requested) {
    if (requested > 0) return static_cast<int>(requested);
    unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? static_cast<int>(cores) : 1;
}

void set_blas_threads(int n) {
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(n);
}

void use_heap_for_tensors() {
    if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 32 << 20);
    if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

int use_threads(std::int64_t threads) {
    const int n = thread_count(threads);
    torch::set_num_threads(n);
    set_blas_threads(1);
    return n;
}

void check_device(const std::string& name) { resolve_device(name); }

std::string cuda_text() {
    if (!torch::cuda::is_available()) return "not available";
    const auto n = torch::cuda::device_count();
    return "available (" + std::to_string(n) + (n == 1 ? " GPU)" : " GPUs)");
}

std::string version_text() {
    return std::string("somnus ") + SOMNUS_VERSION + "\ngit commit " + git_commit() + "\nLibTorch " + TORCH_VERSION +
           "\nCUDA " + cuda_text();
}

void use_gpu_numerics(torch::Device device, bool deterministic) {
    if (!device.is_cuda()) return;
    // cuBLAS repeats bitwise only with a fixed workspace; read when its handle is made.
    if (deterministic) setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
    at::globalContext().setBenchmarkCuDNN(false);  // autotuning: no faster here, 14x the memory (docs/gpu.md)
    at::globalContext().setDeterministicCuDNN(deterministic);
    at::globalContext().setDeterministicAlgorithms(deterministic, /*warn_only=*/true);
}

}  // namespace somnus
