// The command line: one file per subcommand (sim/cli/<name>_command.cpp), each
// adding its options to the CLI11 app and returning what it does when chosen.
// A new subcommand is one such file plus one line in main.cpp
// (docs/architecture.md). Errors are thrown (sim/base/errors.hpp); main.cpp
// prints them and maps them to the exit code.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/spec/spec.hpp"

namespace somnus::cli {

// A subcommand: its CLI11 node and what it does (returns the exit code).
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

Command add_run_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_graph_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_replicate_command(CLI::App& app);
Command add_table_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_summarize_command(CLI::App& app);
Command add_describe_command(CLI::App& app);
Command add_schema_command(CLI::App& app);
Command add_train_classifier_command(CLI::App& app);

// ---- shared by the subcommands ----------------------------------------------

// Set by Ctrl-C or SIGTERM once stop_at_a_checkpoint_on_signals() is called.
extern std::atomic<bool> stop_requested;
// For the commands that train: Ctrl-C and SIGTERM stop at a checkpoint, and over
// a file-size limit writes fail with an error instead of killing the process.
void stop_at_a_checkpoint_on_signals();

// A spec given on the command line, with its overrides.
struct SpecOptions {
    std::string path;
    std::vector<std::string> overrides;
    std::int64_t threads = -1;  // -1: as the spec says
    std::string device;         // "": as the spec says
};
void add_spec_options(CLI::App* command, SpecOptions& o, bool required = true);
void add_run_options(CLI::App* command, SpecOptions& o);  // --threads, --device

// Reads, overrides and checks the spec; `out` replaces record.path when given.
// `files`, when given, receives the spec file and those it extends.
ExperimentSpec load(const SpecOptions& o, const std::string& out = "", std::vector<std::string>* files = nullptr);

}  // namespace somnus::cli
