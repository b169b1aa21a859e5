// `somnus inspect LOG`: a run's log at a glance.
#include <iostream>
#include <memory>

#include "sim/cli/command.hpp"
#include "sim/results/inspect.hpp"

namespace somnus::cli {

namespace {

struct InspectOptions {
    std::string log;
    bool spec = false;
};

}  // namespace

Command add_inspect_command(CLI::App& app) {
    auto o = std::make_shared<InspectOptions>();
    auto* command =
        app.add_subcommand("inspect", "summarise a run's HDF5 log: attributes, what was recorded, how much");
    command->add_option("log", o->log, "HDF5 log written by `somnus run`")->required();
    command->add_flag("--spec", o->spec, "also print the spec the run used");
    return {command, [o] {
                std::cout << inspect_log(o->log, o->spec);
                return 0;
            }};
}

}  // namespace somnus::cli
