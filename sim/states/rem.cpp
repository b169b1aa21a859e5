// REM: adversarial dreaming. The hippocampus replays the newest memory mixed
// with an older one and noise; the generator dreams from it; the discriminator
// neurons are taught the conductor's target ("fake"), and the generator's
// plasticity sign (reversed in REM) turns its update into gradient ascent.
#include "sim/spec/fields.hpp"
#include "sim/states/brain_state.hpp"

namespace somnus {

namespace {

struct RemParams : StateParams {
    MixingRule mixing;
};

const Fields<RemParams>& fields() {
    static const Fields<MixingRule> mixing{
        "rem.mixing",
        "",
        {field::number("lambda", &MixingRule::lambda, 0.0, 1.0,
                       "share of replayed memory in the dream's latent; the rest is noise"),
         field::number("alpha", &MixingRule::alpha, 0.0, 1.0, "share of the newest memory in the mixture of two memories"),
         field::choice("first_step", &MixingRule::first_step,
                       "\"reference\": each epoch's first iteration mixes the memory with noise only; \"paper\": "
                       "the run's first iteration dreams from the memory alone"),
         field::boolean("mix_memories", &MixingRule::mix_memories,
                        "mix the newest memory with an older one; false: the newest memory and noise only")}};
    static const Fields<RemParams> fields{"rem", "", field::part(&RemParams::mixing, mixing)};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) { return std::make_shared<RemParams>(fields().read(r)); }

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
            &fields().parameters()};
}

}  // namespace somnus
