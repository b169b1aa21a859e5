// `somnus export LOG`: a run's log as a MATLAB .mat file, or (--nwb) as an NWB file.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "sim/base/files.hpp"
#include "sim/cli/command.hpp"
#include "sim/results/export_mat.hpp"
#include "sim/results/export_nwb.hpp"

namespace somnus::cli {

namespace {

struct ExportOptions {
    std::string log, mat, nwb;
    NwbPeople people;
    bool overwrite = false;
};

}  // namespace

Command add_export_command(CLI::App& app) {
    auto o = std::make_shared<ExportOptions>();
    auto* command = app.add_subcommand(
        "export", "write a run's HDF5 log as a MATLAB .mat file (for Octave or load()), or as NWB (--nwb)");
    command->add_option("log", o->log, "HDF5 log written by `somnus run`")->required();
    auto* mat = command->add_option("--mat", o->mat, "output .mat file (default: the log's name with .mat)");
    command
        ->add_option("--nwb", o->nwb,
                     "write an NWB 2.x file instead (Neurodata Without Borders: DANDI, pynwb, MatNWB; docs/nwb.md)")
        ->excludes(mat);
    // What the log does not know and an archive asks for (nwbinspector suggests them).
    command->add_option("--experimenter", o->people.experimenters,
                        "NWB: who ran the simulation, \"Last, First\" (give it again for each person)")
        ->needs("--nwb");
    command->add_option("--institution", o->people.institution, "NWB: the institution where it was run")
        ->needs("--nwb");
    command->add_option("--lab", o->people.lab, "NWB: the lab where it was run")->needs("--nwb");
    command->add_flag("--overwrite", o->overwrite, "replace an existing file at the output path");
    return {command, [o] {
                if (!std::filesystem::is_regular_file(o->log)) throw InputError(o->log + ": file not found");
                if (!o->nwb.empty()) {
                    check_output(o->nwb, {o->log}, Replace::if_asked, o->overwrite, "the NWB file");
                    const NwbExport e = export_nwb(o->log, o->nwb, o->people);
                    std::printf("%s: %zu time series, %zu tables -> %s (NWB 2.7.0)\n", o->log.c_str(), e.time_series,
                                e.tables, o->nwb.c_str());
                    return 0;
                }
                const std::string mat =
                    o->mat.empty() ? std::filesystem::path(o->log).replace_extension(".mat").string() : o->mat;
                check_output(mat, {o->log}, Replace::if_asked, o->overwrite, "the .mat file");
                std::size_t n = export_mat(o->log, mat);
                std::printf("%s: %zu datasets -> %s (struct somnus_log)\n", o->log.c_str(), n, mat.c_str());
                return 0;
            }};
}

}  // namespace somnus::cli
