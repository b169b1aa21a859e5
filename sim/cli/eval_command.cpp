// `somnus eval SPEC --checkpoint MODEL | --untrained`: the spec's evaluations on a saved (or a fresh) encoder.
#include <cstdio>
#include <memory>

#include "sim/base/writer_lock.hpp"
#include "sim/cli/command.hpp"
#include "sim/record/hdf5_recorder.hpp"
#include "sim/record/progress.hpp"
#include "sim/run/runner.hpp"
#include "sim/spec/data_check.hpp"

namespace somnus::cli {

namespace {

struct EvalOptions {
    SpecOptions spec;
    std::string out, checkpoint;
    bool untrained = false;
};

}  // namespace

Command add_eval_command(CLI::App& app) {
    auto o = std::make_shared<EvalOptions>();
    auto* command = app.add_subcommand(
        "eval", "evaluate a trained (or untrained) model: linear readout, latent geometry, PCA, wake/sleep overlap");
    add_spec_options(command, o->spec);
    add_run_options(command, o->spec);
    auto* checkpoint = command->add_option("--checkpoint", o->checkpoint, "model saved by `somnus run` (.pt)")
                           ->check(CLI::ExistingFile);
    command->add_flag("--untrained", o->untrained, "evaluate a freshly initialised encoder (the random baseline)")
        ->excludes(checkpoint);
    command->add_option("--out", o->out, "write the evaluation to this HDF5 file");
    return {command, [o] {
                if (o->checkpoint.empty() && !o->untrained)
                    throw UsageError("somnus eval: give --checkpoint FILE or --untrained");
                auto spec = load(o->spec);
                check_data(spec);
                check_device(spec.device);
                Runner runner(spec);
                ProgressPrinter progress;
                runner.attach(progress);
                std::unique_ptr<WriterLock> writer;
                std::unique_ptr<Hdf5Recorder> recorder;
                if (!o->out.empty()) {
                    writer = std::make_unique<WriterLock>(o->out);
                    recorder = std::make_unique<Hdf5Recorder>(o->out);
                    runner.attach(*recorder);
                }
                auto report = runner.evaluate(o->checkpoint);
                std::printf("%s\n", summarize_evaluation(report).c_str());
                return 0;
            }};
}

}  // namespace somnus::cli
