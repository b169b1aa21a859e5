// `somnus graph SPEC`: the spec's circuit as GraphViz DOT.
#include <iostream>
#include <memory>

#include "sim/circuit/circuit.hpp"
#include "sim/cli/command.hpp"

namespace somnus::cli {

Command add_graph_command(CLI::App& app) {
    auto o = std::make_shared<SpecOptions>();
    auto* command = app.add_subcommand("graph", "print the spec's circuit as GraphViz DOT");
    add_spec_options(command, *o);
    return {command, [o] {
                auto spec = load(*o);
                std::cout << Circuit::build(spec).to_dot(spec.name);
                return 0;
            }};
}

}  // namespace somnus::cli
