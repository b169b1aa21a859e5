// The HDF5 log of a run: an observer that writes what the runner reports
// (losses, neuromodulators, conductor, epochs, evaluation) and owns the probes
// the spec's record section asks for (activity, dreams, plasticity, hippocampus).
// The layout is documented in docs/log-format.md.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/record/log_file.hpp"
#include "sim/run/observer.hpp"

namespace somnus {

class Hdf5Recorder : public Observer {
public:
    // Checks at once that the path can be written, so an unwritable path fails
    // before any work; the file is created when the run starts (a run that fails
    // before that leaves the path as it was). `resume`: continue the log there.
    explicit Hdf5Recorder(const std::string& path, bool resume = false);
    ~Hdf5Recorder() override;

    void run_started(const RunInfo& info) override;
    void state_starting(const StepEvent& e) override;
    void step_done(const StepEvent& e) override;
    void step_read(const StepEvent& e) override;
    void iteration_done(const StepClock& clock) override;
    void epoch_done(const EpochEvent& e) override;
    void evaluation_done(const EvaluationReport& e) override;
    void run_ended(const RunStatus& status, double wall_seconds) override;
    // The log flushed and the length of every series (a resumed run cuts the log
    // back to them), and the probes' state.
    void save_state(torch::serialize::OutputArchive& archive) override;
    void restore_state(torch::serialize::InputArchive& archive) override;

    const std::string& path() const { return log_->path(); }
    // The name errors give the log (default: its path), e.g. the file a partial one becomes.
    void show_as(std::string name) { log_->show_as(std::move(name)); }

private:
    bool started_ = false;  // run_started was seen: the file exists from then on
    void flush(bool final = false);
    void write_dream_content(const std::string& base, const DreamContent& content);
    void write_readout(const std::string& group, const ReadoutReport& r);
    void write_retention(const std::string& group, const RetentionReport& r);
    bool retention_described_ = false;

    std::unique_ptr<LogFile> log_;
    std::vector<std::unique_ptr<Observer>> probes_;
    std::set<std::string> described_;
    std::int64_t flush_every_ = 0;
};

}  // namespace somnus
