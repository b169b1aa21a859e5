// `somnus summarize FOLDER`: the table and plots of a folder of finished runs.
#include <iostream>
#include <memory>

#include "sim/cli/command.hpp"
#include "sim/results/summary.hpp"

namespace somnus::cli {

namespace {

struct SummarizeOptions {
    std::string folder;
    bool per_epoch = false, no_plots = false;
};

}  // namespace

Command add_summarize_command(CLI::App& app) {
    auto o = std::make_shared<SummarizeOptions>();
    auto* command = app.add_subcommand("summarize",
                                       "one table of a sweep's (or a folder's) finished runs, mean ± SEM per "
                                       "condition, as Markdown and CSV, and one plot per metric");
    command->add_option("folder", o->folder, "a sweep's out folder, or any folder of run logs")
        ->required()
        ->check(CLI::ExistingDirectory);
    command->add_flag("--per-epoch", o->per_epoch, "a row per condition and evaluated epoch (e.g. after every night)");
    command->add_flag("--no-plots", o->no_plots, "write the tables only");
    return {command, [o] {
                std::cout << summary_text(summarize_folder(o->folder, o->per_epoch, !o->no_plots));
                return 0;
            }};
}

}  // namespace somnus::cli
