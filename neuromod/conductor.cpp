#include "neuromod/conductor.hpp"

#include <algorithm>
#include <stdexcept>

namespace somnus {

Conductor::Conductor(std::map<std::string, Levels> levels) : levels_(std::move(levels)) {}

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

Modulation Conductor::modulation(const std::string& state) const {
    Modulation m;
    m.levels = levels(state);
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
