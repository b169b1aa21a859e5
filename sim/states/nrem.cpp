// NREM: perturbed dreaming. The generator dreams from the newest stored latent,
// the dream is occluded by grey squares (one mask per mini-batch, drop rate and
// square size drawn anew each time), and the encoder learns to recover the latent.
// With replay "mixed" (the paper's appendix variant) NREM dreams from REM's
// mixture of two memories and noise instead of a single memory.
#include <random>

#include "data/occlusion.hpp"
#include "sim/spec/fields.hpp"
#include "sim/states/brain_state.hpp"

namespace somnus {

namespace {

// What NREM dreams from: the newest memory, or REM's mixture of two memories and noise.
enum class NremReplay { single, mixed };
const EnumNames<NremReplay>& enum_names(NremReplay) {
    static const EnumNames<NremReplay> names{{NremReplay::single, "single"}, {NremReplay::mixed, "mixed"}};
    return names;
}

struct NremParams : StateParams {
    double weight = 1.0;         // reference --N
    double max_drop_rate = 1.0;  // drop rate ~ U(0, max_drop_rate)
    std::int64_t min_tile = 1;   // square size ~ U{min_tile..max_tile}
    std::int64_t max_tile = 8;
    NremReplay replay = NremReplay::single;
    MixingRule mixing;
};

const Fields<NremParams>& fields() {
    static const Fields<MixingRule> mixing{
        "nrem.mixing",
        "",
        {field::number("lambda", &MixingRule::lambda, 0.0, 1.0, "replay \"mixed\": share of memory against noise"),
         field::number("alpha", &MixingRule::alpha, 0.0, 1.0, "replay \"mixed\": share of the newest memory")}};
    static const Fields<NremParams> fields{
        "nrem",
        "",
        field::joined<NremParams>(
            {field::number("weight", &NremParams::weight, 0.0, 1e6, "weight of the latent reconstruction loss (reference --N)"),
             field::number("max_drop_rate", &NremParams::max_drop_rate, 0.0, 1.0,
                           "occlusion: each grey square is dropped with a rate drawn from U(0, max_drop_rate)"),
             field::integer("min_tile", &NremParams::min_tile, 1, 32, "smallest side of an occluding square").in("pixels"),
             field::integer("max_tile", &NremParams::max_tile, 1, 32, "largest side of an occluding square (>= min_tile)")
                 .in("pixels"),
             field::choice("replay", &NremParams::replay,
                           "dream from the newest memory alone, or from REM's mixture of two memories and noise")},
            field::part(&NremParams::mixing, mixing))};
    return fields;
}

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    auto p = std::make_shared<NremParams>(fields().read(r));
    if (p->max_tile < p->min_tile)
        throw SpecError(r.at("max_tile").to_string(), "max_tile " + std::to_string(p->max_tile) +
                                                          " is below min_tile " + std::to_string(p->min_tile));
    return p;
}

class Nrem : public BrainState {
public:
    explicit Nrem(const NremParams& p) : p_(p) {}

    StepReport step(Model& model, const torch::Tensor&, const Modulation& m, const StepClock& clock) override {
        model.zero_grad();
        torch::Tensor z;
        if (p_.replay == NremReplay::mixed) {
            auto noise = torch::randn_like(model.hippocampus.newest_latents());
            z = model.hippocampus.replay_mixture(p_.mixing, noise, clock.iteration == 0, clock.step == 0);
        } else {
            z = model.hippocampus.replay();
        }
        torch::Tensor dream;
        {
            // With the feedback pathway's plasticity off, the dream is a fixed target.
            torch::AutoGradMode grad(m.feedback_sign != 0.0);
            dream = model.generator->image(z);
        }
        double drop_rate = p_.max_drop_rate * torch::rand({1}).item<double>();                       // host: a scalar
        std::int64_t tile = torch::randint(p_.min_tile, p_.max_tile + 1, {1}).item<std::int64_t>();  // host: a scalar
        auto mask = occlusion_mask(dream.size(2), dream.size(3), drop_rate, tile, dream.options());
        auto occluded = dream * mask;
        auto recovered = model.encoder->latent(occluded);
        auto loss = model.reconstruction_loss(recovered, z);
        if (p_.weight > 0) (p_.weight * loss).backward();
        model.learn(m);
        return {{{"latent_reconstruction", loss.detach()}},
                {{"occlusion_drop_rate", host_measure(drop_rate)}, {"occlusion_tile", host_measure(double(tile))}},
                samples_of({{"dream", dream}, {"occluded_dream", occluded}})};
    }

private:
    NremParams p_;
};

}  // namespace

StateType nrem_state_type() {
    return {"nrem",
            "replay a stored latent, occlude the dream, encoder learns to recover the latent",
            {ModuleKind::encoder, ModuleKind::generator, ModuleKind::hippocampus},
            parse,
            make_state<Nrem, NremParams>,
            &fields().parameters()};
}

}  // namespace somnus
