// Adversarial wake-sleep, Wake (bottom-up phase): data drive the inference
// pathway; the critics see the sampled hierarchy (x, h1, ..., z) with the
// conductor's phase (+1 at high ACh) and the encoder learns to make it look like
// sleep to them. The sample is kept for the later phases' gradient penalty.
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

struct AwsWakeParams : AdversarialPhaseParams {
    double weight = 1.0;  // of this phase's adversarial term (gamma + (1 - gamma) = 1 in Eq. 8)
};

const Fields<AwsWakeParams>& fields() {
    static const Fields<AwsWakeParams> fields{
        "aws_wake",
        "",
        {field::number("weight", &AwsWakeParams::weight, 0.0, 1e6,
                       "weight of this phase's adversarial term (gamma + (1 - gamma) = 1)"),
         area_updates_field<AwsWakeParams>()}};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) { return std::make_shared<AwsWakeParams>(fields().read(r)); }

class AwsWake : public BrainState {
public:
    AwsWake(const AwsWakeParams& p, std::string name) : p_(p), name_(std::move(name)) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        begin_area_gradient(model, p_.area_updates, /*cycle_start=*/true);
        Hierarchy wake = model.stochastic_encoder().infer(images, /*sample=*/true);
        torch::Tensor score = adversarial_term(model, critic_inputs(model, wake), m.phase, p_.weight);
        apply_area_gradient(model, p_.area_updates, name_, /*feedforward=*/true, /*feedback=*/false);
        model.wake_trace.clear();
        for (const auto& h : wake) model.wake_trace.push_back(h.detach());
        consolidate_critics(model, name_);
        return {{}, {{"critic_score", score}}, samples_of({{"input", images}})};
    }

private:
    AwsWakeParams p_;
    std::string name_;
};

}  // namespace

StateType aws_wake_state_type() {
    StateType t{"aws_wake",
                "adversarial wake-sleep, bottom-up phase: data -> inference; critics score the joint sample",
                {ModuleKind::encoder, ModuleKind::generator, ModuleKind::discriminator},
                parse,
                make_named_state<AwsWake, AwsWakeParams>,
                &fields().parameters(),
                "stochastic",
                check_area_updates};
    t.awake = true;
    return t;
}

}  // namespace somnus
