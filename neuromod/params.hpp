// Neuromodulator levels, doses and pathway kinds: what the conductor is given.
// Plain values: the spec layer (sim/spec/) fills them in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/enum_names.hpp"

namespace somnus {

// The kind of a pathway between two modules; the conductor sets each kind's plasticity sign.
enum class PathwayKind { feedforward, feedback, replay, neuromodulatory };
const char* to_string(PathwayKind kind);

// Neuromodulator levels, in [0, 1], of one brain state.
struct Levels {
    double ach = 0.0;
    double na = 0.0;
};

// How a drug changes a level: sets it, scales it, adds to it, or ramps it from one level to another.
enum class DoseMode { set, scale, add, ramp };
inline const EnumNames<DoseMode>& enum_names(DoseMode) {
    static const EnumNames<DoseMode> names{
        {DoseMode::set, "set"}, {DoseMode::scale, "scale"}, {DoseMode::add, "add"}, {DoseMode::ramp, "ramp"}};
    return names;
}

// What a drug does to one neuromodulator's level while it acts (the result is clamped to [0, 1]).
struct DoseEffect {
    DoseMode mode = DoseMode::set;
    double value = 0.0;           // set, scale, add
    double from = 0.0, to = 0.0;  // ramp: the level at the start and at the end of the dosing window
};

// A drug given in chosen brain states during chosen epochs (in day/night terms, an
// epoch is one day and the night after it). Doses apply in the order listed.
struct Dose {
    std::string name;                  // e.g. "scopolamine", for the log
    std::vector<std::string> states;   // empty = every state
    std::vector<std::int64_t> epochs;  // empty = every epoch; negative counts from the end
    std::optional<DoseEffect> ach, na;
    std::string pointer;
};

// One line: "scopolamine: ach x0.2 in rem, epochs 2, 3".
std::string describe_dose(const Dose& dose);

struct ConductorParams {
    std::map<std::string, Levels> levels;  // brain-state name -> levels
    std::vector<Dose> doses;
};

}  // namespace somnus
