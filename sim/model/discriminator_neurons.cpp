// PAD's discriminator neurons as a module type of no area family: they read the
// encoder layer their feedforward pathway names (areas/discriminator_neurons.hpp),
// so PAD's states train any family's areas. Registered with the families in
// sim/model/area_families.cpp; the model builds them (Model::Model).
#include "areas/discriminator_neurons.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

namespace {

const ParameterSet& parameters() {
    static const ParameterSet set{
        "pad_discriminator",
        "",
        {number("init_std", DiscriminatorParams{}.init_std, 0.0, 10.0, "weights drawn from N(0, init_std)")}};
    return set;
}

ModuleParams parse(ObjectReader& r) {
    DiscriminatorParams p;
    p.init_std = r.number("init_std");
    return p;
}

std::vector<std::string> layers(const ModuleSpec&) { return {"output"}; }

}  // namespace

ModuleType discriminator_neurons_type() {
    return {"pad_discriminator",
            "discriminator neurons on a layer of the encoder (by default the one below the latent; the pathway's "
            "\"layer\" names another): is the input real or a dream?",
            ModuleKind::discriminator,
            &parameters(),
            parse,
            layers,
            "probability (1 = judged real)"};
}

}  // namespace somnus
