// Positive phase of a contrastive ("unlearning") model of sleep, Wake: the areas'
// noise-free loop defines an energy F(x) = mean (x - G(E(x)))^2, the
// autoencoder's reconstruction error; Wake lowers it on real input (both pathways
// learn with the conductor's signs).
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

struct PositivePhaseParams : StateParams {};

const ParameterSet& parameters() {
    static const ParameterSet set{"positive_phase", "", {}};  // no keys of its own
    return set;
}

std::shared_ptr<const StateParams> parse(ObjectReader&) { return std::make_shared<PositivePhaseParams>(); }

class PositivePhase : public BrainState {
public:
    explicit PositivePhase(const PositivePhaseParams&) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        auto reconstruction = model.generator->image(model.encoder->latent(images));
        auto energy = (reconstruction - images).pow(2).mean();
        energy.backward();
        model.learn(m);
        return {{{"energy", energy.detach()}}, {}, samples_of({{"input", images}, {"reconstruction", reconstruction}})};
    }
};

}  // namespace

StateType positive_phase_state_type() {
    StateType t{"positive_phase",
                "contrastive wake: lower the energy (reconstruction error) of real input",
                {ModuleKind::encoder, ModuleKind::generator},
                parse,
                make_state<PositivePhase, PositivePhaseParams>,
                &parameters(),
                "stochastic"};
    t.awake = true;
    return t;
}

}  // namespace somnus
