// Adversarial wake-sleep, the top-down half of a fast oscillation (Benjamin &
// Kording Sec. 3.2): data are inferred bottom-up, then each critic's layers are
// predicted top-down from the inferred layer above them (a critic reading only
// the top layer sees the prior instead). The critics see these predictions with
// the conductor's phase (-1 at low ACh); both pathways learn to make them look
// awake, and to match the inferred activity in the critic's hidden features
// (L_RECON, Larsen et al. 2016). Weight = 1 - gamma of Eq. 8.
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

struct AwsOscillationParams : AdversarialPhaseParams {
    double weight = 0.9;
    double reconstruction_weight = 1.0;  // of L_RECON, inside the (1 - gamma) factor
    PenaltyRule penalty;
};

const Fields<AwsOscillationParams>& fields() {
    static const Fields<AwsOscillationParams> fields{
        "aws_oscillation", "",
        field::joined(field::joined<AwsOscillationParams>(
                          {field::number("weight", &AwsOscillationParams::weight, 0.0, 1e6,
                                         "gamma: weight of the adversarial term; the reconstruction gets 1 - gamma"),
                           field::number("reconstruction_weight", &AwsOscillationParams::reconstruction_weight, 0.0,
                                         1e6, "weight of L_RECON inside the (1 - gamma) factor")},
                          field::part(&AwsOscillationParams::penalty, penalty_fields())),
                      {area_updates_field<AwsOscillationParams>()})};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    return std::make_shared<AwsOscillationParams>(fields().read(r));
}

class AwsOscillation : public BrainState {
public:
    AwsOscillation(const AwsOscillationParams& p, std::string name) : p_(p), name_(std::move(name)) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        begin_area_gradient(model, p_.area_updates, /*cycle_start=*/false);
        Hierarchy inferred = model.stochastic_encoder().infer(images, /*sample=*/true);
        TopDownPrediction top_down = predict_top_down(model, inferred);
        const CriticInputs& predicted = top_down.predicted;
        const CriticInputs awake = critic_inputs(model, inferred);
        torch::Tensor score = adversarial_term(model, predicted, m.phase, p_.weight);
        torch::Tensor penalty = gradient_penalty_term(model, predicted, p_.penalty, p_.weight);

        // L_RECON: distance in each critic's hidden features, the critics held fixed.
        torch::Tensor recon;
        for (std::size_t i = 0; i < model.critics.size(); ++i) {
            if (!top_down.reconstructs[i]) continue;
            auto& critic = model.critics[i].critic;
            auto d = (critic->forward(awake[i]).features - critic->forward(predicted[i]).features).pow(2).mean();
            recon = recon.defined() ? recon + d : d;
        }
        Measures losses{{"penalty", penalty}};
        if (recon.defined()) {
            accumulate_gradient(recon, area_parameters(model), p_.weight * p_.reconstruction_weight);
            losses.emplace_back("reconstruction", recon.detach());
        }
        apply_area_gradient(model, p_.area_updates, name_, /*feedforward=*/true, /*feedback=*/true);
        consolidate_critics(model, name_);
        StepReport report{losses, {{"critic_score", score}}, nullptr};
        if (top_down.image.defined()) report.samples = samples_of({{"reconstruction", top_down.image}});
        return report;
    }

private:
    AwsOscillationParams p_;
    std::string name_;
};

}  // namespace

StateType aws_oscillation_state_type() {
    StateType t{"aws_oscillation",
                "adversarial wake-sleep, top-down half of an oscillation: each critic's layers predicted from the "
                "inferred layer above",
                {ModuleKind::encoder, ModuleKind::generator, ModuleKind::discriminator},
                parse,
                make_named_state<AwsOscillation, AwsOscillationParams>,
                &fields().parameters(),
                "stochastic",
                check_after_wake};
    t.awake = true;
    return t;
}

}  // namespace somnus
