// Replicates: experiments run over several training seeds (`somnus replicate`),
// and the table of their results, mean ± SEM over seeds (`somnus table`), as the
// paper's Appendix 1, table 1 reports them.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace somnus {

// What one run's log says about its final evaluation.
struct RunMetrics {
    std::string path;
    std::string experiment;  // the spec's name
    std::string status;      // "finished", "interrupted", ...
    std::int64_t seed = -1;
    std::int64_t trained_epochs = -1;  // of the evaluation read (per-epoch tables); -1 = the run's final one
    // Metric key -> value, in table order: readout_last_epoch, readout_last5 (percent,
    // means over classifier seeds), occluded_<P> (percent at P % occlusion),
    // intra_inter_ratio, clean_occluded_ratio, wall_seconds.
    std::vector<std::pair<std::string, double>> values;
};

// Reads a log written by `somnus run`; throws std::runtime_error naming the file.
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

struct MetricSummary {
    std::string metric;
    std::int64_t n = 0;  // runs that have it
    double mean = 0;
    double sem = 0;      // standard error of the mean over runs (NaN for one run)
};

// One row per experiment, in the order the runs first name them.
struct TableRow {
    std::string experiment;
    std::int64_t trained_epochs = -1;  // per-epoch tables: epochs of training behind the evaluation
    std::int64_t runs = 0;
    std::vector<std::int64_t> seeds;
    std::vector<MetricSummary> metrics;
    std::vector<std::pair<std::string, std::string>> parameters;  // a sweep's varied values (label, value): extra columns
};

// Rows by experiment (and, for per-epoch metrics, by trained epochs, ascending within an experiment).
std::vector<TableRow> summarize_runs(const std::vector<RunMetrics>& runs);
std::string table_markdown(const std::vector<TableRow>& rows);
// A metric key as a column heading: "occluded_50" -> "50 % occluded".
std::string metric_heading(const std::string& key);
std::string table_csv(const std::vector<TableRow>& rows);  // one row per experiment: <metric>_mean, <metric>_sem, <metric>_n

// Seeds from "4" (0..3), "0,5,7" or "10-13"; throws std::invalid_argument.
std::vector<std::int64_t> parse_seeds(const std::string& text);

struct ReplicateJob {
    std::string spec;        // spec file
    std::string experiment;  // its name: the log folder
};

struct ReplicateOptions {
    std::vector<ReplicateJob> specs;
    std::vector<std::int64_t> seeds;
    std::int64_t jobs = 1;     // runs at a time
    std::int64_t threads = 0;  // per run; 0 = cores / jobs
    std::string out = "runs/replicates";
    std::vector<std::string> overrides;  // passed to every run as --set
    std::string device;                  // passed as --device when set
};

// Runs every spec at every seed (sim/batch.hpp), `somnus run SPEC --set seed=K
// --out OUT/<experiment>/seed_K.h5 --continue` (terminal output in seed_K.txt
// next to it), `jobs` at a time. Logs that already say "finished" are kept, and
// interrupted runs resume from their checkpoints, so running the same command
// again picks up where it stopped. Returns the logs that finished; `failures`
// counts the runs that did not. Once `stop` is set (Ctrl-C) no new run starts.
std::vector<std::string> replicate(const ReplicateOptions& options, std::ostream& out, int& failures,
                                   const std::atomic<bool>* stop = nullptr);

}  // namespace somnus
