// PAD's cortical areas (Deperrois et al., eLife 2022): a conv encoder (the
// feedforward pathway) and a deconv generator (the feedback pathway) meeting at
// the latent z. Its discriminator neurons, on the encoder's third layer, read any
// family's encoder (discriminator_neurons.cpp).
// Registered in sim/model/area_families.cpp.
#include "areas/pad_areas.hpp"
#include "sim/model/model.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

namespace {

const ParameterSet& area_parameters() {
    const AreaParams p;
    static const ParameterSet set{
        "pad area",
        "",
        {integer("latent_dim", p.latent_dim, 1, 65536,
                 "units of the latent z (the encoder's output, the generator's input)"),
         integer("features", p.features, 1, 4096, "channels of the first conv layer, doubled at each layer after it"),
         number("leaky_slope", p.leaky_slope, 0.0, 1.0, "negative slope of the LeakyReLU"),
         number("init_std", p.init_std, 0.0, 10.0,
                "conv weights drawn from N(0, init_std); biases keep LibTorch's default")}};
    return set;
}

ModuleParams parse_area(ObjectReader& r) {
    AreaParams p;
    p.latent_dim = r.integer("latent_dim");
    p.features = r.integer("features");
    p.leaky_slope = r.number("leaky_slope");
    p.init_std = r.number("init_std");
    return p;
}

std::vector<std::string> encoder_layers(const ModuleSpec&) { return {"layer1", "layer2", "layer3", "z"}; }
std::vector<std::string> generator_layers(const ModuleSpec&) { return {"layer1", "layer2", "layer3", "output"}; }

// The two pathways meet at one latent z.
void check(const ExperimentSpec&, const FamilyModules& m) {
    const auto& encoder = m.encoder.params.get<AreaParams>();
    const auto& generator = m.generator.params.get<AreaParams>();
    if (encoder.latent_dim != generator.latent_dim)
        throw SpecError(m.generator.pointer + "/latent_dim",
                        "type mismatch: generator latent_dim " + std::to_string(generator.latent_dim) +
                            " does not match encoder latent_dim " + std::to_string(encoder.latent_dim));
}

void build(Model& model, const ExperimentSpec& spec) {
    const Roles& roles = model.circuit.roles();
    const auto& encoder = model.params_of<AreaParams>(spec, roles.encoder);
    model.latent_dim = encoder.latent_dim;
    model.encoder = PadEncoder(model.channels, encoder).ptr();
    model.generator = PadGenerator(model.channels, model.params_of<AreaParams>(spec, roles.generator)).ptr();
}

}  // namespace

AreaFamily pad_area_family() {
    return {"pad",
            "PAD's conv areas: a deterministic encoder and generator meeting at z",
            {{"pad_encoder", "PAD's feedforward pathway: a conv encoder from the image to the latent z",
              ModuleKind::encoder, &area_parameters(), parse_area, encoder_layers},
             {"pad_generator", "PAD's feedback pathway: a deconv generator from the latent z to the image",
              ModuleKind::generator, &area_parameters(), parse_area, generator_layers, "normalised intensity"}},
            /*critics=*/false,
            check,
            build};
}

}  // namespace somnus
