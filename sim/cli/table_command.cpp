// `somnus table LOG...`: mean ± SEM over seeds of the runs' evaluations.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "sim/base/files.hpp"
#include "sim/cli/command.hpp"
#include "sim/results/tables.hpp"

namespace somnus::cli {

namespace {

struct TableOptions {
    std::vector<std::string> logs;
    std::string csv, md;
    bool per_epoch = false, overwrite = false;
};

}  // namespace

Command add_table_command(CLI::App& app) {
    auto o = std::make_shared<TableOptions>();
    auto* command =
        app.add_subcommand("table", "mean ± SEM over seeds of the runs' final evaluations, one row per experiment");
    command->add_option("logs", o->logs, "run logs, or folders searched for *.h5")->required();
    command->add_option("--csv", o->csv, "also write the table as CSV");
    command->add_option("--md", o->md, "also write the table as Markdown");
    command->add_flag("--overwrite", o->overwrite, "replace existing files at the --csv and --md paths");
    command->add_flag(
        "--per-epoch", o->per_epoch,
        "a row per experiment and evaluated epoch (e.g. after every night), not only the final evaluation");
    return {
        command, [o] {
            auto logs = find_logs(o->logs);
            if (logs.empty()) throw InputError("no *.h5 logs found in the given paths");
            const std::vector<std::filesystem::path> inputs(logs.begin(), logs.end());
            if (!o->md.empty()) check_output(o->md, inputs, Replace::if_asked, o->overwrite, "the Markdown table");
            if (!o->csv.empty()) check_output(o->csv, inputs, Replace::if_asked, o->overwrite, "the CSV table");
            if (!o->md.empty() && !o->csv.empty() && o->md == o->csv)
                throw UsageError("somnus table: --csv and --md name the same file, " + o->md);
            std::vector<RunMetrics> runs;
            std::vector<std::string> unfinished;
            for (const auto& log : logs) add_finished_run(log, o->per_epoch, runs, unfinished);
            for (const auto& u : unfinished) std::fprintf(stderr, "skipped %s\n", u.c_str());
            if (runs.empty()) throw InputError("none of the logs is of a finished run");
            auto rows = summarize_runs(runs);
            std::string text = table_markdown(rows);
            std::printf("%s", text.c_str());
            std::printf(
                "(mean ± SEM over the training seeds of each experiment; readout and occlusion in %% test accuracy)\n");
            if (!o->md.empty()) write_text_file(o->md, text);
            if (!o->csv.empty()) write_text_file(o->csv, table_csv(rows));
            return 0;
        }};
}

}  // namespace somnus::cli
