// Execution: runs an ExperimentSpec's schedule on a model built from it and
// reports to the attached observers.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "sim/base/errors.hpp"
#include "sim/run/observer.hpp"
#include "sim/run/runtime.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

struct RunResult {
    RunStatus status;  // finished, or interrupted (a resumable checkpoint was written)
    double wall_seconds = 0;
    std::optional<EvaluationReport> evaluation;  // the final one, if the spec evaluates
    std::string checkpoint;                      // path of the saved model, if any
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
// Mini-batches between reads of the steps' measures to the host: record.read_every,
// or when it is 0 (automatic) every step on the CPU (where reading costs no wait)
// and every progress line (record.progress_every) on a GPU.
std::int64_t read_interval(const RecordSpec& record, c10::Device device);

// A loss or a parameter became NaN or Inf; what() names the state, the time and the module.
struct Diverged : RunError {
    using RunError::RunError;
};

}  // namespace somnus
