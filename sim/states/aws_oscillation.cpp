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

struct AwsOscillationParams : StateParams {
    double weight = 0.9;
    double reconstruction_weight = 1.0;  // of L_RECON, inside the (1 - gamma) factor
    PenaltyRule penalty;
};

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    auto p = std::make_shared<AwsOscillationParams>();
    p->weight = r.number("weight", p->weight, 0.0, 1e6);
    p->reconstruction_weight = r.number("reconstruction_weight", p->reconstruction_weight, 0.0, 1e6);
    p->penalty = parse_penalty(r, p->penalty);
    return p;
}

class AwsOscillation : public BrainState {
public:
    AwsOscillation(const AwsOscillationParams& p, std::string name) : p_(p), name_(std::move(name)) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        auto& encoder = model.stochastic_encoder();
        auto& generator = model.stochastic_generator();
        const std::size_t top = encoder.depth();
        Hierarchy inferred = encoder.infer(images, /*sample=*/true);
        CriticInputs predicted, awake;
        std::vector<bool> reconstructs;
        torch::Tensor x_hat;
        for (const auto& c : model.critics) {
            const std::size_t bottom = c.reads.front(), highest = c.reads.back();
            Hierarchy h = inferred;
            if (bottom == top) {
                h[top] = generator.prior(images.size(0), model.device);  // the top layer's top-down source
            } else {
                const std::size_t from = c.reads.size() > 1 ? highest : highest + 1;  // kept as inferred
                for (std::size_t i = from; i-- > bottom;) h[i] = generator.generate_layer(i, h[i + 1], /*sample=*/true);
                if (bottom == 0) x_hat = h[0];
            }
            predicted.push_back(c.layers_of(h));
            awake.push_back(c.layers_of(inferred));
            reconstructs.push_back(bottom != top);
        }
        double score = adversarial_term(model, predicted, m.phase, p_.weight);
        double penalty = gradient_penalty_term(model, predicted, p_.penalty, p_.weight);

        // L_RECON: distance in each critic's hidden features, the critics held fixed.
        torch::Tensor recon;
        for (std::size_t i = 0; i < model.critics.size(); ++i) {
            if (!reconstructs[i]) continue;
            auto& critic = model.critics[i].critic;
            auto d = (critic->forward(awake[i]).features - critic->forward(predicted[i]).features).pow(2).mean();
            recon = recon.defined() ? recon + d : d;
        }
        NamedValues losses{{"penalty", penalty}};
        if (recon.defined()) {
            auto params = model.feedforward_parameters();
            params.insert(params.end(), model.feedback_parameters().begin(), model.feedback_parameters().end());
            accumulate_gradient(recon, params, p_.weight * p_.reconstruction_weight);
            losses.emplace_back("reconstruction", recon.item<double>());
        }
        model.learn_pathways(/*feedforward=*/true, /*feedback=*/true);
        consolidate_critics(model, name_);
        StepReport report{losses, {{"critic_score", score}}, nullptr};
        if (x_hat.defined()) report.samples = samples_of({{"reconstruction", generator.to_image(x_hat)}});
        return report;
    }

private:
    AwsOscillationParams p_;
    std::string name_;
};

}  // namespace

StateType aws_oscillation_state_type() {
    return {"aws_oscillation",
            "adversarial wake-sleep, top-down half of an oscillation: each critic's layers predicted from the inferred layer above",
            {ModuleKind::encoder, ModuleKind::generator, ModuleKind::discriminator}, parse,
            make_named_state<AwsOscillation, AwsOscillationParams>, "stochastic", check_after_wake};
}

}  // namespace somnus
