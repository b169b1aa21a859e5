// A run's status as a small JSON file next to its log (runs/pad.h5 ->
// runs/pad.status.json), replaced atomically as the run goes: what a batch of
// runs (sim/batch/pool.cpp) reads to show each child's progress, and what a
// user or a script can poll. The log stays the record of the run; this file
// only says where it is now.
//
//   {"status": "running", "detail": "", "epoch": 3, "epochs": 5, "iteration": 120,
//    "iterations": 469, "images_per_second": 512.3, "eta_seconds": 80.2,
//    "evaluating": false, "pid": 4242, "updated": "2026-11-26T08:30:00Z"}
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "sim/record/progress.hpp"
#include "sim/run/observer.hpp"

namespace somnus {

// The status file of a log: "runs/pad.h5" -> "runs/pad.status.json".
std::string status_path_for(const std::string& log_path);

struct RunProgress {
    RunStatus status;
    std::int64_t epoch = 0;  // 1-based: the epoch running (or the last one, once it ended)
    std::int64_t epochs = 0;
    std::int64_t iteration = 0;   // 1-based, within the epoch
    std::int64_t iterations = 0;  // of the epoch
    double images_per_second = 0;
    double eta_seconds = -1;  // training left; -1 unknown
    bool evaluating = false;  // the encoder is being evaluated (not counted in the ETA)
    std::int64_t pid = 0;
    std::string updated;  // UTC, ISO 8601
};

std::string status_json(const RunProgress& progress);
// The status file read back; nothing when it is missing or not a status file.
std::optional<RunProgress> read_status_file(const std::string& path);

// Writes the status file of a run: when it starts, at most once a second while
// it trains, when an epoch ends, when an evaluation starts ("evaluating") and
// ends, and when the run ends.
class StatusFileWriter : public Observer {
public:
    explicit StatusFileWriter(std::string log_path);
    void run_started(const RunInfo& info) override;
    void iteration_done(const StepClock& clock) override;
    void epoch_done(const EpochEvent& event) override;
    void evaluation_starting() override;
    void evaluation_done(const EvaluationReport& report) override;
    void run_ended(const RunStatus& status, double wall_seconds) override;

private:
    void write();
    std::string path_;
    RunPace pace_;
    RunProgress progress_;
    std::chrono::steady_clock::time_point last_write_;
};

}  // namespace somnus
