// Wake: the encoder sees real images. It learns to reconstruct them through the
// generator, keeps its latents near N(0, 1) (batch-moment KL), and its
// discriminator neurons are taught the conductor's target ("real" by default).
// The latents are stored in the hippocampus for the sleep that follows.
#include "sim/spec/fields.hpp"
#include "sim/states/brain_state.hpp"

namespace somnus {

namespace {

// When the discriminator learns "real": only when some state of the cycle teaches it
// "fake" (the reference: BCE_real only if R > 0), or always (the paper's Wake loss).
enum class RealLoss { adversarial, always };
const EnumNames<RealLoss>& enum_names(RealLoss) {
    static const EnumNames<RealLoss> names{{RealLoss::adversarial, "adversarial"}, {RealLoss::always, "always"}};
    return names;
}

struct WakeParams : StateParams {
    double reconstruction_weight = 1.0;  // reference --W
    double kl_weight = 1.0;              // always 1 in the reference, even when W = 0
    double latent_noise_std = 0.0;       // reference --epsilon: z + std * N(0, I) before the generator
    RealLoss real_loss = RealLoss::adversarial;
};

const Fields<WakeParams>& fields() {
    static const Fields<WakeParams> fields{
        "wake",
        "",
        {field::number("reconstruction_weight", &WakeParams::reconstruction_weight, 0.0, 1e6,
                       "weight of the image reconstruction loss (reference --W)"),
         field::number("kl_weight", &WakeParams::kl_weight, 0.0, 1e6,
                       "weight of the latent's KL term (1 in the reference, even at W = 0)"),
         field::number("latent_noise_std", &WakeParams::latent_noise_std, 0.0, 1e6,
                       "std of the Gaussian noise added to the latent before the generator (reference --epsilon)"),
         field::choice("real_loss", &WakeParams::real_loss,
                       "discriminator taught \"real\" only when some state teaches \"fake\" (reference), or always "
                       "(paper)")}};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) { return std::make_shared<WakeParams>(fields().read(r)); }

class Wake : public BrainState {
public:
    explicit Wake(const WakeParams& p) : p_(p) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock& clock) override {
        model.zero_grad();
        const auto activity = model.encoder->activations(images);  // noise-free, input side first, z last
        const torch::Tensor& latent = activity.back();
        StepReport report;
        Measures& losses = report.losses;
        auto kl = Model::latent_kl(latent);
        losses.emplace_back("kl", kl.detach());
        auto total = p_.kl_weight * kl;

        torch::Tensor d;
        bool teach =
            model.discriminator && m.discriminator_active() && (p_.real_loss == RealLoss::always || model.adversarial);
        if (teach) {
            d = model.discriminate(activity);
            auto bce = torch::binary_cross_entropy(d, torch::full_like(d, m.discriminator_target));
            total = total + m.discriminator_gate * bce;
            losses.emplace_back("real", bce.detach());
            report.observables.emplace_back("discriminator_output", d.mean().detach());
        }

        auto z = latent;
        if (p_.latent_noise_std > 0) z = z + p_.latent_noise_std * torch::randn_like(z);
        auto prediction = model.generator->image(z);
        auto reconstruction = model.reconstruction_loss(prediction, images);
        losses.emplace_back("reconstruction", reconstruction.detach());
        if (p_.reconstruction_weight > 0) total = total + p_.reconstruction_weight * reconstruction;

        total.backward();
        model.hippocampus.store(latent, clock.step);
        model.learn(m);
        report.samples = samples_of({{"input", images}, {"reconstruction", prediction}, {"discriminator_output", d}});
        return report;
    }

private:
    WakeParams p_;
};

}  // namespace

StateType wake_state_type() {
    StateType t{"wake",
                "reconstruct real input, KL on latents, discriminator taught 'real'; store latents",
                {ModuleKind::encoder, ModuleKind::generator, ModuleKind::hippocampus},
                parse,
                make_state<Wake, WakeParams>,
                &fields().parameters()};
    t.awake = true;
    return t;
}

}  // namespace somnus
