// Many runs on one machine: `somnus run` child processes, N at a time, the
// cores split among them, one status line per running run (read from the run's
// status file, sim/record/status_file.hpp) and an overall ETA. A failed run is
// reported and the others go on. The batch engine (sim/batch/engine.hpp) uses
// it for `somnus sweep` and `somnus replicate`; each run's terminal output goes
// next to its log (.txt).
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "sim/record/status_file.hpp"
#include "sim/results/log_reading.hpp"
#include "sim/run/run_status.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

struct BatchRun {
    std::string label;              // e.g. "baseline/seed_0"
    std::vector<std::string> args;  // after the program name, e.g. {"run", "spec.json", "--continue"}
    std::string log;                // the HDF5 log it writes
};

struct BatchOptions {
    std::int64_t jobs = 0;     // runs at a time; 0 = automatic_jobs()
    std::int64_t threads = 0;  // per run, passed as --threads; 0 = cores / jobs
    double status_every = 30;  // seconds between status blocks
};

struct BatchResult {
    std::vector<std::string> finished;  // logs of the runs that exited 0, in the order given
    int failures = 0;                   // runs that failed, were stopped or never started
};

// Runs every run as `<this program> <args> --threads T`, its output in <log>.txt.
// Once `stop` is set (Ctrl-C) no new run starts and the running ones are told
// to stop (SIGTERM: they write a checkpoint and can be resumed).
BatchResult run_batch(const std::vector<BatchRun>& runs, const BatchOptions& options, std::ostream& out,
                      const std::atomic<bool>* stop = nullptr);

// Runs at a time when none is asked for: one per core, each on one thread (a sweep of
// PAD runs on 2 cores trains 6-14 % more images per second than one run at a
// time on both cores, docs/performance.md), but no more than one per 2 GiB of the memory
// available now (a PAD run holds its data set, about 1 GiB), and at least one.
std::int64_t automatic_jobs();

// How a running run's line reads in a status block: "starting", "epoch 2/5",
// "epoch 2/5 done, evaluating".
std::string running_state(const std::optional<RunProgress>& progress);

}  // namespace somnus
