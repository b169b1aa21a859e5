// Negative phase, Hinton-style "unlearning" in sleep (Crick & Mitchison 1983;
// contrastive divergence, Hinton 2002): the model dreams, and what it dreams has
// its energy F raised instead of lowered. Dreams start from the day's input and
// take `gibbs_steps` alternations x -> z ~ q(z|x) -> x ~ p(x|z) (CD-k), or start
// from the prior. Only the generative pathway takes part (the dream's latent is
// held fixed), and it unlearns through the conductor's sign: with REM-like levels
// (ACh high, NA low) the feedback plasticity sign is -1.
#include "sim/spec/fields.hpp"
#include "sim/states/stochastic_phases.hpp"

namespace somnus {

namespace {

// Where the dream's Gibbs chain starts: the day's images (CD-k) or a sample of the prior.
enum class ChainStart { data, prior };
const EnumNames<ChainStart>& enum_names(ChainStart) {
    static const EnumNames<ChainStart> names{{ChainStart::data, "data"}, {ChainStart::prior, "prior"}};
    return names;
}

struct NegativePhaseParams : StateParams {
    double weight = 0.5;  // of the dream energy against the day's
    ChainStart start = ChainStart::data;
    std::int64_t gibbs_steps = 1;
};

const Fields<NegativePhaseParams>& fields() {
    static const Fields<NegativePhaseParams> fields{
        "negative_phase",
        "",
        {field::number("weight", &NegativePhaseParams::weight, 0.0, 1e6,
                       "weight of the dream's energy, unlearned against the day's"),
         field::choice("start", &NegativePhaseParams::start,
                       "where the dream's Gibbs chain starts: the day's images (CD-k) or a prior sample"),
         field::integer("gibbs_steps", &NegativePhaseParams::gibbs_steps, 1, 1000,
                        "Gibbs steps of the chain (k of CD-k)")}};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    return std::make_shared<NegativePhaseParams>(fields().read(r));
}

class NegativePhase : public BrainState {
public:
    explicit NegativePhase(const NegativePhaseParams& p) : p_(p) {}

    StepReport step(Model& model, const torch::Tensor& images, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        auto& generator = model.stochastic_generator();
        torch::Tensor dream, latent;
        {
            torch::NoGradGuard no_grad;
            if (p_.start == ChainStart::prior) {
                dream = generator.sample_image(generator.prior(images.size(0), model.device));
            } else {
                dream = images;
                for (std::int64_t k = 0; k < p_.gibbs_steps; ++k)
                    dream = generator.sample_image(model.encoder->sample_latent(dream));
            }
            latent = model.encoder->latent(dream);
        }
        auto energy = (generator.image(latent) - dream).pow(2).mean();
        (p_.weight * energy).backward();
        Modulation generative_only = m;
        generative_only.feedforward_sign = 0.0;
        model.learn(generative_only);
        return {{{"dream_energy", energy.detach()}}, {}, samples_of({{"dream", dream}})};
    }

private:
    NegativePhaseParams p_;
};

}  // namespace

StateType negative_phase_state_type() {
    return {"negative_phase",
            "unlearning sleep: dream (CD-k from the day's input, or from the prior) and raise the dream's energy",
            {ModuleKind::encoder, ModuleKind::generator},
            parse,
            make_state<NegativePhase, NegativePhaseParams>,
            &fields().parameters(),
            "stochastic"};
}

}  // namespace somnus
