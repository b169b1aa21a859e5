// The registered dream-module types: one line each.
#include <algorithm>

#include "dreams/dream_module.hpp"

namespace somnus {

DreamModuleType mch_neurons_type();
DreamModuleType amygdala_type();
DreamModuleType prefrontal_gate_type();
DreamModuleType dream_filter_type();

const std::vector<DreamModuleType>& dream_module_types() {
    static const std::vector<DreamModuleType> types = {
        mch_neurons_type(),
        amygdala_type(),
        prefrontal_gate_type(),
        dream_filter_type(),
    };
    return types;
}

const DreamModuleType* find_dream_module_type(const std::string& name) {
    for (const auto& t : dream_module_types())
        if (t.name == name) return &t;
    return nullptr;
}

bool acts_in(const std::vector<std::string>& states, const std::string& state) {
    return std::find(states.begin(), states.end(), state) != states.end();
}

void check_state_names(const ExperimentSpec& spec, const ModuleSpec& module, const std::vector<std::string>& states) {
    std::vector<std::string> names;
    for (const auto& s : spec.states) names.push_back(s.name);
    for (std::size_t i = 0; i < states.size(); ++i)
        if (!spec.state(states[i])) throw SpecError(module.pointer + "/states/" + std::to_string(i), unknown_name("brain state", states[i], names));
}

}  // namespace somnus
