// `somnus sweep SWEEP.json`: expand and check every run, then run them here
// (N at a time) or write a Slurm job array (and submit it); `somnus summarize`
// follows either. The runs go through the batch engine (sim/batch/engine.hpp).
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "sim/batch/engine.hpp"
#include "sim/cli/command.hpp"

namespace somnus::cli {

namespace fs = std::filesystem;

namespace {

struct SweepOptions {
    std::string file;
    bool dry_run = false;    // list the runs, write nothing
    bool overwrite = false;  // redo runs whose logs hold another spec
    std::optional<std::int64_t> jobs, threads;
    std::optional<std::string> out;
    std::vector<std::string> set;       // more "key.path=value" for every run
    std::optional<std::string> seeds;   // replaces the sweep's seeds: "3", "0,5", "10-13"
    std::optional<std::string> device;  // every run's device (runs at a time share it)
    double status_every = 30;
    // Slurm
    bool slurm = false, submit = false;
    std::optional<std::string> partition, time, mem, account, qos;
    std::optional<std::int64_t> cpus, gpus, max_parallel;
};

int run_sweep(const SweepOptions& o, std::ostream& out, const std::atomic<bool>* stop) {
    SweepSpec sweep = load_sweep_file(o.file);
    if (o.jobs) sweep.jobs = *o.jobs;
    if (o.threads) sweep.threads = *o.threads;
    if (o.out) sweep.out = fs::absolute(*o.out).lexically_normal().string();
    sweep.set.insert(sweep.set.end(), o.set.begin(), o.set.end());
    if (o.device) sweep.set.push_back("device=" + *o.device);
    if (o.seeds) {
        try {
            sweep.seeds = parse_seeds(*o.seeds);
        } catch (const std::invalid_argument& e) {
            throw SpecError("/seeds", std::string("--seeds: ") + e.what());
        }
    }
    SlurmSpec& slurm = sweep.slurm;
    if (o.partition) slurm.partition = *o.partition;
    if (o.time) slurm.time = *o.time;
    if (o.mem) slurm.mem = *o.mem;
    if (o.account) slurm.account = *o.account;
    if (o.qos) slurm.qos = *o.qos;
    if (o.cpus) slurm.cpus_per_task = *o.cpus;
    if (o.gpus) slurm.gpus = *o.gpus;
    if (o.max_parallel) slurm.max_parallel = *o.max_parallel;

    BatchCommand how;
    how.dry_run = o.dry_run;
    how.overwrite = o.overwrite;
    how.slurm = o.slurm;
    how.submit = o.submit;
    how.status_every = o.status_every;
    return run_batch_of_runs(sweep, how, out, stop);
}

}  // namespace

Command add_sweep_command(CLI::App& app) {
    auto o = std::make_shared<SweepOptions>();
    auto* sweep = app.add_subcommand("sweep",
                                     "run a sweep: base specs x varied spec values x seeds, here N at a time or as a "
                                     "Slurm job array; rerunning skips finished runs and resumes interrupted ones");
    sweep->add_option("sweep", o->file, "sweep file (JSON with a \"sweep\" key)")->required()->check(CLI::ExistingFile);
    sweep->add_flag("--dry-run", o->dry_run, "check every run and list them; write nothing");
    sweep->add_flag("--overwrite", o->overwrite, "redo runs whose logs hold a different spec (the sweep changed)");
    auto optional_int = [](CLI::App* c, const char* name, std::optional<std::int64_t>& into, const char* help,
                           std::int64_t lo) {
        c->add_option_function<std::int64_t>(
             name, [&into](const std::int64_t& v) { into = v; }, help)
            ->check(CLI::Range(lo, std::int64_t(1) << 40));
    };
    auto optional_text = [](CLI::App* c, const char* name, std::optional<std::string>& into, const char* help) {
        c->add_option_function<std::string>(
            name, [&into](const std::string& v) { into = v; }, help);
    };
    optional_int(sweep, "--jobs", o->jobs,
                 "runs at a time on this machine (overrides the sweep's \"jobs\"; 0 = one per core, memory permitting)",
                 0);
    optional_int(sweep, "--threads", o->threads, "threads per run (0 = cores / jobs)", 0);
    optional_text(sweep, "--out", o->out, "folder of the sweep (overrides the sweep's \"out\")");
    sweep->add_option("--set", o->set,
                      "override a spec value in every run: key.path=value (repeatable; after the sweep's \"set\")");
    optional_text(sweep, "--seeds", o->seeds,
                  "training seeds instead of the sweep's: N (0..N-1), a list 0,3,7 or a range 10-13");
    optional_text(sweep, "--device", o->device,
                  "auto, cpu, cuda or cuda:N for every run; with --jobs N, N runs share the device");
    sweep->add_option("--status-every", o->status_every, "seconds between status blocks")
        ->capture_default_str()
        ->check(CLI::Range(1.0, 86400.0));
    sweep->add_flag("--slurm", o->slurm,
                    "write OUT/slurm/sweep.sbatch, a job array with one task per run, instead of running here");
    sweep->add_flag("--submit", o->submit, "with --slurm: submit it with sbatch");
    optional_text(sweep, "--partition", o->partition, "Slurm partition");
    optional_text(sweep, "--time", o->time, "Slurm time limit per run, e.g. 02:00:00");
    optional_text(sweep, "--mem", o->mem, "Slurm memory per run, e.g. 4G");
    optional_text(sweep, "--account", o->account, "Slurm account");
    optional_text(sweep, "--qos", o->qos, "Slurm QOS");
    optional_int(sweep, "--cpus", o->cpus, "Slurm CPUs per run (its --threads)", 1);
    optional_int(sweep, "--gpus", o->gpus, "Slurm GPUs per run", 0);
    optional_int(sweep, "--max-parallel", o->max_parallel, "Slurm array tasks running at once", 1);
    return {sweep, [o] {
                if (o->submit && !o->slurm) throw UsageError("somnus sweep: --submit goes with --slurm");
                stop_at_a_checkpoint_on_signals();
                try {
                    return run_sweep(*o, std::cout, &stop_requested);
                } catch (const SpecError& e) {
                    std::cout.flush();
                    std::fprintf(stderr, "somnus: %s: sweep error at %s: %s\n", o->file.c_str(),
                                 e.pointer().empty() ? "/" : e.pointer().c_str(), e.message().c_str());
                    return int(exit_usage);
                }
            }};
}

}  // namespace somnus::cli
