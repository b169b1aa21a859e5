// Helmholtz machine, Wake (Hinton et al. 1995): data drive the recognition
// (inference) pathway; the generative weights learn to predict each inferred
// layer from the one above it, i.e. to maximise log p(h_i | h_{i+1}) at the
// inferred sample. Recognition weights get no learning signal in Wake.
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

struct HelmholtzWakeParams : StateParams {};

const ParameterSet& parameters() {
    static const ParameterSet set{"helmholtz_wake", "", {}};  // no keys of its own
    return set;
}

std::shared_ptr<const StateParams> parse(ObjectReader&) { return std::make_shared<HelmholtzWakeParams>(); }

class HelmholtzWake : public BrainState {
public:
    explicit HelmholtzWake(const HelmholtzWakeParams&) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        Hierarchy h;
        {
            torch::NoGradGuard no_grad;
            h = model.stochastic_encoder().infer(images, /*sample=*/true);
        }
        auto& generator = model.stochastic_generator();
        torch::Tensor log_p = generator.log_prob(0, h[1], h[0]);
        std::int64_t units = h[0].size(1);
        for (std::size_t i = 1; i < generator.depth(); ++i) {
            log_p = log_p + generator.log_prob(i, h[i + 1], h[i]);
            units += h[i].size(1);
        }
        auto nll = -log_p / double(units);  // per unit, so the scale does not grow with the image
        nll.backward();
        Modulation generative_only = m;
        generative_only.feedforward_sign = 0.0;
        model.learn(generative_only);
        return {{{"generative_nll", nll.detach()}}, {}, samples_of({{"input", images}})};
    }
};

}  // namespace

StateType helmholtz_wake_state_type() {
    StateType t{"helmholtz_wake",
                "Helmholtz machine wake phase: generative weights learn to predict the inferred layers",
                {ModuleKind::encoder, ModuleKind::generator},
                parse,
                make_state<HelmholtzWake, HelmholtzWakeParams>,
                &parameters(),
                "stochastic",
                check_plain_gaussian_layers};
    t.awake = true;
    return t;
}

}  // namespace somnus
