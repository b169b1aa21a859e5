// Helmholtz machine, Sleep (Hinton et al. 1995): the generative pathway dreams a
// whole hierarchy from the prior; the recognition weights learn to recover each
// dreamed layer from the one below it (maximise log q(h_{i+1} | h_i)). With the
// conductor's NREM-like levels (ACh and NA low) the generative weights do not learn.
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

struct HelmholtzSleepParams : StateParams {};

const ParameterSet& parameters() {
    static const ParameterSet set{"helmholtz_sleep", "", {}};  // no keys of its own
    return set;
}

std::shared_ptr<const StateParams> parse(ObjectReader&) { return std::make_shared<HelmholtzSleepParams>(); }

class HelmholtzSleep : public BrainState {
public:
    explicit HelmholtzSleep(const HelmholtzSleepParams&) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        auto& generator = model.stochastic_generator();
        Hierarchy dream;
        {
            torch::NoGradGuard no_grad;
            dream = generator.generate(generator.prior(images.size(0), model.device), /*sample=*/true);
        }
        auto& encoder = model.stochastic_encoder();
        torch::Tensor log_q = encoder.log_prob(0, dream[0], dream[1]);
        std::int64_t units = dream[1].size(1);
        for (std::size_t i = 1; i < encoder.depth(); ++i) {
            log_q = log_q + encoder.log_prob(i, dream[i], dream[i + 1]);
            units += dream[i + 1].size(1);
        }
        auto nll = -log_q / double(units);
        nll.backward();
        Modulation recognition_only = m;
        recognition_only.feedback_sign = 0.0;
        model.learn(recognition_only);
        return {{{"recognition_nll", nll.detach()}}, {}, samples_of({{"dream", generator.to_image(dream[0])}})};
    }
};

}  // namespace

StateType helmholtz_sleep_state_type() {
    return {"helmholtz_sleep",
            "Helmholtz machine sleep phase: dream from the prior; recognition weights learn to recover it",
            {ModuleKind::encoder, ModuleKind::generator},
            parse,
            make_state<HelmholtzSleep, HelmholtzSleepParams>,
            &parameters(),
            "stochastic",
            check_plain_gaussian_layers};
}

}  // namespace somnus
