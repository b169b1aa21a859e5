#include "hippocampus/hippocampus.hpp"

#include <stdexcept>

namespace somnus {

Hippocampus::Hippocampus(HippocampusParams params) : params_(std::move(params)) {}

void Hippocampus::store(const torch::Tensor& latents) {
    episodes_.push_back(latents.detach());
    while (static_cast<std::int64_t>(episodes_.size()) > params_.capacity) episodes_.pop_front();
}

const torch::Tensor& Hippocampus::newest() const {
    if (episodes_.empty()) throw std::logic_error("hippocampus: replay before anything was stored");
    return episodes_.back();
}

bool Hippocampus::can_mix() const {
    if (episodes_.size() < 2) return false;
    if (params_.partner == "previous") return episodes_[episodes_.size() - 2].sizes() == newest().sizes();
    for (std::size_t i = 0; i + 1 < episodes_.size(); ++i)
        if (episodes_[i].sizes() == newest().sizes()) return true;
    return false;
}

const torch::Tensor& Hippocampus::partner() const {
    if (!can_mix()) throw std::logic_error("hippocampus: no older episode to mix with");
    if (params_.partner == "previous") return episodes_[episodes_.size() - 2];
    while (true) {  // a random older episode of the same size (can_mix says one exists)
        auto i = torch::randint(static_cast<std::int64_t>(episodes_.size()) - 1, {1}).item<std::int64_t>();
        if (episodes_[i].sizes() == newest().sizes()) return episodes_[i];
    }
}

torch::Tensor Hippocampus::replay() const { return newest(); }

torch::Tensor Hippocampus::replay_mixed(double lambda, double alpha, const torch::Tensor& noise) const {
    return lambda * (alpha * newest() + (1.0 - alpha) * partner()) + (1.0 - lambda) * noise;
}

torch::Tensor Hippocampus::replay_unmixed(double lambda, const torch::Tensor& noise) const {
    return lambda * newest() + (1.0 - lambda) * noise;
}

torch::Tensor Hippocampus::replay_for_rem(const MixingRule& rule, const torch::Tensor& noise, bool first_of_epoch,
                                          bool first_of_run) const {
    if (rule.first_step == "paper" && first_of_run) return replay();
    bool first = rule.first_step == "reference" && first_of_epoch;
    if (!rule.mix_memories || first || !can_mix()) return replay_unmixed(rule.lambda, noise);
    return replay_mixed(rule.lambda, rule.alpha, noise);
}

}  // namespace somnus
