// somnus: learning-during-sleep experiments on cortical models.
//   somnus run SPEC | validate SPEC | graph SPEC | eval SPEC | inspect LOG | export LOG
//          | replicate SPEC... | table LOG... | sweep SWEEP | summarize DIR | describe [NAME] | schema
//          | train-classifier SPEC
// One file per subcommand (sim/cli/*_command.cpp); errors map to exit codes in
// sim/base/errors.hpp: 0 ok, 1 runtime error (data, I/O, interruption), 2 usage or spec error.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "sim/cli/command.hpp"
#include "sim/run/runtime.hpp"
#include "sim/spec/catalog.hpp"

namespace {

int run_main(int argc, char** argv) {
    using namespace somnus;
    CLI::App app{"somnus: learning-during-sleep experiments on cortical models (PAD, wake-sleep)"};
    app.require_subcommand(1);
    app.set_version_flag(
        "--version", [] { return version_text(); }, "print the version, git commit, LibTorch and CUDA");
    std::string states_help = "Brain-state types:";
    for (const auto& t : state_types()) states_help += "\n  " + t.name + ": " + t.summary;
    app.footer(states_help + "\n\nExit codes: 0 ok, 1 runtime error, 2 usage or spec error.");

    const std::vector<cli::Command> commands = {
        cli::add_run_command(app),       cli::add_validate_command(app), cli::add_graph_command(app),
        cli::add_eval_command(app),      cli::add_inspect_command(app),  cli::add_export_command(app),
        cli::add_replicate_command(app), cli::add_table_command(app),    cli::add_sweep_command(app),
        cli::add_summarize_command(app), cli::add_describe_command(app), cli::add_schema_command(app),
        cli::add_train_classifier_command(app),
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_usage;
    }
    try {
        for (const auto& command : commands)
            if (*command.app) return command.run();
        return exit_usage;
    } catch (const SpecError& e) {
        std::fprintf(stderr, "somnus: %s\n", e.what());
        return exit_code(e);
    } catch (const UsageError& e) {
        std::cout.flush();
        std::fprintf(stderr, "%s\n", e.what());  // it names the command
        return exit_code(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "somnus: error: %s\n", error_text(e).c_str());
        return exit_code(e);
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Over a file-size limit (ulimit -f) a write fails with EFBIG, reported as an error
    // naming the file, instead of killing the process and leaving a partial file behind.
    std::signal(SIGXFSZ, SIG_IGN);
    const int code = run_main(argc, argv);
    // Leave without the HDF5 library's exit handler: after a failed write (a full
    // disk) it would close the damaged file again and crash. Every log is already
    // closed (LogFile closes it after each flush).
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(code);
}
