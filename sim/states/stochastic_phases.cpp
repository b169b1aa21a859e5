#include "sim/states/stochastic_phases.hpp"

#include <algorithm>

namespace somnus {

void accumulate_gradient(const torch::Tensor& loss, const std::vector<torch::Tensor>& params, double scale) {
    if (params.empty() || scale == 0.0) return;
    auto grads =
        torch::autograd::grad({loss}, params, {}, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (!grads[i].defined()) continue;
        auto& g = const_cast<torch::Tensor&>(params[i]).mutable_grad();
        if (g.defined())
            g.add_(grads[i], scale);
        else
            g = grads[i] * scale;
    }
}

CriticInputs critic_inputs(const Model& model, const Hierarchy& sample) {
    CriticInputs out;
    for (const auto& c : model.critics) out.push_back(c.layers_of(sample));
    return out;
}

std::vector<torch::Tensor> area_parameters(const Model& model) {
    auto params = model.feedforward_parameters();
    const auto& feedback = model.feedback_parameters();
    params.insert(params.end(), feedback.begin(), feedback.end());
    return params;
}

torch::Tensor adversarial_term(Model& model, const CriticInputs& sample, double phase, double weight) {
    torch::Tensor score;
    for (std::size_t i = 0; i < model.critics.size(); ++i) {
        auto s = model.critics[i].critic->forward(sample[i]).score.mean();
        score = score.defined() ? score + s : s;
    }
    accumulate_gradient(score, model.critic_parameters(), -weight * phase);
    if (score.requires_grad()) accumulate_gradient(score, area_parameters(model), weight * phase);
    return score.detach();
}

TopDownPrediction predict_top_down(Model& model, const Hierarchy& inferred) {
    auto& generator = model.stochastic_generator();
    const std::size_t top = inferred.size() - 1;
    TopDownPrediction out;
    for (const auto& c : model.critics) {
        const std::size_t bottom = c.reads.front(), highest = c.reads.back();
        Hierarchy h = inferred;
        if (bottom == top) {
            h[top] = generator.prior(inferred.front().size(0), model.device);  // the top layer's top-down source
        } else {
            const std::size_t from = c.reads.size() > 1 ? highest : highest + 1;  // kept as inferred
            for (std::size_t i = from; i-- > bottom;) h[i] = generator.generate_layer(i, h[i + 1], /*sample=*/true);
            if (bottom == 0) out.image = generator.to_image(h[0]);
        }
        out.predicted.push_back(c.layers_of(h));
        out.reconstructs.push_back(bottom != top);
    }
    return out;
}

const Fields<PenaltyRule>& penalty_fields() {
    static const Fields<PenaltyRule> fields{
        "penalty",
        "",
        {field::choice("penalty", &PenaltyRule::kind,
                       "the critics' gradient penalty: WGAN-GP on interpolates (paper), L1 at the samples (v1 code), "
                       "or none"),
         field::number("penalty_weight", &PenaltyRule::lambda, 0.0, 1e6, "weight of the gradient penalty")}};
    return fields;
}


torch::Tensor gradient_penalty_term(Model& model, const CriticInputs& sample, const PenaltyRule& rule, double weight) {
    if (rule.kind == PenaltyKind::none || rule.lambda == 0.0 || weight == 0.0) return host_measure(0.0);
    const CriticInputs wake = critic_inputs(model, model.wake_trace);
    torch::Tensor total;
    for (std::size_t i = 0; i < model.critics.size(); ++i) {
        Critic& critic = model.critics[i].critic;
        torch::Tensor penalty;
        if (rule.kind == PenaltyKind::interpolated) {
            penalty = gradient_penalty(critic, interpolate(wake[i], sample[i]));
        } else {  // the v1 code: at the wake points and at this phase's points
            penalty = gradient_penalty_l1(critic, wake[i]) + gradient_penalty_l1(critic, sample[i]);
        }
        accumulate_gradient(penalty, critic->parameters(), weight * rule.lambda);
        const torch::Tensor value = penalty.detach().to(torch::kFloat64);
        total = total.defined() ? total + value : value;
    }
    return total;
}


void begin_area_gradient(Model& model, AreaUpdates updates, bool cycle_start) {
    const bool gathering = updates == AreaUpdates::once_per_cycle && !cycle_start &&
                           !model.learned(PathwayKind::feedforward) && !model.learned(PathwayKind::feedback);
    if (!gathering) model.zero_grad();
}

void apply_area_gradient(Model& model, AreaUpdates updates, const std::string& state, bool feedforward, bool feedback) {
    if (updates == AreaUpdates::each_phase)
        model.learn_pathways(feedforward, feedback);
    else if (state == model.critic_consolidation_state())
        model.learn_pathways(/*feedforward=*/true, /*feedback=*/true);
}

void consolidate_critics(Model& model, const std::string& state) {
    if (state == model.critic_consolidation_state()) model.learn_critics();
}

void check_area_updates(const ExperimentSpec& spec, const StateSpec& state) {
    const auto* mine = dynamic_cast<const AdversarialPhaseParams*>(state.params.get());
    if (!mine) return;
    for (const auto& other : spec.states) {
        const auto* theirs = dynamic_cast<const AdversarialPhaseParams*>(other.params.get());
        if (!theirs) continue;
        if (theirs->area_updates != mine->area_updates)  // the first adversarial phase sets the rule
            throw SpecError(state.pointer + "/area_updates",
                            "brain state \"" + state.name + "\" updates the areas " + name_of(mine->area_updates) +
                                " but \"" + other.name + "\" " + name_of(theirs->area_updates) +
                                ": the adversarial phases of a cycle gather and apply the areas' gradient alike");
        return;
    }
}

void check_after_wake(const ExperimentSpec& spec, const StateSpec& state) {
    check_area_updates(spec, state);
    const auto& cycle = spec.schedule.cycle;
    if (std::find(cycle.begin(), cycle.end(), state.name) == cycle.end())
        throw SpecError(state.pointer, "brain state \"" + state.name + "\" (" + state.type +
                                           ") pairs its samples with the same mini-batch's Wake sample; run it in the "
                                           "day's cycle, not in a night");
    for (const auto& name : cycle) {
        if (name == state.name) break;
        if (spec.state(name)->type == "aws_wake") return;
    }
    throw SpecError("/schedule/cycle",
                    "brain state \"" + state.name + "\" (" + state.type +
                        ") pairs its samples with the cycle's Wake sample; put an aws_wake state before it");
}

void check_plain_gaussian_layers(const ExperimentSpec& spec, const StateSpec& state) {
    for (const auto& m : spec.modules)
        if (const auto* p = m.params.get_if<StochasticAreaParams>()) {
            if (p->architecture != Architecture::mlp && p->normalise)
                throw SpecError(m.pointer + "/architecture",
                                "brain state \"" + state.name + "\" (" + state.type +
                                    ") learns from exact Gaussian log-densities: use mlp areas, or conv areas with "
                                    "\"normalise\": false (conv layers normalise their samples)");
            if (p->recurrent_steps != 0)
                throw SpecError(m.pointer + "/recurrent_steps",
                                "brain state \"" + state.name + "\" (" + state.type +
                                    ") learns from exact Gaussian log-densities: set recurrent_steps to 0");
        }
}

}  // namespace somnus
