// `somnus replicate SPEC... --seeds N`: every spec at every seed, as a sweep
// without axes through the batch engine (sim/batch/engine.hpp).
#include <iostream>
#include <memory>

#include "data/datasets.hpp"
#include "sim/batch/engine.hpp"
#include "sim/cli/command.hpp"
#include "sim/eval/generated_images.hpp"
#include "sim/run/schedule.hpp"
#include "sim/spec/data_check.hpp"

namespace somnus::cli {

namespace {

struct ReplicateOptions {
    std::vector<std::string> specs, sets;
    std::string seeds = "4", out = "runs/replicates", device;
    std::int64_t jobs = 0, threads = 0;
};

}  // namespace

Command add_replicate_command(CLI::App& app) {
    auto o = std::make_shared<ReplicateOptions>();
    auto* command = app.add_subcommand("replicate",
                                       "run specs over several training seeds (child processes), then print "
                                       "the table of mean ± SEM");
    command->add_option("specs", o->specs, "experiment specs (JSON)")->required()->check(CLI::ExistingFile);
    command->add_option("--seeds", o->seeds, "N (seeds 0..N-1), a list 0,3,7 or a range 10-13")->capture_default_str();
    command->add_option("--jobs", o->jobs, "runs at a time (0 = one per core, memory permitting)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1024));
    command->add_option("--threads", o->threads, "threads per run (0 = cores / jobs)")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    command->add_option("--out", o->out, "folder of the runs: OUT/<experiment>/seed_K.h5, OUT/summary.{md,csv}")
        ->capture_default_str();
    command->add_option("--set", o->sets, "override a spec value in every run: key.path=value (repeatable)");
    command->add_option("--device", o->device, "auto, cpu, cuda or cuda:N; overrides the specs");
    return {command, [o] {
                std::vector<std::int64_t> seeds;
                try {
                    seeds = parse_seeds(o->seeds);
                } catch (const std::invalid_argument& e) {
                    throw UsageError(std::string("somnus replicate: --seeds: ") + e.what());
                }
                std::vector<std::pair<std::string, std::string>> names;  // every spec is checked before anything runs
                for (const auto& path : o->specs) {
                    SpecOptions so;
                    so.path = path;
                    so.overrides = o->sets;
                    auto spec = load(so);
                    check_data(spec);
                    check_image_classifier(spec.eval.generated_images, spec.data);
                    timeline_of(spec);
                    for (const auto& [name, other] : names)
                        if (name == spec.name)
                            throw SpecError("/name", path + " and " + other + " are both named \"" + spec.name +
                                                         "\"; their logs would share a folder");
                    names.emplace_back(spec.name, path);
                }
                SweepSpec batch = replicate_sweep(o->specs, seeds, o->out);
                batch.set = o->sets;
                if (!o->device.empty()) batch.set.push_back("device=" + o->device);
                batch.jobs = o->jobs;
                batch.threads = o->threads;
                stop_at_a_checkpoint_on_signals();
                return run_batch_of_runs(batch, BatchCommand{}, std::cout, &stop_requested);
            }};
}

}  // namespace somnus::cli
