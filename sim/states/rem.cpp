// REM: adversarial dreaming. The hippocampus replays the newest memory mixed
// with an older one and noise; the generator dreams from it; the discriminator
// neurons are taught the conductor's target ("fake"), and the generator's
// plasticity sign (reversed in REM) turns its update into gradient ascent.
#include "sim/states/brain_state.hpp"

namespace somnus {

namespace {

struct RemParams : StateParams {
    MixingRule mixing;
};

const ParameterSet& parameters() {
    const MixingRule m;
    static const ParameterSet set{
        "rem",
        "",
        {number("lambda", m.lambda, 0.0, 1.0, "share of replayed memory in the dream's latent; the rest is noise"),
         number("alpha", m.alpha, 0.0, 1.0, "share of the newest memory in the mixture of two memories"),
         choice("first_step", name_of(m.first_step), names_of<FirstDream>(),
                "\"reference\": each epoch's first iteration mixes the memory with noise only; \"paper\": the "
                "run's first iteration dreams from the memory alone"),
         boolean("mix_memories", m.mix_memories,
                 "mix the newest memory with an older one; false: the newest memory and noise only")}};
    return set;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    auto p = std::make_shared<RemParams>();
    MixingRule& m = p->mixing;
    m.lambda = r.number("lambda");
    m.alpha = r.number("alpha");
    m.first_step = r.choice_of<FirstDream>("first_step");
    m.mix_memories = r.boolean("mix_memories");
    return p;
}

class Rem : public BrainState {
public:
    explicit Rem(const RemParams& p) : p_(p) {}

    StepReport step(Model& model, const torch::Tensor&, const Modulation& m, const StepClock& clock) override {
        model.zero_grad();
        auto noise = torch::randn_like(model.hippocampus.newest_latents());
        auto z_mix = model.hippocampus.replay_mixture(p_.mixing, noise, clock.iteration == 0, clock.step == 0);

        auto dream = model.generator->image(z_mix);
        auto d = model.discriminate(model.activations_to_discriminator(dream));  // the latent is not needed
        auto bce = torch::binary_cross_entropy(d, torch::full_like(d, m.discriminator_target));
        if (m.discriminator_active()) {
            (m.discriminator_gate * bce).backward();
            model.learn(m);
        }
        return {{{"fake", bce.detach()}},
                {{"discriminator_output", d.mean().detach()}},
                samples_of({{"dream", dream}, {"discriminator_output", d}})};
    }

private:
    RemParams p_;
};

}  // namespace

StateType rem_state_type() {
    return {"rem",
            "mix memories with noise, dream, discriminator taught 'fake', generator plasticity sign-reversed",
            {ModuleKind::encoder, ModuleKind::generator, ModuleKind::hippocampus, ModuleKind::discriminator},
            parse,
            make_state<Rem, RemParams>,
            &parameters()};
}

}  // namespace somnus
