// somnus: learning-during-sleep experiments on cortical models.
//   somnus run SPEC | validate SPEC | graph SPEC | eval SPEC | inspect LOG | export LOG
//          | replicate SPEC... | table LOG... | sweep SWEEP | summarize DIR
// Exit codes: 0 ok, 1 runtime error (data, I/O, interruption), 2 usage or spec error.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "data/datasets.hpp"
#include "dreams/dream_registry.hpp"
#include "sim/circuit.hpp"
#include "sim/hdf5_reading.hpp"
#include "sim/hdf5_recorder.hpp"
#include "sim/export_mat.hpp"
#include "sim/inspect.hpp"
#include "sim/progress.hpp"
#include "sim/replicate.hpp"
#include "sim/runner.hpp"
#include "sim/schedule.hpp"
#include "sim/spec_reader.hpp"
#include "sim/state_registry.hpp"
#include "sim/summary.hpp"
#include "sim/sweep_command.hpp"
#include "sim/text_file.hpp"
#include "sim/batch.hpp"

namespace {

std::atomic<bool> stop_requested{false};

void on_interrupt(int) {
    stop_requested = true;
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C kills at once
}

// For the commands that train: Ctrl-C and SIGTERM stop at a checkpoint, and over
// a file-size limit writes fail with an error instead of killing the process.
void stop_at_a_checkpoint_on_signals() {
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
}

struct SpecOptions {
    std::string path;
    std::vector<std::string> overrides;
    std::int64_t threads = -1;
    std::string device;
};

void add_spec_options(CLI::App* command, SpecOptions& o, bool required = true) {
    auto* spec = command->add_option("spec", o.path, "experiment spec (JSON)")->check(CLI::ExistingFile);
    if (required) spec->required();
    command->add_option("--set", o.overrides, "override a spec value: key.path=value (repeatable)");
}

void add_run_options(CLI::App* command, SpecOptions& o) {
    command->add_option("--threads", o.threads, "CPU threads for LibTorch (0 = all cores); overrides the spec");
    command->add_option("--device", o.device, "auto, cpu, cuda or cuda:N; overrides the spec");
}

somnus::ExperimentSpec load(const SpecOptions& o, const std::string& out = "") {
    somnus::Json document = somnus::load_spec_file(o.path);
    if (!document.is_object()) throw somnus::SpecError("/", "expected an object, got " + somnus::json_type_name(document));
    for (const auto& assignment : o.overrides) somnus::apply_override(document, assignment);
    if (o.threads >= 0) document["threads"] = o.threads;
    if (!o.device.empty()) document["device"] = o.device;
    if (!out.empty()) {
        if (document.contains("record") && !document["record"].is_object())
            throw somnus::SpecError("/record", "expected an object, got " + somnus::json_type_name(document["record"]));
        document["record"]["path"] = out;
    }
    return somnus::parse_spec(document);
}

// The spec a log records, to resume its run (threads and device may be changed).
somnus::ExperimentSpec recorded_spec(const std::string& log, const SpecOptions& o) {
    hid_t file = somnus::open_for_reading(log);
    const std::string text = somnus::read_attribute(file, "spec");
    const std::string status = somnus::read_attribute(file, "status");
    H5Fclose(file);
    if (text.empty()) throw std::runtime_error(log + ": not a somnus run log (no \"spec\" attribute)");
    if (status == "finished") throw std::runtime_error(log + ": the run finished; there is nothing to resume");
    somnus::Json document = somnus::Json::parse(text);
    document["record"]["path"] = log;
    if (o.threads >= 0) document["threads"] = o.threads;
    if (!o.device.empty()) document["device"] = o.device;
    return somnus::parse_spec(document);
}

std::string cycle_text(const somnus::ExperimentSpec& spec) {
    std::string text;
    for (const auto& s : spec.schedule.cycle) text += (text.empty() ? "" : " -> ") + s;
    return text;
}

}  // namespace

int run_main(int argc, char** argv) {
    CLI::App app{"somnus: learning-during-sleep experiments on cortical models (PAD, wake-sleep)"};
    app.require_subcommand(1);
    std::string states_help = "Brain-state types:";
    for (const auto& t : somnus::state_types()) states_help += "\n  " + t.name + ": " + t.summary;
    app.footer(states_help + "\n\nExit codes: 0 ok, 1 runtime error, 2 usage or spec error.");

    SpecOptions run_o, validate_o, graph_o, eval_o;
    std::string run_out, eval_out, checkpoint;
    bool untrained = false;

    auto* run = app.add_subcommand("run", "train the model over the spec's schedule, then evaluate");
    add_spec_options(run, run_o, /*required=*/false);
    add_run_options(run, run_o);
    run->add_option("--out", run_out, "HDF5 log path (default: the spec's record.path)");
    bool overwrite = false;
    run->add_flag("--overwrite", overwrite, "replace an existing log (and its model) at the output path");
    std::string resume_log;
    run->add_option("--resume", resume_log,
                    "continue the interrupted run whose log this is, from its checkpoint (LOG.resume.pt), with the spec it records")
        ->check(CLI::ExistingFile);
    bool continue_run = false;
    run->add_flag("--continue", continue_run,
                  "if the log exists: do nothing when that run finished, resume it when it has a checkpoint, else start "
                  "over; refuse a log of a different spec (what sweeps, replicates and Slurm tasks use)");

    auto* validate = app.add_subcommand("validate", "check a spec without running it");
    add_spec_options(validate, validate_o);

    auto* graph = app.add_subcommand("graph", "print the spec's circuit as GraphViz DOT");
    add_spec_options(graph, graph_o);

    auto* eval = app.add_subcommand("eval", "evaluate a trained (or untrained) model: linear readout, latent geometry, PCA, wake/sleep overlap");
    add_spec_options(eval, eval_o);
    add_run_options(eval, eval_o);
    auto* ckpt = eval->add_option("--checkpoint", checkpoint, "model saved by `somnus run` (.pt)")->check(CLI::ExistingFile);
    eval->add_flag("--untrained", untrained, "evaluate a freshly initialised encoder (the random baseline)")->excludes(ckpt);
    eval->add_option("--out", eval_out, "write the evaluation to this HDF5 file");

    std::string inspect_path;
    bool inspect_spec = false;
    auto* inspect = app.add_subcommand("inspect", "summarise a run's HDF5 log: attributes, what was recorded, how much");
    inspect->add_option("log", inspect_path, "HDF5 log written by `somnus run`")->required();
    inspect->add_flag("--spec", inspect_spec, "also print the spec the run used");

    std::string export_path, export_mat_path;
    auto* export_command = app.add_subcommand("export", "write a run's HDF5 log as a MATLAB .mat file (for Octave or load())");
    export_command->add_option("log", export_path, "HDF5 log written by `somnus run`")->required();
    export_command->add_option("--mat", export_mat_path, "output .mat file (default: the log's name with .mat)");

    std::vector<std::string> replicate_specs, replicate_sets;
    std::string replicate_seeds = "4", replicate_out = "runs/replicates", replicate_device;
    std::int64_t replicate_jobs = 1, replicate_threads = 0;
    auto* replicate = app.add_subcommand("replicate", "run specs over several training seeds (child processes), then print "
                                                      "the table of mean ± SEM");
    replicate->add_option("specs", replicate_specs, "experiment specs (JSON)")->required()->check(CLI::ExistingFile);
    replicate->add_option("--seeds", replicate_seeds, "N (seeds 0..N-1), a list 0,3,7 or a range 10-13")->capture_default_str();
    replicate->add_option("--jobs", replicate_jobs, "runs at a time")->capture_default_str()->check(CLI::Range(1, 1024));
    replicate->add_option("--threads", replicate_threads, "threads per run (0 = cores / jobs)")->capture_default_str()->check(CLI::Range(0, 4096));
    replicate->add_option("--out", replicate_out, "folder of the logs: OUT/<experiment>/seed_K.h5, OUT/table.{md,csv}")->capture_default_str();
    replicate->add_option("--set", replicate_sets, "override a spec value in every run: key.path=value (repeatable)");
    replicate->add_option("--device", replicate_device, "auto, cpu, cuda or cuda:N; overrides the specs");

    std::vector<std::string> table_logs;
    std::string table_csv_path, table_md_path;
    auto* table = app.add_subcommand("table", "mean ± SEM over seeds of the runs' final evaluations, one row per experiment");
    table->add_option("logs", table_logs, "run logs, or folders searched for *.h5")->required();
    table->add_option("--csv", table_csv_path, "also write the table as CSV");
    table->add_option("--md", table_md_path, "also write the table as Markdown");
    bool table_per_epoch = false;
    table->add_flag("--per-epoch", table_per_epoch, "a row per experiment and evaluated epoch (e.g. after every night), not only the final evaluation");

    somnus::SweepCommandOptions sweep_o;
    auto* sweep = app.add_subcommand("sweep", "run a sweep: base specs x varied spec values x seeds, here N at a time or as a "
                                              "Slurm job array; rerunning skips finished runs and resumes interrupted ones");
    sweep->add_option("sweep", sweep_o.file, "sweep file (JSON with a \"sweep\" key)")->required()->check(CLI::ExistingFile);
    sweep->add_flag("--dry-run", sweep_o.dry_run, "check every run and list them; write nothing");
    sweep->add_flag("--overwrite", sweep_o.overwrite, "redo runs whose logs hold a different spec (the sweep changed)");
    auto optional_int = [](CLI::App* c, const char* name, std::optional<std::int64_t>& into, const char* help, std::int64_t lo) {
        c->add_option_function<std::int64_t>(name, [&into](const std::int64_t& v) { into = v; }, help)->check(CLI::Range(lo, std::int64_t(1) << 40));
    };
    auto optional_text = [](CLI::App* c, const char* name, std::optional<std::string>& into, const char* help) {
        c->add_option_function<std::string>(name, [&into](const std::string& v) { into = v; }, help);
    };
    optional_int(sweep, "--jobs", sweep_o.jobs, "runs at a time on this machine (overrides the sweep's \"jobs\")", 1);
    optional_int(sweep, "--threads", sweep_o.threads, "threads per run (0 = cores / jobs)", 0);
    optional_text(sweep, "--out", sweep_o.out, "folder of the sweep (overrides the sweep's \"out\")");
    sweep->add_option("--set", sweep_o.set, "override a spec value in every run: key.path=value (repeatable; after the sweep's \"set\")");
    optional_text(sweep, "--seeds", sweep_o.seeds, "training seeds instead of the sweep's: N (0..N-1), a list 0,3,7 or a range 10-13");
    sweep->add_option("--status-every", sweep_o.status_every, "seconds between status blocks")->capture_default_str()->check(CLI::Range(1.0, 86400.0));
    sweep->add_flag("--slurm", sweep_o.slurm, "write OUT/slurm/sweep.sbatch, a job array with one task per run, instead of running here");
    sweep->add_flag("--submit", sweep_o.submit, "with --slurm: submit it with sbatch");
    optional_text(sweep, "--partition", sweep_o.partition, "Slurm partition");
    optional_text(sweep, "--time", sweep_o.time, "Slurm time limit per run, e.g. 02:00:00");
    optional_text(sweep, "--mem", sweep_o.mem, "Slurm memory per run, e.g. 4G");
    optional_text(sweep, "--account", sweep_o.account, "Slurm account");
    optional_text(sweep, "--qos", sweep_o.qos, "Slurm QOS");
    optional_int(sweep, "--cpus", sweep_o.cpus, "Slurm CPUs per run (its --threads)", 1);
    optional_int(sweep, "--gpus", sweep_o.gpus, "Slurm GPUs per run", 0);
    optional_int(sweep, "--max-parallel", sweep_o.max_parallel, "Slurm array tasks running at once", 1);

    std::string summarize_dir;
    bool summarize_per_epoch = false, summarize_no_plots = false;
    auto* summarize = app.add_subcommand("summarize", "one table of a sweep's (or a folder's) finished runs, mean ± SEM per "
                                                      "condition, as Markdown and CSV, and one plot per metric");
    summarize->add_option("folder", summarize_dir, "a sweep's out folder, or any folder of run logs")->required()->check(CLI::ExistingDirectory);
    summarize->add_flag("--per-epoch", summarize_per_epoch, "a row per condition and evaluated epoch (e.g. after every night)");
    summarize->add_flag("--no-plots", summarize_no_plots, "write the tables only");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    try {
        if (*validate) {
            auto spec = load(validate_o);
            somnus::dataset_files(spec.data);  // the data is there
            std::printf("%s: ok (%zu modules, %zu pathways, cycle %s, %lld epochs of batch %lld)\n",
                        validate_o.path.c_str(), spec.modules.size(), spec.pathways.size(), cycle_text(spec).c_str(),
                        static_cast<long long>(spec.schedule.epochs), static_cast<long long>(spec.schedule.batch_size));
            for (const auto& m : spec.modules)
                if (const auto* c = std::get_if<somnus::ConductorParams>(&m.params))
                    for (const auto& d : c->doses) std::printf("  dose %s\n", somnus::describe_dose(d).c_str());
            for (const auto& m : spec.modules)
                if (m.kind == somnus::ModuleKind::dream)
                    std::printf("  %s: %s\n", m.name.c_str(), somnus::find_dream_module_type(m.type)->summary.c_str());
            const std::int64_t images = somnus::training_images(spec.data);
            std::printf("timeline (%lld training images, %lld mini-batches a pass):\n", static_cast<long long>(images),
                        static_cast<long long>(images / spec.schedule.batch_size));
            std::string timeline = somnus::expand_schedule(spec, images / spec.schedule.batch_size).describe();
            for (std::size_t at = 0, end; at < timeline.size(); at = end + 1) {
                end = timeline.find('\n', at);
                std::printf("  %s\n", timeline.substr(at, end - at).c_str());
            }
            return 0;
        }
        if (*inspect) {
            std::cout << somnus::inspect_log(inspect_path, inspect_spec);
            return 0;
        }
        if (*export_command) {
            if (export_mat_path.empty())
                export_mat_path = std::filesystem::path(export_path).replace_extension(".mat").string();
            std::size_t n = somnus::export_mat(export_path, export_mat_path);
            std::printf("%s: %zu datasets -> %s (struct somnus_log)\n", export_path.c_str(), n, export_mat_path.c_str());
            return 0;
        }
        auto write_text = [](const std::string& path, const std::string& text) {
            if (!path.empty()) somnus::write_text_file(path, text);
        };
        auto print_table = [&](const std::vector<std::string>& logs, const std::string& csv, const std::string& md, bool per_epoch) {
            std::vector<somnus::RunMetrics> runs;
            std::vector<std::string> unfinished;
            for (const auto& log : logs) somnus::add_finished_run(log, per_epoch, runs, unfinished);
            for (const auto& u : unfinished) std::fprintf(stderr, "skipped %s\n", u.c_str());
            if (runs.empty()) throw std::runtime_error("none of the logs is of a finished run");
            auto rows = somnus::summarize_runs(runs);
            std::string text = somnus::table_markdown(rows);
            std::printf("%s", text.c_str());
            std::printf("(mean ± SEM over the training seeds of each experiment; readout and occlusion in %% test accuracy)\n");
            write_text(md, text);
            write_text(csv, somnus::table_csv(rows));
        };
        if (*summarize) {
            std::cout << somnus::summary_text(somnus::summarize_folder(summarize_dir, summarize_per_epoch, !summarize_no_plots));
            return 0;
        }
        if (*sweep) {
            if (sweep_o.submit && !sweep_o.slurm) {
                std::fprintf(stderr, "somnus sweep: --submit goes with --slurm\n");
                return 2;
            }
            stop_at_a_checkpoint_on_signals();
            try {
                return somnus::run_sweep_command(sweep_o, std::cout, &stop_requested);
            } catch (const somnus::SpecError& e) {
                std::cout.flush();
                std::fprintf(stderr, "somnus: %s: sweep error at %s: %s\n", sweep_o.file.c_str(),
                             e.pointer().empty() ? "/" : e.pointer().c_str(), e.message().c_str());
                return 2;
            }
        }
        if (*table) {
            auto logs = somnus::find_logs(table_logs);
            if (logs.empty()) throw std::runtime_error("no *.h5 logs found in the given paths");
            print_table(logs, table_csv_path, table_md_path, table_per_epoch);
            return 0;
        }
        if (*replicate) {
            somnus::ReplicateOptions o;
            try {
                o.seeds = somnus::parse_seeds(replicate_seeds);
            } catch (const std::invalid_argument& e) {
                std::fprintf(stderr, "somnus replicate: --seeds: %s\n", e.what());
                return 2;
            }
            for (const auto& path : replicate_specs) {  // every spec is checked before anything runs
                SpecOptions so;
                so.path = path;
                so.overrides = replicate_sets;
                auto spec = load(so);
                somnus::dataset_files(spec.data);
                for (const auto& job : o.specs)
                    if (job.experiment == spec.name)
                        throw somnus::SpecError("/name", path + " and " + job.spec + " are both named \"" + spec.name +
                                                            "\"; their logs would share a folder");
                o.specs.push_back({path, spec.name});
            }
            o.jobs = replicate_jobs;
            o.threads = replicate_threads;
            o.out = replicate_out;
            o.overrides = replicate_sets;
            o.device = replicate_device;
            stop_at_a_checkpoint_on_signals();
            int failures = 0;
            auto logs = somnus::replicate(o, std::cout, failures, &stop_requested);
            if (!logs.empty()) {
                namespace fs = std::filesystem;
                print_table(logs, (fs::path(o.out) / "table.csv").string(), (fs::path(o.out) / "table.md").string(), false);
                std::printf("table: %s/table.md, %s/table.csv\n", o.out.c_str(), o.out.c_str());
            }
            if (failures > 0) {
                std::fprintf(stderr, "somnus replicate: %d run%s did not finish; run the same command again to redo them\n",
                             failures, failures == 1 ? "" : "s");
                return 1;
            }
            return 0;
        }
        if (*graph) {
            auto spec = load(graph_o);
            std::cout << somnus::Circuit::build(spec).to_dot(spec.name);
            return 0;
        }
        if (*eval) {
            if (checkpoint.empty() && !untrained) {
                std::fprintf(stderr, "somnus eval: give --checkpoint FILE or --untrained\n");
                return 2;
            }
            auto spec = load(eval_o);
            somnus::check_device(spec.device);
            somnus::Runner runner(spec);
            somnus::ProgressPrinter progress;
            runner.attach(progress);
            std::unique_ptr<somnus::Hdf5Recorder> recorder;
            if (!eval_out.empty()) {
                recorder = std::make_unique<somnus::Hdf5Recorder>(eval_out);
                runner.attach(*recorder);
            }
            auto report = runner.evaluate(checkpoint);
            std::printf("%s\n", somnus::summarize_evaluation(report).c_str());
            return 0;
        }
        // run
        bool resume = !resume_log.empty();
        if (resume && (!run_o.path.empty() || !run_o.overrides.empty() || !run_out.empty() || overwrite)) {
            std::fprintf(stderr, "somnus run --resume: the run goes on with the spec its log records; give no spec, --set, --out or --overwrite\n");
            return 2;
        }
        if (!resume && run_o.path.empty()) {
            std::fprintf(stderr, "somnus run: give a spec, or --resume LOG\n");
            return 2;
        }
        if (resume && continue_run) {
            std::fprintf(stderr, "somnus run: give --resume LOG or a spec with --continue, not both\n");
            return 2;
        }
        auto spec = resume ? recorded_spec(resume_log, run_o) : load(run_o, run_out);
        somnus::check_device(spec.device);  // a missing GPU is an error before the log is opened
        if (continue_run && !overwrite) {
            const auto previous = somnus::previous_run(spec.record.path, spec.source);
            if (previous.kind != somnus::PreviousRun::none && !previous.difference.empty()) {
                std::fprintf(stderr, "somnus: %s holds a run of a different spec (%s); give --overwrite to replace it, or --out to write elsewhere\n",
                             spec.record.path.c_str(), previous.difference.c_str());
                return 2;
            }
            if (previous.kind == somnus::PreviousRun::finished) {
                std::printf("%s: finished earlier with this spec; nothing to do\n", spec.record.path.c_str());
                return 0;
            }
            if (previous.kind == somnus::PreviousRun::resumable) {
                resume = true;
                std::printf("%s: resuming the interrupted run (status: %s) from %s\n", spec.record.path.c_str(),
                            previous.status.c_str(), somnus::resume_path_for(spec.record.path).c_str());
            } else if (previous.kind == somnus::PreviousRun::unfinished) {
                overwrite = true;  // no checkpoint: the run starts over
                std::printf("%s: no checkpoint of the unfinished run (status: %s); starting over\n", spec.record.path.c_str(),
                            previous.status.c_str());
            }
            std::fflush(stdout);
        }
        if (!resume && std::filesystem::exists(spec.record.path) && !overwrite) {
            std::fprintf(stderr,
                         "somnus: %s exists; give --overwrite to replace it, --out to write elsewhere, or --resume %s to "
                         "continue it if it was interrupted\n",
                         spec.record.path.c_str(), spec.record.path.c_str());
            return 2;
        }
        somnus::Runner runner(spec);
        somnus::Hdf5Recorder recorder(spec.record.path, resume);
        somnus::ProgressPrinter progress;
        runner.attach(progress);
        runner.attach(recorder);
        stop_at_a_checkpoint_on_signals();
        somnus::RunResult result;
        try {
            result = runner.run(&stop_requested, resume);
        } catch (const somnus::Diverged&) {
            throw;  // resuming would diverge again
        } catch (const std::exception& e) {
            // A full disk, a log removed under the run, ...: once the cause is fixed, the run goes on.
            std::fprintf(stderr, "somnus: error: %s\n", somnus::error_text(e).c_str());
            if (std::filesystem::exists(somnus::resume_path_for(spec.record.path)))
                std::fprintf(stderr, "somnus: the last checkpoint is kept; once the cause is fixed, continue with: somnus run --resume %s\n",
                             spec.record.path.c_str());
            return 1;
        }
        if (result.evaluation) std::printf("%s\n", somnus::summarize_evaluation(*result.evaluation).c_str());
        std::printf("log: %s\n", recorder.path().c_str());
        if (!result.checkpoint.empty()) std::printf("model: %s\n", result.checkpoint.c_str());
        if (result.status != "finished") {
            std::fprintf(stderr, "somnus: run %s; the log keeps every step so far; continue it with: somnus run --resume %s\n",
                         result.status.c_str(), recorder.path().c_str());
            return 1;
        }
        return 0;
    } catch (const somnus::SpecError& e) {
        std::fprintf(stderr, "somnus: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "somnus: error: %s\n", somnus::error_text(e).c_str());
        return 1;
    }
}

int main(int argc, char** argv) {
    const int code = run_main(argc, argv);
    // Leave without the HDF5 library's exit handler: after a failed write (a full
    // disk) it would close the damaged file again and crash. Every log is already
    // closed (LogFile closes it after each flush).
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(code);
}
