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

// How REM composes its dream latents from memories and noise.
struct MixingRule {
    double lambda = 0.5;  // memory vs noise
    double alpha = 0.5;   // newest vs older memory
    // "reference": the first iteration of every epoch uses lambda z + (1 - lambda) noise;
    // "paper": the very first iteration of the run uses z alone.
    std::string first_step = "reference";
    bool mix_memories = true;  // false: lambda z + (1 - lambda) noise throughout
};

class Hippocampus {
public:
    explicit Hippocampus(HippocampusParams params);

    // Stores a mini-batch of Wake latents (B, latent_dim) as the newest episode;
    // the oldest is forgotten once the store is full.
    void store(const torch::Tensor& latents);

    // NREM replay: the newest episode, as stored.
    torch::Tensor replay() const;

    // REM replay: z_mix = lambda (alpha z + (1 - alpha) z_old) + (1 - lambda) noise,
    // with z the newest episode and z_old an older one paired row by row.
    torch::Tensor replay_mixed(double lambda, double alpha, const torch::Tensor& noise) const;
    // Without an older episode: z_mix = lambda z + (1 - lambda) noise.
    torch::Tensor replay_unmixed(double lambda, const torch::Tensor& noise) const;

    // REM's dream latents under `rule`, at the given place in the run.
    torch::Tensor replay_for_rem(const MixingRule& rule, const torch::Tensor& noise, bool first_of_epoch,
                                 bool first_of_run) const;

    // Whether replay_mixed has an older episode of matching size to pair with.
    bool can_mix() const;
    std::int64_t occupancy() const { return static_cast<std::int64_t>(episodes_.size()); }
    std::int64_t capacity() const { return params_.capacity; }
    void clear() { episodes_.clear(); }

private:
    const torch::Tensor& newest() const;
    const torch::Tensor& partner() const;

    HippocampusParams params_;
    std::deque<torch::Tensor> episodes_;  // oldest first
};

}  // namespace somnus
