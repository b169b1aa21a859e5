// The table of a set of runs' results, mean ± SEM over seeds per condition, as
// the paper's Appendix 1, table 1 reports them (`somnus table`, `somnus summarize`).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/results/metrics.hpp"

namespace somnus {

struct MetricSummary {
    std::string metric;
    std::int64_t n = 0;  // runs that have it
    double mean = 0;
    double sem = 0;  // standard error of the mean over runs (NaN for one run)
};

// One row per experiment, in the order the runs first name them.
struct TableRow {
    std::string experiment;
    std::int64_t trained_epochs = -1;  // per-epoch tables: epochs of training behind the evaluation
    std::int64_t runs = 0;
    std::vector<std::int64_t> seeds;
    std::vector<MetricSummary> metrics;
    std::vector<std::pair<std::string, std::string>>
        parameters;  // a sweep's varied values (label, value): extra columns
};

// Rows by experiment (and, for per-epoch metrics, by trained epochs, ascending within an experiment).
std::vector<TableRow> summarize_runs(const std::vector<RunMetrics>& runs);
std::string table_markdown(const std::vector<TableRow>& rows);
// A metric key as a column heading: "occluded_50" -> "50 % occluded".
std::string metric_heading(const std::string& key);
std::string table_csv(
    const std::vector<TableRow>& rows);  // one row per experiment: <metric>_mean, <metric>_sem, <metric>_n

}  // namespace somnus
