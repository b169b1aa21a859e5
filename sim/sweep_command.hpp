// `somnus sweep SWEEP.json`: expand and check every run, then run them here
// (N at a time) or write a Slurm job array (and submit it); `somnus summarize`
// follows either.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace somnus {

struct SweepCommandOptions {
    std::string file;
    bool dry_run = false;    // list the runs, write nothing
    bool overwrite = false;  // redo runs whose logs hold another spec
    std::optional<std::int64_t> jobs, threads;
    std::optional<std::string> out;
    std::vector<std::string> set;        // more "key.path=value" for every run
    std::optional<std::string> seeds;    // replaces the sweep's seeds: "3", "0,5", "10-13"
    double status_every = 30;
    // Slurm
    bool slurm = false, submit = false;
    std::optional<std::string> partition, time, mem, account, qos;
    std::optional<std::int64_t> cpus, gpus, max_parallel;
};

// Returns the exit code: 0 all finished (or the array written/submitted),
// 1 some run failed, 2 a bad sweep. Throws SpecError for a bad sweep file.
int run_sweep_command(const SweepCommandOptions& options, std::ostream& out, const std::atomic<bool>* stop);

}  // namespace somnus
