// `somnus describe [NAME]`: what a spec can say, from the declarations of its
// keys (`somnus schema`, schema_command.cpp, makes the JSON Schema from them).
#include <iostream>
#include <memory>

#include "sim/batch/sweep.hpp"
#include "sim/cli/command.hpp"
#include "sim/spec/describe.hpp"

namespace somnus::cli {

Command add_describe_command(CLI::App& app) {
    struct Options {
        std::string name;
        bool markdown = false;
    };
    auto o = std::make_shared<Options>();
    auto* command = app.add_subcommand(
        "describe", "list what a spec can say: every section and type, or one's keys with defaults, ranges and units");
    command->add_option("name", o->name, "a section (schedule, eval, ...), module type, dream module or brain state");
    command->add_flag("--markdown", o->markdown, "every table as Markdown (docs/parameters.md)");
    return {command, [o] {
                if (o->markdown && !o->name.empty())
                    throw UsageError("somnus describe: --markdown prints every table; give no NAME");
                if (o->markdown)
                    std::cout << parameters_markdown()
                              << "\n## Sweep files\n\nThe keys of a sweep file ([sweeps.md](sweeps.md)), "
                                 "declared where `somnus sweep` reads them (sim/batch/sweep.cpp); "
                                 "`somnus schema --sweep` makes their JSON Schema.\n\n"
                              << parameter_set_markdown(sweep_file_parameters());
                else if (o->name.empty())
                    std::cout << overview_text();
                else
                    std::cout << describe_text(find_described(o->name));
                return 0;
            }};
}

}  // namespace somnus::cli
