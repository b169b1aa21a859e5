// The registered brain-state types: one line each.
#include "sim/states/brain_state.hpp"

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
StateType synaptic_homeostasis_state_type();

// The brain-state types, in the order `somnus --help` lists them.
const StateTypeRegistration brain_states{{
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
    synaptic_homeostasis_state_type(),
}};

}  // namespace somnus
