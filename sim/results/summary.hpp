// `somnus summarize DIR`: the finished logs of a sweep (or of any folder of
// runs) in one table, mean ± SEM per condition, written as Markdown and CSV,
// and one plot per metric (SVG: the seeds as dots, mean ± SEM as a bar; per
// evaluated epoch, one line per condition).
#pragma once

#include <string>
#include <vector>

#include "sim/results/tables.hpp"

namespace somnus {

struct Summary {
    std::vector<TableRow> rows;
    std::string markdown_path, csv_path;
    std::vector<std::string> plot_paths;
    std::vector<std::string> skipped;  // "<log> (status: ...)" for unfinished logs
};

// Reads DIR/sweep.json when there is one (conditions in the sweep's order, its
// parameters as columns), else every *.h5 below DIR grouped by experiment name.
// Writes DIR/summary.md, DIR/summary.csv and DIR/plots/<metric>.svg.
Summary summarize_folder(const std::string& dir, bool per_epoch, bool plots = true);

// The table and where its files are, as `somnus summarize` prints them.
std::string summary_text(const Summary& summary);

// One metric of the runs as an SVG document.
std::string metric_plot_svg(const std::string& metric, const std::vector<RunMetrics>& runs,
                            const std::vector<TableRow>& rows, bool per_epoch);

}  // namespace somnus
