// A brain state: what one mini-batch of Wake, NREM, REM (or another state)
// does to the model. States are registered by type name (sim/states/registry.cpp).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "neuromod/conductor.hpp"
#include "sim/model/model.hpp"
#include "sim/model/step.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

class BrainState {
public:
    virtual ~BrainState() = default;
    // One mini-batch in this state. `images` is the Wake input (B,C,H,W) on the
    // model's device; `modulation` is what the conductor says for this state.
    virtual StepReport step(Model& model, const torch::Tensor& images, const Modulation& modulation,
                            const StepClock& clock) = 0;
};

// Parameters of a registered state, checked to be of the type that state parses.
template <class Params>
const Params& params_of(const StateSpec& spec) {
    return dynamic_cast<const Params&>(*spec.params);
}

// The factory a StateType registers: State constructed from its parsed Params.
template <class State, class Params>
std::unique_ptr<BrainState> make_state(const StateSpec& spec) {
    return std::make_unique<State>(params_of<Params>(spec));
}

// The same for a State that also needs its own name in the cycle: State(params, name).
template <class State, class Params>
std::unique_ptr<BrainState> make_named_state(const StateSpec& spec) {
    return std::make_unique<State>(params_of<Params>(spec), spec.name);
}

}  // namespace somnus
