// What a run reports as it goes. Recorders (the HDF5 log, the terminal
// progress line) are observers attached to the runner; modules know nothing of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/image_set.hpp"
#include "neuromod/conductor.hpp"
#include "sim/eval/reports.hpp"
#include "sim/model/step.hpp"
#include "sim/run/run_status.hpp"
#include "sim/spec/spec.hpp"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace somnus {

class Model;

struct Timeline;

struct RunInfo {
    const ExperimentSpec* spec = nullptr;
    std::string command;  // "run" or "eval"
    std::string device;
    std::int64_t train_images = 0;
    std::int64_t iterations_per_epoch = 0;  // of the first epoch (nights and protocols can change it)
    std::int64_t threads = 0;
    std::int64_t epochs = 0;             // of the schedule
    Model* model = nullptr;              // probes read it; null for `eval`
    const Timeline* timeline = nullptr;  // what runs when; null for `eval`
    bool resumed = false;                // continues an interrupted run from its checkpoint (somnus run --resume)
    // The test set, loaded once per run for the probes and the evaluations; null
    // when neither needs it.
    const ImageSet* test = nullptr;
};

struct StepEvent {
    const std::string* state = nullptr;  // brain-state name
    StepClock clock;
    const StepReport* report = nullptr;  // in step_done only
    const StepValues* values = nullptr;  // in step_read only
    Modulation modulation;
    double seconds = 0;  // since the run started
};

struct EpochEvent {
    std::int64_t epoch = 0;  // 0-based, just finished
    double wall_seconds = 0;
    double images_per_second = 0;
};

class Observer {
public:
    virtual ~Observer() = default;
    virtual void run_started(const RunInfo&) {}
    virtual void state_starting(const StepEvent&) {}  // before the state's step
    // Right after the state's step: the model as the step left it, the step's
    // samples, and its measures as tensors that may still be on the device.
    virtual void step_done(const StepEvent&) {}
    // The same step's losses and observables read to the host (event.values), in
    // step order: right after step_done when record.read_every is 1 (the CPU's
    // default); otherwise every read_every mini-batches, a whole window of steps
    // read in one transfer, before that mini-batch's iteration_done. A step that
    // diverged, and every step after it, is never read.
    virtual void step_read(const StepEvent&) {}
    virtual void iteration_done(const StepClock&) {}  // after every state of a mini-batch
    virtual void epoch_done(const EpochEvent&) {}
    virtual void evaluation_starting() {}  // the spec's evaluations of the encoder begin (after an epoch_done)
    virtual void evaluation_done(const EvaluationReport&) {}
    // finished, interrupted, diverged (detail: where) or failed (detail: why)
    virtual void run_ended(const RunStatus& status, double wall_seconds) { (void)status, (void)wall_seconds; }
    // What it carries between iterations, written into (and read back from) the
    // run's resumable checkpoint; restore_state comes after run_started.
    virtual void save_state(torch::serialize::OutputArchive& archive) { (void)archive; }
    virtual void restore_state(torch::serialize::InputArchive& archive) { (void)archive; }
};

}  // namespace somnus
