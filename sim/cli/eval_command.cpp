// `somnus eval SPEC --checkpoint MODEL | --untrained`: the spec's evaluations on a saved (or a fresh) encoder.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "sim/base/files.hpp"
#include "sim/base/writer_lock.hpp"
#include "sim/circuit/circuit.hpp"
#include "sim/cli/command.hpp"
#include "sim/eval/generated_images.hpp"
#include "sim/model/model.hpp"
#include "sim/record/hdf5_recorder.hpp"
#include "sim/record/progress.hpp"
#include "sim/run/runner.hpp"
#include "sim/spec/data_check.hpp"

namespace somnus::cli {

namespace {

struct EvalOptions {
    SpecOptions spec;
    std::string out, checkpoint;
    bool untrained = false, overwrite = false, areas_from_checkpoint = false;
};

// The spec with each of its areas replaced by the entry the model file records for
// the module playing that role (--areas-from-checkpoint).
ExperimentSpec with_recorded_areas(const ExperimentSpec& spec, const std::string& checkpoint) {
    const Json recorded = recorded_areas(checkpoint);
    if (!recorded.is_object())
        throw UsageError("somnus eval: " + checkpoint +
                         " records no areas (a model file written before somnus recorded them); give the spec its run "
                         "used instead of --areas-from-checkpoint");
    Json document = spec.source;
    for (const auto& [role, name] : area_roles(Circuit::build(spec))) {
        if (!recorded.contains(role) || !recorded[role].contains("spec"))
            throw UsageError("somnus eval: " + checkpoint + " holds no " + role + " for the spec's " + name);
        document["modules"][name] = recorded[role]["spec"];
    }
    return parse_spec(document);
}

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
    auto* from_checkpoint = command->add_flag(
        "--areas-from-checkpoint", o->areas_from_checkpoint,
        "evaluate the areas the model file records (their sizes and types), not the spec's own");
    from_checkpoint->needs(checkpoint);
    command->add_option("--out", o->out, "write the evaluation to this HDF5 file");
    command->add_flag("--overwrite", o->overwrite, "replace an existing file at the --out path");
    return {command, [o] {
                if (o->checkpoint.empty() && !o->untrained)
                    throw UsageError("somnus eval: give --checkpoint FILE or --untrained");
                std::vector<std::string> spec_files;
                auto spec = load(o->spec, "", &spec_files);
                if (o->areas_from_checkpoint) spec = with_recorded_areas(spec, o->checkpoint);
                check_data(spec);
                check_image_classifier(spec.eval.generated_images, spec.data);
                check_device(spec.device);
                std::vector<std::filesystem::path> inputs(spec_files.begin(), spec_files.end());
                if (!o->checkpoint.empty()) inputs.emplace_back(o->checkpoint);
                if (!o->out.empty())
                    check_output(o->out, inputs, Replace::if_asked, o->overwrite, "the evaluation's log");
                Runner runner(spec);
                ProgressPrinter progress;
                runner.attach(progress);
                std::unique_ptr<WriterLock> writer;
                std::unique_ptr<PartialFile> out;  // the log is written whole, then takes its name
                std::unique_ptr<Hdf5Recorder> recorder;
                if (!o->out.empty()) {
                    writer = std::make_unique<WriterLock>(o->out);
                    out = std::make_unique<PartialFile>(o->out);
                    recorder = std::make_unique<Hdf5Recorder>(out->path().string());
                    recorder->show_as(o->out);
                    runner.attach(*recorder);
                }
                auto report = runner.evaluate(o->checkpoint);
                recorder.reset();  // flushed and closed
                if (out) out->commit();
                std::printf("%s\n", summarize_evaluation(report).c_str());
                if (out) std::printf("log: %s\n", o->out.c_str());
                return 0;
            }};
}

}  // namespace somnus::cli
