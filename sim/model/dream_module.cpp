#include "sim/model/dream_module.hpp"

#include <algorithm>

namespace somnus {

bool acts_in(const std::vector<std::string>& states, const std::string& state) {
    return std::find(states.begin(), states.end(), state) != states.end();
}

void check_state_names(const ExperimentSpec& spec, const ModuleSpec& module, const std::vector<std::string>& states) {
    std::vector<std::string> names;
    for (const auto& s : spec.states) names.push_back(s.name);
    for (std::size_t i = 0; i < states.size(); ++i)
        if (!spec.state(states[i]))
            throw SpecError(module.pointer + "/states/" + std::to_string(i),
                            unknown_name("brain state", states[i], names));
}

}  // namespace somnus
