#include "neuromod/conductor.hpp"

#include <algorithm>
#include <stdexcept>

namespace somnus {

Conductor::Conductor(std::map<std::string, Levels> levels, std::vector<Dose> doses)
    : levels_(std::move(levels)), doses_(std::move(doses)) {}

namespace {
// The dose's epochs, resolved (negative ones from the end), sorted; empty = all.
std::vector<std::int64_t> resolved_epochs(const Dose& d, std::int64_t epochs) {
    std::vector<std::int64_t> out;
    for (std::int64_t e : d.epochs) out.push_back(e < 0 ? epochs + e : e);
    std::sort(out.begin(), out.end());
    return out;
}

bool acts(const Dose& d, const std::string& state, const DoseTime& t) {
    if (!d.states.empty() && std::find(d.states.begin(), d.states.end(), state) == d.states.end()) return false;
    auto epochs = resolved_epochs(d, t.epochs);
    return epochs.empty() || std::binary_search(epochs.begin(), epochs.end(), t.epoch);
}

double apply(const DoseEffect& x, double level, const Dose& d, const DoseTime& t) {
    if (x.mode == DoseMode::set) return x.value;
    if (x.mode == DoseMode::scale) return level * x.value;
    if (x.mode == DoseMode::add) return level + x.value;
    // ramp: linear over the dosing window, from the start of its first epoch to the end of its last
    auto epochs = resolved_epochs(d, t.epochs);
    const double first = epochs.empty() ? 0.0 : double(epochs.front());
    const double last = epochs.empty() ? double(t.epochs - 1) : double(epochs.back());
    const double progress = (double(t.epoch) + t.within_epoch - first) / (last - first + 1.0);
    return x.from + (x.to - x.from) * std::clamp(progress, 0.0, 1.0);
}
}  // namespace

Levels Conductor::levels(const std::string& state, const DoseTime& t) const {
    Levels l = levels(state);
    for (const auto& d : doses_) {
        if (!acts(d, state, t)) continue;
        if (d.ach) l.ach = std::clamp(apply(*d.ach, l.ach, d, t), 0.0, 1.0);
        if (d.na) l.na = std::clamp(apply(*d.na, l.na, d, t), 0.0, 1.0);
    }
    return l;
}

std::vector<std::string> Conductor::active_doses(const std::string& state, const DoseTime& t) const {
    std::vector<std::string> names;
    for (const auto& d : doses_)
        if (acts(d, state, t)) names.push_back(d.name);
    return names;
}

const Levels& Conductor::levels(const std::string& state) const {
    auto it = levels_.find(state);
    if (it == levels_.end()) throw std::invalid_argument("conductor: no levels for brain state \"" + state + "\"");
    return it->second;
}

void Conductor::set_levels(const std::string& state, Levels l) { levels_[state] = l; }

double Conductor::discriminator_gate(const Levels& l) { return std::clamp(l.ach, 0.0, 1.0); }

double Conductor::discriminator_target(const Levels& l) { return std::clamp(l.na, 0.0, 1.0); }

double Conductor::plasticity_sign(PathwayKind pathway, const Levels& l) {
    switch (pathway) {
        case PathwayKind::feedback: return std::clamp(l.ach * (2.0 * l.na - 1.0), -1.0, 1.0);
        case PathwayKind::feedforward: return 1.0;
        default: return 0.0;  // replay and neuromodulatory pathways carry no learned weights
    }
}

double Conductor::phase(const Levels& l) { return 2.0 * std::clamp(l.ach, 0.0, 1.0) - 1.0; }

Modulation Conductor::modulation(const std::string& state) const { return modulation_of(levels(state)); }

Modulation Conductor::modulation(const std::string& state, const DoseTime& t) const {
    return modulation_of(levels(state, t));
}

Modulation Conductor::modulation_of(const Levels& l) {
    Modulation m;
    m.levels = l;
    m.discriminator_gate = discriminator_gate(m.levels);
    m.discriminator_target = discriminator_target(m.levels);
    m.feedforward_sign = plasticity_sign(PathwayKind::feedforward, m.levels);
    m.feedback_sign = plasticity_sign(PathwayKind::feedback, m.levels);
    m.phase = phase(m.levels);
    return m;
}

bool Conductor::teaches_fake(const std::vector<std::string>& cycle) const {
    return std::any_of(cycle.begin(), cycle.end(), [&](const std::string& s) {
        Modulation m = modulation(s);
        return m.discriminator_active() && m.discriminator_target < 0.5;
    });
}

}  // namespace somnus
