#include "sim/batch/engine.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <set>

#include "sim/base/errors.hpp"
#include "sim/base/files.hpp"
#include "sim/batch/pool.hpp"
#include "sim/results/metrics.hpp"
#include "sim/results/summary.hpp"
#include "sim/run/runner.hpp"

namespace somnus {

namespace fs = std::filesystem;

namespace {

// Runs `command`, returning its exit code and what it printed.
int capture(const std::string& command, std::string& output) {
    std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return -1;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// What the folder already holds, run by run.
struct Plan {
    std::vector<const SweepRun*> to_run;  // in the expansion's order
    std::set<const SweepRun*> replace;    // their logs hold another spec (redone with --overwrite)
    std::vector<std::string> differing;   // why, for each of them
    std::size_t finished = 0, resumable = 0;
};

Plan plan_against_folder(const std::vector<SweepRun>& runs) {
    Plan plan;
    for (const auto& run : runs) {
        const auto previous = previous_run(run.log_path, run.source);
        if (previous.kind != PreviousRun::none && !previous.difference.empty()) {
            plan.differing.push_back(run.log_path + " holds a run of a different spec (" + previous.difference + ")");
            plan.replace.insert(&run);
            plan.to_run.push_back(&run);
        } else if (previous.kind == PreviousRun::finished) {
            ++plan.finished;
        } else {
            plan.resumable += previous.kind == PreviousRun::resumable;
            plan.to_run.push_back(&run);
        }
    }
    return plan;
}

// Every run as one task of a job array (written, and submitted with `submit`).
int run_on_slurm(const SweepSpec& sweep, const std::vector<SweepRun>& runs, const Plan& plan, bool submit,
                 std::ostream& out) {
    const SlurmSpec& slurm = sweep.slurm;
    for (const SweepRun* run : plan.replace)
        for (const std::string& path :
             {run->log_path, resume_path_for(run->log_path), fs::path(run->log_path).replace_extension(".pt").string()})
            if (fs::remove(path)) out << "removed " << path << " (--overwrite)\n";
    const fs::path folder = fs::path(sweep.out) / "slurm";
    std::string specs;
    for (const auto& run : runs) specs += run.spec_path + "\n";
    for (const char* name : {"specs.txt", "sweep.sbatch"})
        check_output(folder / name, sweep_inputs(sweep), Replace::always, false, "the Slurm job's files");
    write_text_file(folder / "specs.txt", specs);
    const fs::path script = folder / "sweep.sbatch";
    write_text_file(script, slurm_script(sweep, runs, fs::read_symlink("/proc/self/exe").string()));
    chmod(script.c_str(), 0755);
    out << "slurm: " << script.string() << ": a job array of " << runs.size() << " tasks (" << slurm.cpus_per_task
        << " CPUs, " << slurm.mem << ", " << slurm.time
        << (slurm.gpus > 0 ? ", " + std::to_string(slurm.gpus) + " GPUs" : std::string(""))
        << (slurm.partition.empty() ? "" : ", partition " + slurm.partition) << " each)\n";
    if (!submit) {
        out << "submit it with: sbatch " << script.string() << "\nthen, when it is done: somnus summarize " << sweep.out
            << "\n";
        return exit_ok;
    }
    std::string output;
    const int code = capture("sbatch --parsable " + script.string(), output);
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
    if (code != 0)
        throw RunError("sbatch " + script.string() + " failed (exit " + std::to_string(code) + "): " + output);
    const std::string job = output.substr(0, output.find(';'));
    out << "submitted job array " << job << " (" << runs.size() << " tasks); follow it with: squeue -j " << job
        << "\nthen, when it is done: somnus summarize " << sweep.out << "\n";
    return exit_ok;
}

// The runs still to do, here, as child processes (sim/batch/pool.hpp).
BatchResult run_here(const SweepSpec& sweep, const Plan& plan, double status_every, std::ostream& out,
                     const std::atomic<bool>* stop) {
    std::vector<BatchRun> batch;
    for (const SweepRun* run : plan.to_run) {
        BatchRun b{run->condition + "/seed_" + std::to_string(run->seed),
                   {"run", run->spec_path, "--continue"},
                   run->log_path};
        if (plan.replace.count(run)) b.args.push_back("--overwrite");
        batch.push_back(std::move(b));
    }
    BatchOptions options;
    options.jobs = sweep.jobs;
    options.threads = sweep.threads;
    options.status_every = status_every;
    return run_batch(batch, options, out, stop);
}

// The folder's table (and, when the runs evaluate after chosen epochs, e.g. after every night, the per-epoch one).
void summarise(const SweepSpec& sweep, const std::vector<SweepRun>& runs, std::ostream& out) {
    out << summary_text(summarize_folder(sweep.out, false));
    bool per_epoch = false;
    for (const auto& run : runs) {
        try {
            per_epoch = read_run_metrics_by_epoch(run.log_path).size() > 1;
            break;
        } catch (const std::exception&) {  // not run
        }
    }
    if (per_epoch) out << summary_text(summarize_folder(sweep.out, true));
}

}  // namespace

int run_batch_of_runs(const SweepSpec& sweep, const BatchCommand& how, std::ostream& out,
                      const std::atomic<bool>* stop) {
    const std::vector<SweepRun> runs = expand_sweep(sweep);  // every spec checked before anything runs
    std::set<std::string> conditions;
    for (const auto& run : runs) conditions.insert(run.condition);
    out << sweep.command << (sweep.command == "sweep" ? " " + sweep.name : std::string()) << ": " << conditions.size()
        << " condition" << (conditions.size() == 1 ? "" : "s") << " x " << sweep.seeds.size() << " seed"
        << (sweep.seeds.size() == 1 ? "" : "s") << " = " << runs.size() << " runs; logs in " << sweep.out << "\n";
    for (const auto& axis : sweep.axes) {
        out << "  vary " << axis.label << ":";
        for (const auto& p : axis.points) out << " " << p.name;
        out << "\n";
    }

    const Plan plan = plan_against_folder(runs);
    if (!plan.differing.empty() && !how.overwrite) {
        for (std::size_t i = 0; i < plan.differing.size() && i < 3; ++i) out << "somnus: " << plan.differing[i] << "\n";
        if (plan.differing.size() > 3) out << "somnus: ... and " << plan.differing.size() - 3 << " more\n";
        out << "somnus: the sweep changed since these runs; give --overwrite to redo them, or --out to write "
               "elsewhere\n";
        return exit_usage;
    }
    out << "  " << plan.finished << " finished earlier (kept), " << plan.resumable
        << " interrupted (resume from their checkpoints), " << plan.to_run.size() - plan.resumable << " to run\n";
    if (how.dry_run) {
        for (const auto& run : runs) {
            out << "  " << run.condition << "/seed_" << run.seed;
            for (const auto& [label, value] : run.parameters) out << "  " << label << "=" << value;
            out << "  <- " << fs::path(run.base).filename().string() << "\n";
        }
        return exit_ok;
    }
    write_sweep(sweep, runs);
    out << "specs: " << sweep.out << "/<condition>/seed_K.json; manifest: " << sweep.out << "/sweep.json\n";
    if (how.slurm) return run_on_slurm(sweep, runs, plan, how.submit, out);

    const BatchResult result = run_here(sweep, plan, how.status_every, out, stop);
    if (plan.finished + result.finished.size() > 0) summarise(sweep, runs, out);
    if (result.failures > 0) {
        out << "somnus " << sweep.command << ": " << result.failures << " run" << (result.failures == 1 ? "" : "s")
            << " did not finish; run the same command again to continue them\n";
        return exit_failed;
    }
    return exit_ok;
}

}  // namespace somnus
