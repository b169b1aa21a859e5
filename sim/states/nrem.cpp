// NREM: perturbed dreaming. The generator dreams from the newest stored latent,
// the dream is occluded by grey squares (one mask per mini-batch, drop rate and
// square size drawn anew each time), and the encoder learns to recover the latent.
#include <random>

#include "data/occlusion.hpp"
#include "sim/brain_state.hpp"

namespace somnus {

namespace {

struct NremParams : StateParams {
    double weight = 1.0;         // reference --N
    double max_drop_rate = 1.0;  // drop rate ~ U(0, max_drop_rate)
    std::int64_t min_tile = 1;   // square size ~ U{min_tile..max_tile}
    std::int64_t max_tile = 8;
};

std::shared_ptr<const StateParams> parse(ObjectReader& r) {
    auto p = std::make_shared<NremParams>();
    p->weight = r.number("weight", p->weight, 0.0, 1e6);
    p->max_drop_rate = r.number("max_drop_rate", p->max_drop_rate, 0.0, 1.0);
    p->min_tile = r.integer("min_tile", p->min_tile, 1, 32);
    p->max_tile = r.integer("max_tile", p->max_tile, 1, 32);
    if (p->max_tile < p->min_tile)
        throw SpecError(r.at("max_tile").to_string(), "max_tile " + std::to_string(p->max_tile) +
                                                          " is below min_tile " + std::to_string(p->min_tile));
    return p;
}

class Nrem : public BrainState {
public:
    explicit Nrem(const NremParams& p) : p_(p) {}

    StepReport step(Model& model, const torch::Tensor&, const Modulation& m, const StepClock&) override {
        model.zero_grad();
        auto z = model.hippocampus.replay();
        torch::Tensor dream;
        {
            // With the feedback pathway's plasticity off, the dream is a fixed target.
            torch::AutoGradMode grad(m.feedback_sign != 0.0);
            dream = model.generator(z);
        }
        double drop_rate = p_.max_drop_rate * torch::rand({1}).item<double>();
        std::int64_t tile = torch::randint(p_.min_tile, p_.max_tile + 1, {1}).item<std::int64_t>();
        auto mask = occlusion_mask(dream.size(2), dream.size(3), drop_rate, tile, dream.options());
        auto occluded = dream * mask;
        auto recovered = model.encoder(occluded).z;
        auto loss = model.reconstruction_loss(recovered, z);
        if (p_.weight > 0) (p_.weight * loss).backward();
        model.learn(m);
        return {{{"latent_reconstruction", loss.item<double>()}},
                {{"occlusion_drop_rate", drop_rate}, {"occlusion_tile", double(tile)}},
                samples_of({{"dream", dream}, {"occluded_dream", occluded}})};
    }

private:
    NremParams p_;
};

}  // namespace

StateType nrem_state_type() {
    return {"nrem", "replay a stored latent, occlude the dream, encoder learns to recover the latent",
            {ModuleKind::encoder, ModuleKind::generator, ModuleKind::hippocampus}, parse, make_state<Nrem, NremParams>};
}

}  // namespace somnus
