// A module from the dream literature: something the circuit does around sleep
// that is neither an area nor a brain state. It acts on the module its
// neuromodulatory pathway reaches, only in the states its spec names.
#pragma once

#include <string>

#include <torch/torch.h>

#include "neuromod/conductor.hpp"
#include "sim/model/step.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

class Model;

// What the animal experienced on one mini-batch: the day's images and their labels
// (in a night, the last mini-batch of data seen).
struct Experience {
    torch::Tensor images;  // (B, C, H, W) on the model's device
    torch::Tensor labels;  // (B) int64
};

class DreamModule {
public:
    virtual ~DreamModule() = default;
    // Once, when the model is built (e.g. set the hippocampus's retention or replay filter).
    virtual void attach(Model& model) { (void)model; }
    // Before a state's step: may change what the conductor tells the modules.
    virtual void modulate(const std::string& state, Modulation& m) const { (void)state, (void)m; }
    // After a state's step on this mini-batch.
    virtual void after_step(const std::string& state, Model& model, const Experience& batch, const StepClock& clock) {
        (void)state, (void)model, (void)batch, (void)clock;
    }
    // What it carries from step to step, for a resumable checkpoint (most carry nothing).
    virtual std::vector<double> state() const { return {}; }
    virtual void restore(const std::vector<double>& state) { (void)state; }
};

// Parameters of a registered dream module, as its type parsed them.
template <class Params>
const Params& dream_params_of(const ModuleSpec& spec) {
    return dynamic_cast<const Params&>(*spec.params.get<std::shared_ptr<const DreamModuleParams>>());
}

// The factory a DreamModuleType registers: Module(params, target kind).
template <class Module, class Params>
std::unique_ptr<DreamModule> make_dream_module(const ModuleSpec& spec, ModuleKind target) {
    return std::make_unique<Module>(dream_params_of<Params>(spec), target);
}

// Whether `state` is one of `states` (empty = none).
bool acts_in(const std::vector<std::string>& states, const std::string& state);

// A dream module's "states": every name must be a brain state of the spec.
void check_state_names(const ExperimentSpec& spec, const ModuleSpec& module, const std::vector<std::string>& states);

}  // namespace somnus
