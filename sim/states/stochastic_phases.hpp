// What the brain states on stochastic areas share.
//
// Adversarial wake-sleep: each phase shows the critics
// a sample of the hierarchy; the conductor's phase p says which way they learn.
//
// WGAN form (Benjamin & Kording, Eqs. 4, 7, 8): critic D maximises
// E_wake D - E_sleep D; the cortical areas minimise it. A phase with phase
// signal p and weight w contributes, for the critics, the gradient of
// -w p mean D(sample), and, for the areas that made the sample, +w p mean D.
// Critic gradients accumulate over the cycle and are applied once, at its end.
#pragma once

#include <string>
#include <vector>

#include "sim/spec/fields.hpp"
#include "sim/states/brain_state.hpp"

namespace somnus {

// Adds scale * d loss / d param to each parameter's gradient (parameters the loss does not reach are left alone).
void accumulate_gradient(const torch::Tensor& loss, const std::vector<torch::Tensor>& params, double scale);

// The cortical areas' parameters: feedforward, then feedback.
std::vector<torch::Tensor> area_parameters(const Model& model);

// Every critic's layers of one phase's sample, in model.critics order.
using CriticInputs = std::vector<std::vector<torch::Tensor>>;
CriticInputs critic_inputs(const Model& model, const Hierarchy& sample);

// The top-down half of an oscillation (aws_oscillation): for each critic, its layers with
// all but the highest predicted top-down from the inferred layer above them (sampled); a
// critic of one layer gets it predicted from the layer above, or from the prior at the top.
struct TopDownPrediction {
    CriticInputs predicted;          // per critic
    std::vector<bool> reconstructs;  // per critic: predicted from inferred activity (not the prior)
    torch::Tensor image;             // the predicted bottom layer, when some critic reads x
};
TopDownPrediction predict_top_down(Model& model, const Hierarchy& inferred);

// The phase's adversarial term (see above). Returns the mean critic score summed
// over critics (a measure: 0-dim, detached, on the run's device).
torch::Tensor adversarial_term(Model& model, const CriticInputs& sample, double phase, double weight);

// How the critics' gradient penalty is taken (spec "penalty"): Gulrajani's WGAN-GP on
// wake/phase interpolates (the paper), L1 at the samples (the v1 code), or none.
enum class PenaltyKind { interpolated, at_samples_l1, none };
inline const EnumNames<PenaltyKind>& enum_names(PenaltyKind) {
    static const EnumNames<PenaltyKind> names{{PenaltyKind::interpolated, "interpolated"},
                                              {PenaltyKind::at_samples_l1, "at_samples_l1"},
                                              {PenaltyKind::none, "none"}};
    return names;
}

struct PenaltyRule {
    PenaltyKind kind = PenaltyKind::interpolated;
    double lambda = 1.0;
};
// The keys "penalty" and "penalty_weight" of an adversarial phase, bound to PenaltyRule's fields
// (a part of the phase's parameters: field::part(&Params::penalty, penalty_fields())).
const Fields<PenaltyRule>& penalty_fields();

// The penalty between the cycle's wake trace and this phase's sample, weighted `weight`,
// added to the critics' gradients. Returns its value summed over critics (a
// float64 measure, added in critic order; 0 on the host when there is no penalty).
torch::Tensor gradient_penalty_term(Model& model, const CriticInputs& sample, const PenaltyRule& rule, double weight);

// When the areas learn from adversarial wake-sleep's phases (spec "area_updates"):
//   each_phase:     each phase steps the pathways it trains with its own gradient as
//                   soon as it has it (Wake the encoder, Sleep the generator, the
//                   oscillation both): two or three Adam steps a mini-batch;
//   once_per_cycle: the phases' gradients add up over the cycle, sum_phase w_phase
//                   grad L_phase, and the areas take one step with the cycle's last
//                   adversarial phase, when the critics do: the reference
//                   prototype's one network step a mini-batch
//                   (../shared/reference/aws_reference.md, section 7), where gamma
//                   weighs the terms of one gradient rather than of separate steps.
// Every adversarial phase of a spec says the same (check_adversarial_phase).
enum class AreaUpdates { each_phase, once_per_cycle };
inline const EnumNames<AreaUpdates>& enum_names(AreaUpdates) {
    static const EnumNames<AreaUpdates> names{{AreaUpdates::each_phase, "each_phase"},
                                              {AreaUpdates::once_per_cycle, "once_per_cycle"}};
    return names;
}

// The parameters every adversarial wake-sleep phase has.
struct AdversarialPhaseParams : StateParams {
    AreaUpdates area_updates = AreaUpdates::each_phase;
};
// The key "area_updates", bound to the field of the phase's parameters S.
template <class S>
Field<S> area_updates_field() {
    return field::choice<S, AreaUpdates>(
        "area_updates", &S::area_updates,
        "when the areas step: after each phase with its own gradient, or once per cycle with the phases' gradients "
        "summed (the reference prototype's one network step a mini-batch); every adversarial phase says the same");
}

// Starts a phase's gradient: clears the areas' gradients, unless the cycle gathers
// them once per cycle and this phase is not its Wake (`cycle_start`) and the areas
// have not stepped since.
void begin_area_gradient(Model& model, AreaUpdates updates, bool cycle_start);
// Steps the areas: this phase's pathways now (each_phase), or both pathways when
// `state` is the cycle's last adversarial phase (once_per_cycle).
void apply_area_gradient(Model& model, AreaUpdates updates, const std::string& state, bool feedforward, bool feedback);

// Steps the critics when `state` is the cycle's last adversarial phase.
void consolidate_critics(Model& model, const std::string& state);

// Checks that every adversarial wake-sleep phase of the spec updates the areas alike ("area_updates").
void check_area_updates(const ExperimentSpec& spec, const StateSpec& state);
// Checks that an adversarial wake-sleep phase other than Wake follows an aws_wake state in
// the cycle, and check_area_updates.
void check_after_wake(const ExperimentSpec& spec, const StateSpec& state);

// Checks that the areas' layers are plain Gaussians (recurrent_steps 0), as states
// that learn from exact layer log-densities (the Helmholtz machine) need.
void check_plain_gaussian_layers(const ExperimentSpec& spec, const StateSpec& state);

}  // namespace somnus
