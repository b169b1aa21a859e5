// `somnus run SPEC`: train over the spec's schedule, record, evaluate; resume
// (--resume LOG) or continue (--continue) an interrupted run.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "sim/base/files.hpp"
#include "sim/base/writer_lock.hpp"
#include "sim/circuit/circuit.hpp"
#include "sim/cli/command.hpp"
#include "sim/cli/next_steps.hpp"
#include "sim/eval/generated_images.hpp"
#include "sim/record/hdf5_recorder.hpp"
#include "sim/record/progress.hpp"
#include "sim/record/status_file.hpp"
#include "sim/results/log_reading.hpp"
#include "sim/results/tables.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/schedule.hpp"
#include "sim/spec/data_check.hpp"

namespace somnus::cli {

namespace {

struct RunOptions {
    SpecOptions spec;
    std::string out, resume_log;
    bool overwrite = false, continue_run = false;
};

// The spec a log records, to resume its run (threads and device may be changed).
ExperimentSpec recorded_spec(const std::string& log, const SpecOptions& o) {
    const RecordedRun recorded = read_recorded_run(log);
    if (recorded.spec.is_null()) throw InputError(log + ": not a somnus run log (no \"spec\" attribute)");
    if (recorded.status == RunStatus::finished)
        throw InputError(log + ": the run finished; there is nothing to resume");
    Json document = recorded.spec;
    document["record"]["path"] = log;
    if (o.threads >= 0) document["threads"] = o.threads;
    if (!o.device.empty()) document["device"] = o.device;
    return parse_spec(document);
}

int run(RunOptions o) {
    bool resume = !o.resume_log.empty();
    if (resume && (!o.spec.path.empty() || !o.spec.overrides.empty() || !o.out.empty() || o.overwrite))
        throw UsageError(
            "somnus run --resume: the run goes on with the spec its log records; give no spec, --set, --out or "
            "--overwrite");
    if (!resume && o.spec.path.empty()) throw UsageError("somnus run: give a spec, or --resume LOG");
    if (resume && o.continue_run) throw UsageError("somnus run: give --resume LOG or a spec with --continue, not both");
    std::vector<std::string> spec_files;  // the spec and those it extends: never written over
    auto spec = resume ? recorded_spec(o.resume_log, o.spec) : load(o.spec, o.out, &spec_files);
    check_data(spec);
    check_image_classifier(spec.eval.generated_images, spec.data);  // before training, not after it
    timeline_of(spec);          // an epoch left empty is a spec error before anything is written
    check_device(spec.device);  // a missing GPU is an error before the log is opened
    const std::string& log = spec.record.path;
    const std::string model = checkpoint_path_for(log);
    if (model == log)
        throw UsageError("somnus: " + log + ": a log named .pt would be its own model file; give a log path ending in .h5");
    const std::vector<std::filesystem::path> inputs(spec_files.begin(), spec_files.end());
    check_output(log, inputs, Replace::always, false, "the run's log");  // a folder, or an input, whatever --overwrite says
    check_output(model, inputs, Replace::always, false, "the run's model");
    if (!resume && !o.continue_run && !o.overwrite && !std::filesystem::exists(log) && std::filesystem::exists(model))
        throw UsageError("somnus: " + model + " exists (the model of a run whose log " + log +
                         " is gone?); give --overwrite to replace it, or --out to write elsewhere");
    const WriterLock writer(spec.record.path);  // one run at a time writes a log
    if (o.continue_run && !o.overwrite) {
        const auto previous = previous_run(spec.record.path, spec.source);
        if (previous.kind != PreviousRun::none && !previous.difference.empty())
            throw UsageError("somnus: " + spec.record.path + " holds a run of a different spec (" +
                             previous.difference + "); give --overwrite to replace it, or --out to write elsewhere");
        if (previous.kind == PreviousRun::finished) {
            std::printf("%s: finished earlier with this spec; nothing to do. Its results:\n%s%s",
                        spec.record.path.c_str(),
                        table_markdown(summarize_runs({read_run_metrics(spec.record.path)})).c_str(),
                        next_steps_text(spec.record.path).c_str());
            return 0;
        }
        if (previous.kind == PreviousRun::resumable) {
            resume = true;
            std::printf("%s: resuming the interrupted run (status: %s) from %s\n", spec.record.path.c_str(),
                        previous.status.text().c_str(), resume_path_for(spec.record.path).c_str());
        } else if (previous.kind == PreviousRun::unfinished) {
            o.overwrite = true;  // no checkpoint: the run starts over
            std::printf("%s: no checkpoint of the unfinished run (status: %s); starting over\n",
                        spec.record.path.c_str(), previous.status.text().c_str());
        }
        std::fflush(stdout);
    }
    if (!resume && std::filesystem::exists(spec.record.path) && !o.overwrite)
        throw UsageError("somnus: " + spec.record.path +
                         " exists; give --overwrite to replace it, --out to write elsewhere, or --resume " +
                         spec.record.path + " to continue it if it was interrupted");
    Runner runner(spec);
    Hdf5Recorder recorder(spec.record.path, resume);
    ProgressPrinter progress;
    StatusFileWriter status_file(spec.record.path);  // for batches of runs, and anyone watching
    runner.attach(progress);
    runner.attach(recorder);
    runner.attach(status_file);
    stop_at_a_checkpoint_on_signals();
    RunResult result;
    try {
        result = runner.run(&stop_requested, resume);
    } catch (const Diverged&) {
        throw;  // resuming would diverge again
    } catch (const std::exception& e) {
        // A full disk, a log removed under the run, ...: once the cause is fixed, the run goes on.
        std::fprintf(stderr, "somnus: error: %s\n", error_text(e).c_str());
        if (std::filesystem::exists(resume_path_for(spec.record.path)))
            std::fprintf(
                stderr,
                "somnus: the last checkpoint is kept; once the cause is fixed, continue with: somnus run --resume %s\n",
                spec.record.path.c_str());
        return exit_failed;
    }
    if (result.evaluation) std::printf("%s\n", summarize_evaluation(*result.evaluation).c_str());
    std::printf("log: %s\n", recorder.path().c_str());
    if (!result.checkpoint.empty()) std::printf("model: %s\n", result.checkpoint.c_str());
    if (result.status != RunStatus::finished) {
        std::fprintf(stderr,
                     "somnus: run %s; the log keeps every step so far; continue it with: somnus run --resume %s\n",
                     result.status.text().c_str(), recorder.path().c_str());
        return exit_failed;
    }
    std::printf("%s", next_steps_text(recorder.path()).c_str());
    return exit_ok;
}

}  // namespace

Command add_run_command(CLI::App& app) {
    auto o = std::make_shared<RunOptions>();
    auto* command = app.add_subcommand("run", "train the model over the spec's schedule, then evaluate");
    add_spec_options(command, o->spec, /*required=*/false);
    add_run_options(command, o->spec);
    command->add_option("--out", o->out, "HDF5 log path (default: the spec's record.path)");
    command->add_flag("--overwrite", o->overwrite, "replace an existing log (and its model) at the output path");
    command
        ->add_option("--resume", o->resume_log,
                     "continue the interrupted run whose log this is, from its checkpoint (LOG.resume.pt), with the "
                     "spec it records")
        ->check(CLI::ExistingFile);
    command->add_flag(
        "--continue", o->continue_run,
        "if the log exists: do nothing when that run finished, resume it when it has a checkpoint, else start "
        "over; refuse a log of a different spec (what sweeps, replicates and Slurm tasks use)");
    return {command, [o] { return run(*o); }};
}

}  // namespace somnus::cli
