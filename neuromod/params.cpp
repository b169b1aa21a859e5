#include "neuromod/params.hpp"

#include <cmath>
#include <sstream>
#include <utility>

namespace somnus {

namespace {
std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out;
}
}  // namespace

const char* to_string(PathwayKind kind) {
    switch (kind) {
        case PathwayKind::feedforward: return "feedforward";
        case PathwayKind::feedback: return "feedback";
        case PathwayKind::replay: return "replay";
        case PathwayKind::neuromodulatory: return "neuromodulatory";
    }
    return "?";
}

std::string describe_dose(const Dose& d) {
    std::ostringstream out;
    out << d.name << ":";
    for (auto [name, effect] : {std::make_pair("ach", &d.ach), std::make_pair("na", &d.na)}) {
        if (!*effect) continue;
        const DoseEffect& x = **effect;
        out << " " << name;
        switch (x.mode) {
            case DoseMode::set: out << " = " << x.value; break;
            case DoseMode::scale: out << " x" << x.value; break;
            case DoseMode::add: out << (x.value < 0 ? " - " : " + ") << std::abs(x.value); break;
            case DoseMode::ramp: out << " ramp " << x.from << " -> " << x.to; break;
        }
    }
    out << " in " << (d.states.empty() ? std::string("every state") : join(d.states));
    if (d.epochs.empty()) {
        out << ", every epoch";
    } else {
        std::vector<std::string> epochs;
        for (auto e : d.epochs) epochs.push_back(std::to_string(e));
        out << ", epoch" << (epochs.size() > 1 ? "s " : " ") << join(epochs);
    }
    return out.str();
}

}  // namespace somnus
