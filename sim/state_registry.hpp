// The brain-state types a spec can name. A new state is one file in
// sim/states/ plus one line in sim/states/registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/spec.hpp"

namespace somnus {

class BrainState;

struct StateType {
    std::string name;     // the "type" a spec gives a state
    std::string summary;  // one line for `somnus --help` and the docs
    std::vector<ModuleKind> needs;  // modules the circuit must provide
    // Reads the state's own keys; the reader rejects unknown ones afterwards.
    std::shared_ptr<const StateParams> (*parse)(ObjectReader& reader);
    std::unique_ptr<BrainState> (*make)(const StateSpec& spec);
    // The family of cortical areas it works on: "pad" (areas/pad_areas.hpp) or
    // "stochastic" (areas/stochastic_areas.hpp); the circuit's areas must all be of it.
    const char* areas = "pad";
    // Further checks of the whole spec (e.g. layers a state needs); throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const StateSpec& state) = nullptr;
    // Runs on sensory input (a waking state): it draws a fresh mini-batch of data; sleep states
    // reuse the last one. A protocol's "deprive": "sleep" removes every state that is not awake.
    bool awake = false;
};

const std::vector<StateType>& state_types();
const StateType* find_state_type(const std::string& name);

}  // namespace somnus
