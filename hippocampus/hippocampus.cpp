#include "hippocampus/hippocampus.hpp"

#include <stdexcept>

namespace somnus {

Hippocampus::Hippocampus(HippocampusParams params) : params_(std::move(params)) {}

void Hippocampus::store(const torch::Tensor& latents, std::int64_t step) {
    episodes_.push_back({latents.detach(), stored_++, step});
    while (static_cast<std::int64_t>(episodes_.size()) > params_.capacity) episodes_.pop_front();
}

const Hippocampus::Episode& Hippocampus::newest() const {
    if (episodes_.empty()) throw std::logic_error("hippocampus: replay before anything was stored");
    return episodes_.back();
}

bool Hippocampus::can_mix() const {
    if (episodes_.size() < 2) return false;
    const auto& size = newest().latents.sizes();
    if (params_.partner == "previous") return episodes_[episodes_.size() - 2].latents.sizes() == size;
    for (std::size_t i = 0; i + 1 < episodes_.size(); ++i)
        if (episodes_[i].latents.sizes() == size) return true;
    return false;
}

const Hippocampus::Episode& Hippocampus::partner() const {
    if (!can_mix()) throw std::logic_error("hippocampus: no older episode to mix with");
    if (params_.partner == "previous") return episodes_[episodes_.size() - 2];
    while (true) {  // a random older episode of the same size (can_mix says one exists)
        auto i = torch::randint(static_cast<std::int64_t>(episodes_.size()) - 1, {1}).item<std::int64_t>();
        if (episodes_[i].latents.sizes() == newest().latents.sizes()) return episodes_[i];
    }
}

void Hippocampus::note_replay(const Episode& episode, const Episode* partner) {
    ++last_replay_.count;
    last_replay_.episode = episode.id;
    last_replay_.episode_step = episode.step;
    last_replay_.partner = partner ? partner->id : -1;
    last_replay_.partner_step = partner ? partner->step : -1;
}

torch::Tensor Hippocampus::replay() {
    note_replay(newest(), nullptr);
    return newest().latents;
}

torch::Tensor Hippocampus::replay_mixed(double lambda, double alpha, const torch::Tensor& noise) {
    const Episode& old = partner();
    note_replay(newest(), &old);
    return lambda * (alpha * newest().latents + (1.0 - alpha) * old.latents) + (1.0 - lambda) * noise;
}

torch::Tensor Hippocampus::replay_unmixed(double lambda, const torch::Tensor& noise) {
    note_replay(newest(), nullptr);
    return lambda * newest().latents + (1.0 - lambda) * noise;
}

torch::Tensor Hippocampus::replay_mixture(const MixingRule& rule, const torch::Tensor& noise, bool first_of_epoch,
                                          bool first_of_run) {
    if (rule.first_step == "paper" && first_of_run) return replay();
    bool first = rule.first_step == "reference" && first_of_epoch;
    if (!rule.mix_memories || first || !can_mix()) return replay_unmixed(rule.lambda, noise);
    return replay_mixed(rule.lambda, rule.alpha, noise);
}

}  // namespace somnus
