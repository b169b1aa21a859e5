// Adversarial wake-sleep, Sleep (self-generated phase): a latent from the prior
// N(0, I) drives the generative pathway all the way down; the critics see the
// dreamed hierarchy with the conductor's phase (-1 at low ACh), and the generator
// learns to make it look awake to them. Weight = gamma of Eq. 8 (1: global AWS).
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

struct AwsSleepParams : AdversarialPhaseParams {
    double weight = 1.0;
    PenaltyRule penalty;
};

const Fields<AwsSleepParams>& fields() {
    static const Fields<AwsSleepParams> fields{
        "aws_sleep", "",
        field::joined(
            field::joined<AwsSleepParams>(
                {field::number("weight", &AwsSleepParams::weight, 0.0, 1e6, "weight of this phase's adversarial term")},
                field::part(&AwsSleepParams::penalty, penalty_fields())),
            {area_updates_field<AwsSleepParams>()})};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) { return std::make_shared<AwsSleepParams>(fields().read(r)); }

class AwsSleep : public BrainState {
public:
    AwsSleep(const AwsSleepParams& p, std::string name) : p_(p), name_(std::move(name)) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        begin_area_gradient(model, p_.area_updates, /*cycle_start=*/false);
        auto& generator = model.stochastic_generator();
        Hierarchy dream = generator.generate(generator.prior(images.size(0), model.device), /*sample=*/true);
        CriticInputs sample = critic_inputs(model, dream);
        torch::Tensor score = adversarial_term(model, sample, m.phase, p_.weight);
        torch::Tensor penalty = gradient_penalty_term(model, sample, p_.penalty, p_.weight);
        torch::Tensor wake_score;  // float64, added in critic order
        {
            torch::NoGradGuard no_grad;
            auto wake = critic_inputs(model, model.wake_trace);
            for (std::size_t i = 0; i < model.critics.size(); ++i) {
                auto s = model.critics[i].critic->forward(wake[i]).score.mean().to(torch::kFloat64);
                wake_score = wake_score.defined() ? wake_score + s : s;
            }
        }
        apply_area_gradient(model, p_.area_updates, name_, /*feedforward=*/false, /*feedback=*/true);
        consolidate_critics(model, name_);
        return {{{"penalty", penalty}},
                {{"critic_score", score}, {"wasserstein_estimate", wake_score - score.to(torch::kFloat64)}},
                samples_of({{"dream", generator.to_image(dream.front())}})};
    }

private:
    AwsSleepParams p_;
    std::string name_;
};

}  // namespace

StateType aws_sleep_state_type() {
    return {"aws_sleep",
            "adversarial wake-sleep, sleep phase: prior -> generation; critics score the dreamed sample",
            {ModuleKind::encoder, ModuleKind::generator, ModuleKind::discriminator},
            parse,
            make_named_state<AwsSleep, AwsSleepParams>,
            &fields().parameters(),
            "stochastic",
            check_after_wake};
}

}  // namespace somnus
