// `somnus validate SPEC`: check a spec, its data and its timeline without running it;
// with --resolved, print the resolved spec (every default filled in) instead.
#include <cstdio>
#include <memory>

#include "data/datasets.hpp"
#include "sim/cli/command.hpp"
#include "sim/eval/generated_images.hpp"
#include "sim/run/schedule.hpp"
#include "sim/spec/catalog.hpp"
#include "sim/spec/data_check.hpp"

namespace somnus::cli {

namespace {

std::string cycle_text(const ExperimentSpec& spec) {
    std::string text;
    for (const auto& s : spec.schedule.cycle) text += (text.empty() ? "" : " -> ") + s;
    return text;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
    auto o = std::make_shared<SpecOptions>();
    auto resolved = std::make_shared<bool>(false);
    auto* command = app.add_subcommand("validate", "check a spec without running it");
    add_spec_options(command, *o);
    command->add_flag("--resolved", *resolved,
                      "print the resolved spec: after extends and --set, every default filled in (what a log records)");
    return {command, [o, resolved] {
                auto spec = load(*o);
                check_data(spec);  // the data is there, and big enough
                check_image_classifier(spec.eval.generated_images, spec.data);
                const std::int64_t images = training_images(spec.data);
                // Expanded before anything is printed: an epoch left empty is a spec error.
                const std::string timeline = timeline_of(spec).describe();
                if (*resolved) {
                    std::printf("%s\n", spec.source.dump(2).c_str());
                    return 0;
                }
                std::printf("%s: ok (%zu modules, %zu pathways, cycle %s, %lld epochs of batch %lld)\n",
                            o->path.c_str(), spec.modules.size(), spec.pathways.size(), cycle_text(spec).c_str(),
                            static_cast<long long>(spec.schedule.epochs),
                            static_cast<long long>(spec.schedule.batch_size));
                for (const auto& m : spec.modules)
                    if (const auto* c = m.params.get_if<ConductorParams>())
                        for (const auto& d : c->doses) std::printf("  dose %s\n", describe_dose(d).c_str());
                for (const auto& m : spec.modules)
                    if (m.kind == ModuleKind::dream)
                        std::printf("  %s: %s\n", m.name.c_str(), find_dream_module_type(m.type)->summary.c_str());
                std::printf("timeline (%lld training images, %lld mini-batches a pass):\n",
                            static_cast<long long>(images), static_cast<long long>(images / spec.schedule.batch_size));
                for (std::size_t at = 0, end; at < timeline.size(); at = end + 1) {
                    end = timeline.find('\n', at);
                    std::printf("  %s\n", timeline.substr(at, end - at).c_str());
                }
                return 0;
            }};
}

}  // namespace somnus::cli
