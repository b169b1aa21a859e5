// The HDF5 log of a run: an observer that writes what the runner reports
// (losses, neuromodulators, conductor, epochs, evaluation) and owns the probes
// the spec's record section asks for (activity, dreams, plasticity, hippocampus).
// The layout is documented in docs/log-format.md.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/log_file.hpp"
#include "sim/observer.hpp"

namespace somnus {

class Hdf5Recorder : public Observer {
public:
    // Creates the file at once, so an unwritable path fails before any work.
    explicit Hdf5Recorder(const std::string& path);
    ~Hdf5Recorder() override;

    void run_started(const RunInfo& info) override;
    void state_starting(const StepEvent& e) override;
    void step_done(const StepEvent& e) override;
    void iteration_done(const StepClock& clock) override;
    void epoch_done(const EpochEvent& e) override;
    void evaluation_done(const EvaluationReport& e) override;
    void run_ended(const std::string& status, double wall_seconds) override;

    const std::string& path() const { return log_->path(); }

private:
    void flush(bool final = false);
    void write_readout(const std::string& group, const ReadoutReport& r);

    std::unique_ptr<LogFile> log_;
    std::vector<std::unique_ptr<Observer>> probes_;
    std::set<std::string> described_;
    std::int64_t flush_every_ = 0;
};

}  // namespace somnus
