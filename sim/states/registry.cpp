// The registered brain-state types: one line each.
#include "sim/brain_state.hpp"

namespace somnus {

StateType wake_state_type();
StateType nrem_state_type();
StateType rem_state_type();
StateType aws_wake_state_type();
StateType aws_oscillation_state_type();
StateType aws_sleep_state_type();
StateType helmholtz_wake_state_type();
StateType helmholtz_sleep_state_type();
StateType positive_phase_state_type();
StateType negative_phase_state_type();

const std::vector<StateType>& state_types() {
    static const std::vector<StateType> types = {
        wake_state_type(),
        nrem_state_type(),
        rem_state_type(),
        aws_wake_state_type(),
        aws_oscillation_state_type(),
        aws_sleep_state_type(),
        helmholtz_wake_state_type(),
        helmholtz_sleep_state_type(),
        positive_phase_state_type(),
        negative_phase_state_type(),
    };
    return types;
}

const StateType* find_state_type(const std::string& name) {
    for (const auto& t : state_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace somnus
