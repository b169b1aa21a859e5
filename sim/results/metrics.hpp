// What a finished run's log says about its evaluations: the metrics the result
// tables (sim/results/tables.hpp) summarise over seeds.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/run/run_status.hpp"

namespace somnus {

// What one run's log says about its final evaluation.
struct RunMetrics {
    std::string path;
    std::string experiment;  // the spec's name
    RunStatus status;
    std::int64_t seed = -1;
    std::int64_t trained_epochs = -1;  // of the evaluation read (per-epoch tables); -1 = the run's final one
    // Metric key -> value, in table order: readout_last_epoch, readout_last5 (percent,
    // means over classifier seeds), occluded_<P> (percent at P % occlusion),
    // intra_inter_ratio, clean_occluded_ratio, wall_seconds.
    std::vector<std::pair<std::string, double>> values;
};

// Reads a log written by `somnus run`; throws InputError naming the file.
RunMetrics read_run_metrics(const std::string& log);
// Every evaluation of the log, one entry each: after the chosen epochs (/eval/epoch_NNN,
// e.g. after every night of a deprivation study) and the final one, by trained epochs.
std::vector<RunMetrics> read_run_metrics_by_epoch(const std::string& log);

// Adds a log's final evaluation (per_epoch: every evaluation) to `runs` if the run
// finished, else "<log> (status: ...)" to `unfinished`; throws for a log it cannot read.
void add_finished_run(const std::string& log, bool per_epoch, std::vector<RunMetrics>& runs,
                      std::vector<std::string>& unfinished);

// Files as given, and the *.h5 files found (recursively) in folders, sorted.
std::vector<std::string> find_logs(const std::vector<std::string>& paths);

// The mean of some values; NaN for none.
double mean_of(const std::vector<double>& xs);

}  // namespace somnus
