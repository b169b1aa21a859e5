// The schedule expanded: what runs on every mini-batch of every day and night.
//
// An epoch is a day and the night after it. The day runs the schedule's cycle of
// brain states on mini-batches of the training data; the night runs sleep
// episodes (cycles of e.g. NREM then REM). Sleep protocols (deprivation,
// restriction, recovery, rebound, fragmentation) rewrite chosen nights. The
// timeline is pure description: `somnus validate` prints it, the runner walks it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/spec/spec.hpp"

namespace somnus {

// A stretch of mini-batches that all run the same states, in order.
struct Block {
    std::string part;                 // "day", "night", "arousal" or "kept awake"
    std::vector<std::string> states;  // run in this order on each mini-batch
    std::int64_t iterations = 0;
};

// One epoch: its day and its night, as blocks in order.
struct EpochPlan {
    std::vector<Block> blocks;
    std::vector<std::string> protocols;  // names of the protocols acting on it
    std::vector<std::int64_t> classes;   // what its day shows (empty: every class)
    std::int64_t images = -1;            // training images of its day (-1: not counted)
    std::int64_t iterations() const;
    // Mini-batches each state runs on in this epoch.
    std::int64_t iterations_of(const std::string& state) const;
    // Iteration (within the epoch) of the state's last step; -1 when it does not run.
    std::int64_t last_iteration_of(const std::string& state) const;
};

struct Timeline {
    std::vector<EpochPlan> epochs;
    std::int64_t total_iterations() const;
    // The plan as text, one line per epoch: "epoch 2 [REM deprivation]: day wake x156 | night nrem x40, ...".
    std::string describe() const;
};

// Expands the schedule. `batches_per_pass`: mini-batches in one pass over the
// training set (the default day). `awake(state)` says whether a state runs on
// sensory input (protocols' "sleep" deprives every state that does not).
Timeline expand_schedule(const ScheduleSpec& schedule, std::int64_t batches_per_pass,
                         const std::function<bool(const std::string&)>& awake);
// Days that differ: `day_images[epoch]` training images on each day (a pass is day_images / batch).
Timeline expand_schedule(const ScheduleSpec& schedule, const std::vector<std::int64_t>& day_images,
                         const std::function<bool(const std::string&)>& awake);

// The same with the state types of a spec.
Timeline expand_schedule(const ExperimentSpec& spec, std::int64_t batches_per_pass);
Timeline expand_schedule(const ExperimentSpec& spec, const std::vector<std::int64_t>& day_images);

// The training images each day shows (one entry per epoch): the run's training
// subset (data.train_subset, drawn with the run's seed) of the day's classes.
// Reads the data set's labels when the days differ.
std::vector<std::int64_t> day_images(const ExperimentSpec& spec);

// The spec's timeline over its training data (sizes read from the files' headers),
// as a run will expand it: what validate prints, and what run, replicate and sweep
// expand before anything is written, so that an epoch left empty (a SpecError) is
// reported before a run starts.
Timeline timeline_of(const ExperimentSpec& spec);

}  // namespace somnus
