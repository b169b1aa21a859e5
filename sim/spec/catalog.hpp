// The catalogue of the types a spec can name beyond the cortical areas: brain
// states and modules from the dream literature. The spec layer parses and checks
// their parameters through it; the types themselves live in the layers above
// (sim/states/, dreams/) and register here, one line each, in
// sim/states/registry.cpp and dreams/registry.cpp. A new brain state is one
// file in sim/states/ plus one line there (docs/architecture.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/spec/spec.hpp"

namespace somnus {

class BrainState;

struct StateType {
    std::string name;               // the "type" a spec gives a state
    std::string summary;            // one line for `somnus --help` and the docs
    std::vector<ModuleKind> needs;  // modules the circuit must provide
    // Reads the state's own keys from a reader bound to `parameters`; the reader rejects unknown ones afterwards.
    std::shared_ptr<const StateParams> (*parse)(ObjectReader& reader);
    std::unique_ptr<BrainState> (*make)(const StateSpec& spec);
    // Its keys, declared once (sim/spec/parameters.hpp): the reader, `somnus describe` and the schema use them.
    const ParameterSet* parameters = nullptr;
    // The family of cortical areas it works on: "pad" (areas/pad_areas.hpp) or
    // "stochastic" (areas/stochastic_areas.hpp); the circuit's areas must all be of it.
    const char* areas = "pad";
    // Further checks of the whole spec (e.g. layers a state needs); throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const StateSpec& state) = nullptr;
    // Runs on sensory input (a waking state): it draws a fresh mini-batch of data; sleep states
    // reuse the last one. A protocol's "deprive": "sleep" removes every state that is not awake.
    bool awake = false;
};

// The registered state types, in registration order.
const std::vector<StateType>& state_types();
const StateType* find_state_type(const std::string& name);  // null if none is registered under that name

class DreamModule;

struct DreamModuleType {
    std::string name;     // the "type" a spec gives the module
    std::string summary;  // one line for `somnus --help` and the docs
    // What it acts on: a neuromodulatory pathway from it to one module of these kinds wires it in.
    std::vector<ModuleKind> acts_on;
    // Reads the module's own keys from a reader bound to `parameters`; the reader rejects unknown ones afterwards.
    std::shared_ptr<const DreamModuleParams> (*parse)(ObjectReader& reader);
    // The module, acting on a module of kind `target` (one of acts_on).
    std::unique_ptr<DreamModule> (*make)(const ModuleSpec& spec, ModuleKind target);
    // Its keys, declared once (sim/spec/parameters.hpp).
    const ParameterSet* parameters = nullptr;
    // Further checks of the whole spec (e.g. states it names exist); throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const ModuleSpec& module) = nullptr;
};

// The registered dream-module types (Kong & Aarabi's review: MCH neurons, the
// amygdala, the prefrontal cortex, dream filtering), in registration order.
const std::vector<DreamModuleType>& dream_module_types();
const DreamModuleType* find_dream_module_type(const std::string& name);

// How a layer above registers its types: one static object in its registry file,
// e.g. `const StateTypeRegistration wake_nrem_rem{{wake_state_type(), ...}};`.
// The libraries holding them are linked whole (CMakeLists.txt), so the objects
// exist in every program and test.
struct StateTypeRegistration {
    explicit StateTypeRegistration(std::vector<StateType> types);
};
struct DreamModuleTypeRegistration {
    explicit DreamModuleTypeRegistration(std::vector<DreamModuleType> types);
};

}  // namespace somnus
