// The hippocampus: an episodic store of Wake latents, and their replay in sleep.
//
// An episode is one mini-batch of latents, stored as Wake saw it (detached);
// each row is one memory. PAD's reference code keeps exactly two episodes: the
// current and the previous mini-batch (capacity 2, partner "previous", replay
// "newest"). A night after a day of Wake replays the day: replay "episode" draws
// a stored episode, "memories" a mini-batch of single memories from all of them.
// Modules from the dream literature act here: the amygdala tags memories with a
// salience that biases replay and retention, MCH neurons prune or fade memories,
// a dream filter lets only a fraction of the replayed memories drive learning.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hippocampus/params.hpp"

namespace somnus {

// How a sleep state composes dream latents from memories and noise (REM always;
// NREM when its replay is "mixed").
// The first dream: reference code: the first iteration of every epoch uses
// lambda z + (1 - lambda) noise; paper: the very first iteration of the run uses z alone.
enum class FirstDream { reference, paper };
inline const EnumNames<FirstDream>& enum_names(FirstDream) {
    static const EnumNames<FirstDream> names{{FirstDream::reference, "reference"}, {FirstDream::paper, "paper"}};
    return names;
}

struct MixingRule {
    double lambda = 0.5;  // memory vs noise
    double alpha = 0.5;   // newest vs older memory
    FirstDream first_step = FirstDream::reference;
    bool mix_memories = true;  // false: lambda z + (1 - lambda) noise throughout
};

// Which episodes the last replay drew on. Episodes are numbered 0, 1, ... in
// the order they were stored; `step` is the run step at which Wake stored them.
struct ReplayRecord {
    std::int64_t count = 0;  // replays so far; a recorder compares it to see whether a state replayed
    std::int64_t episode = -1, episode_step = -1;  // replay "memories": the episode of the first memory drawn
    std::int64_t partner = -1, partner_step = -1;  // -1: not mixed with an older episode
    std::int64_t memories = 0;                     // rows replayed (fewer than a mini-batch behind a dream filter)
    // The day each replayed memory was stored on and whether it was cued, one row
    // per memory (int64 and bool, where the memories are).
    torch::Tensor days, cued;
    // Mean salience of the replayed memories: 0-dim, where the memories are (read
    // to the host with a window of the run's measures, not at each replay).
    torch::Tensor salience = torch::scalar_tensor(1.0, torch::kFloat64);
};

// Which memories a dream filter keeps: the most salient first, or a random draw.
enum class KeptMemories { salient, random };
inline const EnumNames<KeptMemories>& enum_names(KeptMemories) {
    static const EnumNames<KeptMemories> names{{KeptMemories::salient, "salient"}, {KeptMemories::random, "random"}};
    return names;
}

// What a dream filter keeps of each replay: a fraction of its memories.
struct ReplayFilter {
    double fraction = 1.0;
    KeptMemories prefer = KeptMemories::salient;
};

// Targeted memory reactivation: in replay, a memory of one of `classes`, or stored on
// `day`, is drawn `factor` times as often as another (its salience times factor).
struct ReplayCue {
    std::vector<std::int64_t> classes;
    std::int64_t day = -1;
    double factor = 1.0;
};

// Which memories MCH neurons prune first (never the newest episode).
enum class PruneOrder { oldest, random, least_salient };
inline const EnumNames<PruneOrder>& enum_names(PruneOrder) {
    static const EnumNames<PruneOrder> names{
        {PruneOrder::oldest, "oldest"}, {PruneOrder::random, "random"}, {PruneOrder::least_salient, "least_salient"}};
    return names;
}

class Hippocampus {
public:
    explicit Hippocampus(HippocampusParams params);

    // Stores a mini-batch of Wake latents (B, latent_dim), seen at run step `step`,
    // as the newest episode, every memory of salience 1, with the labels and day of
    // the experience set_source named. Once the store is full one episode goes, as
    // the params' `keep` (or set_retention) says.
    void store(const torch::Tensor& latents, std::int64_t step = -1);
    // What the next stored episode comes from: the labels of its images (B) and the
    // day (epoch) it is seen on. The runner says so before each waking mini-batch.
    void set_source(const torch::Tensor& labels, std::int64_t day);
    // Replay drawn towards cued memories from now on; clear_cue() ends it.
    void set_cue(ReplayCue cue) { cue_ = std::move(cue); }
    void clear_cue() { cue_.reset(); }
    bool cued() const { return cue_.has_value(); }

    // NREM replay: the replayed episode (the newest one under the reference policy), as stored.
    torch::Tensor replay();

    // REM replay: z_mix = lambda (alpha z + (1 - alpha) z_old) + (1 - lambda) noise,
    // with z the replayed episode and z_old an older one paired row by row.
    // `noise` has a mini-batch of rows; a dream filter uses its first rows only.
    torch::Tensor replay_mixed(double lambda, double alpha, const torch::Tensor& noise);
    // Without an older episode: z_mix = lambda z + (1 - lambda) noise.
    torch::Tensor replay_unmixed(double lambda, const torch::Tensor& noise);

    // Dream latents under `rule`, at the given place in the run.
    torch::Tensor replay_mixture(const MixingRule& rule, const torch::Tensor& noise, bool first_of_epoch,
                                 bool first_of_run);

    // The newest episode's latents without counting a replay (e.g. for its shape).
    const torch::Tensor& newest_latents() const { return newest().latents; }
    const ReplayRecord& last_replay() const { return last_replay_; }
    // The store and its counters, for a resumable checkpoint.
    void save(torch::serialize::OutputArchive& archive) const;
    void load(torch::serialize::InputArchive& archive);
    std::int64_t episodes_stored() const { return stored_; }

    // Whether replay_mixed has an older episode of matching size to pair with.
    bool can_mix() const;
    std::int64_t occupancy() const { return static_cast<std::int64_t>(episodes_.size()); }
    std::int64_t memories() const;  // rows over all episodes
    // Every stored memory (memories() rows, oldest episode first); undefined when the store is empty.
    torch::Tensor stored_latents() const;
    std::int64_t capacity() const { return params_.capacity; }
    const HippocampusParams& params() const { return params_; }
    void clear() { episodes_.clear(); }

    // ---- what modules from the dream literature do to the store ----
    // Amygdala: tags the newest episode's memories, (B) non-negative weights.
    void tag_newest(const torch::Tensor& salience);
    // Salience of each stored episode's memories, oldest episode first.
    std::vector<torch::Tensor> salience() const;
    // Which episode a full store forgets.
    void set_retention(Retention rule) { retention_ = rule; }
    // Dream filter: each replay keeps only this fraction of its memories.
    void set_filter(ReplayFilter filter) { filter_ = std::move(filter); }
    // MCH neurons: forgets `count` episodes, never the newest, in the order `which`.
    // Returns how many were forgotten.
    std::int64_t prune(std::int64_t count, PruneOrder which);
    // MCH neurons: every stored latent fades towards the prior mean, z <- (1 - rate) z.
    void fade(double rate);

private:
    struct Episode {
        torch::Tensor latents;
        torch::Tensor salience;  // (B), 1 until an amygdala tags it
        std::int64_t id = 0;
        std::int64_t step = -1;
        torch::Tensor labels;  // (B) int64: the class of each memory's image (-1 = not known)
        std::int64_t day = -1;
    };
    // Memories drawn for one replay: rows of one episode, or single memories from many.
    struct Draw {
        torch::Tensor latents, salience;
        const Episode* episode = nullptr;  // the episode (of the first memory)
        std::int64_t index = -1;           // its place in the store
        torch::Tensor days, cued;          // per row: the day it was stored on, whether it is cued
        void keep(const torch::Tensor& rows);  // only these rows (all when `rows` is undefined)
    };
    Draw whole(const Episode& e, std::int64_t index) const;  // every memory of episode `index`
    torch::Tensor cued_rows(const Episode& e) const;  // (B) bool: which memories the cue names
    torch::Tensor weights(const Episode& e) const;    // (B): salience, times the cue's factor where cued
    const Episode& newest() const;
    Draw draw() const;                                    // by the replay policy
    std::optional<Draw> partner_of(const Draw& d) const;  // an older episode (or more memories) to mix with
    torch::Tensor kept_rows(const Draw& d) const;         // the dream filter's choice of rows
    void note_replay(const Draw& d, const Draw* partner);
    void forget_one();

    HippocampusParams params_;
    std::deque<Episode> episodes_;  // oldest first
    std::int64_t stored_ = 0;
    ReplayRecord last_replay_;
    Retention retention_ = Retention::oldest;
    ReplayFilter filter_;
    std::optional<ReplayCue> cue_;
    torch::Tensor source_labels_;  // of the next stored episode
    std::int64_t source_day_ = -1;
};

}  // namespace somnus
