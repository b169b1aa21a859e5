// Execution: runs an ExperimentSpec's schedule on a model built from it and
// reports to the attached observers.
#pragma once

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "sim/observer.hpp"
#include "sim/spec.hpp"

namespace somnus {

struct RunResult {
    std::string status;  // "finished" or "interrupted" (a resumable checkpoint was written)
    double wall_seconds = 0;
    std::optional<EvaluationReport> evaluation;  // the final one, if the spec evaluates
    std::string checkpoint;  // path of the saved model, if any
};

class Runner {
public:
    explicit Runner(const ExperimentSpec& spec);

    void attach(Observer& observer) { observers_.push_back(&observer); }

    // Trains over the schedule, then evaluates as the spec's eval section asks.
    // `stop` (e.g. set by SIGINT) ends the run after the current mini-batch, with a
    // resumable checkpoint. `resume`: continue from the checkpoint of the spec's log
    // (the observers must be attached as they were, the recorder in append mode).
    // NaN or Inf in a loss or a parameter throws Diverged.
    RunResult run(const std::atomic<bool>* stop = nullptr, bool resume = false);

    // The eval section on a saved model's encoder; "" = a freshly initialised (untrained) encoder.
    EvaluationReport evaluate(const std::string& checkpoint);

private:
    void prepare();  // threads, seed, device
    template <class F>
    void notify(F&& f) {
        for (Observer* o : observers_) f(*o);
    }

    ExperimentSpec spec_;
    std::vector<Observer*> observers_;
    std::string device_name_;
};

// The checkpoint written next to an HDF5 log: "runs/pad.h5" -> "runs/pad.pt".
std::string checkpoint_path_for(const std::string& log_path);
// The resumable checkpoint of a run: "runs/pad.h5" -> "runs/pad.resume.pt" (deleted when the run finishes).
std::string resume_path_for(const std::string& log_path);

// A loss or a parameter became NaN or Inf; what() names the state, the time and the module.
struct Diverged : std::runtime_error {
    using std::runtime_error::runtime_error;
};

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

// GPU numerics of this process. With `deterministic`, cuDNN uses only its
// deterministic algorithms and LibTorch its deterministic kernels (warning once
// where an operation has none), so a CUDA run repeats bitwise; slower (see
// docs/gpu.md). Without, cuDNN picks by its heuristics. Nothing changes on the CPU.
void use_gpu_numerics(torch::Device device, bool deterministic);

// Throws when the device named (a spec's "device") is not on this machine, e.g.
// "cuda" where LibTorch sees no GPU; for the CLI, before it opens any output.
void check_device(const std::string& name);

}  // namespace somnus
