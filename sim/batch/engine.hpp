// The one engine every batch of runs goes through (`somnus sweep`, `somnus
// replicate`): a SweepSpec expanded into concrete runs, each checked before
// anything runs; planned against what the folder already holds (finished runs
// kept, interrupted ones resumed from their checkpoints, runs of a changed spec
// refused unless overwritten); run here by the pool of child processes
// (sim/batch/pool.hpp) or on a cluster as a Slurm job array; then summarised
// (sim/results/summary.hpp).
#pragma once

#include <atomic>
#include <iosfwd>

#include "sim/batch/sweep.hpp"

namespace somnus {

// How to go about it (the command line's choices).
struct BatchCommand {
    bool dry_run = false;      // list the runs, write nothing
    bool overwrite = false;    // redo runs whose logs hold another spec
    bool slurm = false;        // write a job array instead of running here
    bool submit = false;       // and submit it with sbatch
    double status_every = 30;  // seconds between status blocks
};

// Returns the exit code: 0 all finished (or the array written or submitted),
// 1 some run did not finish, 2 runs of a changed spec without `overwrite`.
// Throws SpecError for a bad run (before anything runs).
int run_batch_of_runs(const SweepSpec& batch, const BatchCommand& how, std::ostream& out,
                      const std::atomic<bool>* stop);

}  // namespace somnus
