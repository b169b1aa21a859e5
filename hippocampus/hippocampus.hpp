// The hippocampus: an episodic store of Wake latents, and their replay in sleep.
//
// An episode is one mini-batch of latents, stored as Wake saw it (detached).
// PAD's reference code keeps exactly two: the current and the previous mini-batch
// (capacity 2, partner "previous"); a larger capacity with partner "random" mixes
// the newest memory with a random older one.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <deque>
#include <string>

#include "sim/spec.hpp"

namespace somnus {

// How a sleep state composes dream latents from memories and noise (REM always;
// NREM when its replay is "mixed").
struct MixingRule {
    double lambda = 0.5;  // memory vs noise
    double alpha = 0.5;   // newest vs older memory
    // "reference": the first iteration of every epoch uses lambda z + (1 - lambda) noise;
    // "paper": the very first iteration of the run uses z alone.
    std::string first_step = "reference";
    bool mix_memories = true;  // false: lambda z + (1 - lambda) noise throughout
};

// Which episodes the last replay drew on. Episodes are numbered 0, 1, ... in
// the order they were stored; `step` is the run step at which Wake stored them.
struct ReplayRecord {
    std::int64_t count = 0;  // replays so far; a recorder compares it to see whether a state replayed
    std::int64_t episode = -1, episode_step = -1;
    std::int64_t partner = -1, partner_step = -1;  // -1: not mixed with an older episode
};

class Hippocampus {
public:
    explicit Hippocampus(HippocampusParams params);

    // Stores a mini-batch of Wake latents (B, latent_dim), seen at run step `step`,
    // as the newest episode; the oldest is forgotten once the store is full.
    void store(const torch::Tensor& latents, std::int64_t step = -1);

    // NREM replay: the newest episode, as stored.
    torch::Tensor replay();

    // REM replay: z_mix = lambda (alpha z + (1 - alpha) z_old) + (1 - lambda) noise,
    // with z the newest episode and z_old an older one paired row by row.
    torch::Tensor replay_mixed(double lambda, double alpha, const torch::Tensor& noise);
    // Without an older episode: z_mix = lambda z + (1 - lambda) noise.
    torch::Tensor replay_unmixed(double lambda, const torch::Tensor& noise);

    // Dream latents under `rule`, at the given place in the run.
    torch::Tensor replay_mixture(const MixingRule& rule, const torch::Tensor& noise, bool first_of_epoch,
                                 bool first_of_run);

    // The newest episode's latents without counting a replay (e.g. for its shape).
    const torch::Tensor& newest_latents() const { return newest().latents; }
    const ReplayRecord& last_replay() const { return last_replay_; }
    std::int64_t episodes_stored() const { return stored_; }

    // Whether replay_mixed has an older episode of matching size to pair with.
    bool can_mix() const;
    std::int64_t occupancy() const { return static_cast<std::int64_t>(episodes_.size()); }
    std::int64_t capacity() const { return params_.capacity; }
    void clear() { episodes_.clear(); }

private:
    struct Episode {
        torch::Tensor latents;
        std::int64_t id = 0;
        std::int64_t step = -1;
    };
    const Episode& newest() const;
    const Episode& partner() const;
    void note_replay(const Episode& episode, const Episode* partner);

    HippocampusParams params_;
    std::deque<Episode> episodes_;  // oldest first
    std::int64_t stored_ = 0;
    ReplayRecord last_replay_;
};

}  // namespace somnus
