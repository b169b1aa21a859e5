// The module types from the dream literature a spec can name (Kong & Aarabi's
// review: MCH neurons, the amygdala, the prefrontal cortex, dream filtering).
// A new one is one file in dreams/ plus one line in dreams/registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/spec.hpp"

namespace somnus {

class DreamModule;

struct DreamModuleType {
    std::string name;     // the "type" a spec gives the module
    std::string summary;  // one line for `somnus --help` and the docs
    // What it acts on: a neuromodulatory pathway from it to one module of these kinds wires it in.
    std::vector<ModuleKind> acts_on;
    // Reads the module's own keys; the reader rejects unknown ones afterwards.
    std::shared_ptr<const DreamModuleParams> (*parse)(ObjectReader& reader);
    // The module, acting on a module of kind `target` (one of acts_on).
    std::unique_ptr<DreamModule> (*make)(const ModuleSpec& spec, ModuleKind target);
    // Further checks of the whole spec (e.g. states it names exist); throws SpecError. May be null.
    void (*check)(const ExperimentSpec& spec, const ModuleSpec& module) = nullptr;
};

const std::vector<DreamModuleType>& dream_module_types();
const DreamModuleType* find_dream_module_type(const std::string& name);

}  // namespace somnus
