// Terminal progress: epoch, iteration, images/s, ETA and recent mean losses.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sim/run/observer.hpp"

namespace somnus {

// A duration as h:mm:ss.
std::string clock_text(double seconds);

// How fast a run trains and how long its training has left (evaluations not counted).
class RunPace {
public:
    void start(const RunInfo& info);
    void step() { ++steps_done_; }  // one mini-batch, every state of it, done
    double images_per_second() const;
    double eta_seconds() const;

private:
    std::int64_t total_iterations_ = 0;  // of the run
    std::int64_t steps_done_ = 0;
    std::int64_t batch_size_ = 0;
    std::chrono::steady_clock::time_point start_;
};

class ProgressPrinter : public Observer {
public:
    explicit ProgressPrinter(std::FILE* out = stderr) : out_(out) {}

    void run_started(const RunInfo& info) override;
    void step_read(const StepEvent& event) override;
    void iteration_done(const StepClock& clock) override;
    void epoch_done(const EpochEvent& event) override;
    void evaluation_done(const EvaluationReport& report) override;
    void run_ended(const RunStatus& status, double wall_seconds) override;

private:
    void print_line(const StepClock& clock);

    std::FILE* out_;
    const ExperimentSpec* spec_ = nullptr;
    std::int64_t iterations_ = 0;  // of the first epoch
    RunPace pace_;
    // state -> term -> (sum, count) since the last line, in first-seen order
    std::vector<std::string> state_order_;
    std::map<std::string, std::vector<std::pair<std::string, std::pair<double, int>>>> window_;
};

// "mean ± sd" summary of a readout over its seeds, in percent.
std::string summarize_readout(const ReadoutReport& report, const std::string& encoder);
// The readout summary, then the latent geometry and PCA lines.
std::string summarize_evaluation(const EvaluationReport& report);

}  // namespace somnus
