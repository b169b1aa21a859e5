// `somnus schema`: the JSON Schema of a spec, made from the declarations of its
// keys that `somnus describe` lists (sim/spec/describe.hpp).
#include <iostream>

#include "sim/cli/command.hpp"
#include "sim/spec/describe.hpp"

namespace somnus::cli {

Command add_schema_command(CLI::App& app) {
    auto* command = app.add_subcommand(
        "schema", "print the JSON Schema of a spec (draft 2020-12), for editors: experiments/somnus.schema.json");
    return {command, [] {
                std::cout << spec_schema().dump(2) << "\n";
                return 0;
            }};
}

}  // namespace somnus::cli
