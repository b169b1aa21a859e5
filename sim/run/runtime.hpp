// Where and how a run computes: CPU threads (LibTorch's pool, OpenBLAS inside
// it), the device, GPU numerics; and errors as the user reads them.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include <c10/core/Device.h>

namespace somnus {

// An exception's message, without LibTorch's C++ backtrace.
std::string error_text(const std::exception& error);

// Number of threads LibTorch will use for `requested` (0 = all cores).
int thread_count(std::int64_t requested);
// Uses `threads` CPU threads: LibTorch's OpenMP pool gets them all (oneDNN's
// convolutions and LibTorch's kernels run there) and OpenBLAS, when it is the
// BLAS behind LibTorch, runs single-threaded inside it. Two pools spinning on
// the same cores oversubscribe them: with both at 2 threads adversarial
// wake-sleep trains 2.6x slower here (README, Performance). Returns the count used.
int use_threads(std::int64_t threads);
// OpenBLAS's own thread count, when OpenBLAS is the BLAS behind LibTorch (else nothing).
void set_blas_threads(int n);
// glibc's allocator set for a training loop's tensors: blocks up to 32 MiB come
// from the heap (not each a fresh mmap, zero-filled page by page as it is first
// touched) and freed memory is kept up to 256 MiB. Left to its adaptive
// thresholds, malloc made the same PAD cycle 15-30 % slower or not depending on
// which small tensors outlived a step (docs/performance.md). A threshold set in
// the environment (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) wins.
void use_heap_for_tensors();

// GPU numerics of this process. With `deterministic`, cuDNN uses only its
// deterministic algorithms and LibTorch its deterministic kernels (warning once
// where an operation has none), so a CUDA run repeats bitwise; slower (see
// docs/gpu.md). Without, cuDNN picks by its heuristics. Nothing changes on the CPU.
void use_gpu_numerics(c10::Device device, bool deterministic);

// `somnus --version`: this build (version, git commit), its LibTorch and whether
// LibTorch sees a CUDA GPU, a line each; the log records the same.
std::string version_text();
// "available (N GPUs)" or "not available": what `--version` and the log say of CUDA.
std::string cuda_text();

// Throws when the device named (a spec's "device") is not on this machine, e.g.
// "cuda" where LibTorch sees no GPU; for the CLI, before it opens any output.
void check_device(const std::string& name);

}  // namespace somnus
