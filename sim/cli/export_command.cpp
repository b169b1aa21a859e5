// `somnus export LOG`: a run's log as a MATLAB .mat file.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "sim/cli/command.hpp"
#include "sim/results/export_mat.hpp"

namespace somnus::cli {

namespace {

struct ExportOptions {
    std::string log, mat;
};

}  // namespace

Command add_export_command(CLI::App& app) {
    auto o = std::make_shared<ExportOptions>();
    auto* command = app.add_subcommand("export", "write a run's HDF5 log as a MATLAB .mat file (for Octave or load())");
    command->add_option("log", o->log, "HDF5 log written by `somnus run`")->required();
    command->add_option("--mat", o->mat, "output .mat file (default: the log's name with .mat)");
    return {command, [o] {
                const std::string mat =
                    o->mat.empty() ? std::filesystem::path(o->log).replace_extension(".mat").string() : o->mat;
                std::size_t n = export_mat(o->log, mat);
                std::printf("%s: %zu datasets -> %s (struct somnus_log)\n", o->log.c_str(), n, mat.c_str());
                return 0;
            }};
}

}  // namespace somnus::cli
