// The stochastic hierarchy of adversarial wake-sleep (Benjamin & Kording) and the
// Helmholtz machine: an inference pathway and a generative pathway over the same
// layers of Gaussian populations (dense or conv), and WGAN critics that score
// adjacent layers of it. Registered in sim/model/area_families.cpp.
#include <algorithm>

#include "areas/stochastic_areas.hpp"
#include "sim/model/model.hpp"
#include "sim/spec/catalog.hpp"

namespace somnus {

namespace {

const ParameterSet& area_parameters() {
    const StochasticAreaParams p;
    static const ParameterSet set{
        "stochastic area",
        "",
        {choice("architecture", name_of(p.architecture), names_of<Architecture>(),
                "dense layers (the MNIST areas of adversarial wake-sleep) or a stochastic DCGAN (its CIFAR areas)"),
         integers("layers", p.layers, 1, 65536,
                  "units (mlp) or channels (conv) of each latent layer above the image, bottom first; the last is z; "
                  "conv: at most 6"),
         integer("hidden", p.hidden, 1, 65536, "hidden units of each layer's two-layer map (mlp)"),
         integer("recurrent_steps", p.recurrent_steps, 0, 16,
                 "recurrent refinement steps of each layer; 0 = plain diagonal Gaussian layers (conv: 0)")
             .defaulting("1 (mlp), 0 (conv)"),
         number("sigma_bias", p.sigma_bias, -100.0, 100.0,
                "initial bias of each layer's sigma head (softplus(-3) = 0.05)"),
         number("sigma_min", p.sigma_min, 0.0, 10.0, "floor of each layer's sigma"),
         boolean("normalise", p.normalise,
                 "conv: each hidden layer's sample through ReLU and divisive normalisation (the paper's stochastic "
                 "DCGAN), or false: plain Gaussian layers, whose log-densities are exact (Helmholtz, negative phase)")}};
    return set;
}

ModuleParams parse_area(ObjectReader& r) {
    StochasticAreaParams p;
    p.architecture = r.choice_of<Architecture>("architecture");
    p.layers = r.integers("layers");
    if (p.layers.empty()) throw SpecError(r.at("layers").to_string(), "give at least one latent layer size");
    if (p.architecture == Architecture::conv && p.layers.size() > 6)
        throw SpecError(
            r.at("layers").to_string(),
            "a conv hierarchy on 32x32 images has at most 6 latent layers (each but the top halves the image)");
    p.hidden = r.integer("hidden");
    p.recurrent_steps = r.integer("recurrent_steps", p.architecture == Architecture::conv ? 0 : p.recurrent_steps);
    if (p.architecture == Architecture::conv && p.recurrent_steps != 0)
        throw SpecError(r.at("recurrent_steps").to_string(),
                        "conv layers have no recurrent maps (their local recurrence is the divisive normalisation)");
    p.sigma_bias = r.number("sigma_bias");
    p.sigma_min = r.number("sigma_min");
    // Read only when given, so that the areas of a spec without it (and the model files
    // that record them) resolve as they always have.
    if (const Json* normalise = r.child("normalise")) {
        if (!normalise->is_boolean())
            throw SpecError(r.at("normalise").to_string(), "expected true or false, got " + json_type_name(*normalise));
        p.normalise = normalise->get<bool>();
        if (!p.normalise && p.architecture != Architecture::conv)
            throw SpecError(r.at("normalise").to_string(), "only conv layers normalise their samples; mlp layers have "
                                                           "nothing to turn off");
    }
    return p;
}

const ParameterSet& critic_parameters() {
    const CriticParams p;
    static const ParameterSet set{
        "critic",
        "",
        {strings("reads", p.reads,
                 "adjacent layers of the hierarchy it scores, bottom first: \"x\", \"h1\", ..., \"z\""),
         integer("hidden", p.hidden, 1, 65536, "units of each hidden layer"),
         integer("hidden_layers", p.hidden_layers, 0, 16,
                 "Linear-LeakyReLU layers before the linear score; 0 = a linear critic"),
         number("leaky_slope", p.leaky_slope, 0.0, 1.0, "negative slope of the LeakyReLU")}};
    return set;
}

ModuleParams parse_critic(ObjectReader& r) {
    CriticParams p;
    p.reads = r.strings("reads");
    if (p.reads.empty()) throw SpecError(r.at("reads").to_string(), "a critic reads at least one layer");
    p.hidden = r.integer("hidden");
    p.hidden_layers = r.integer("hidden_layers");
    p.leaky_slope = r.number("leaky_slope");
    return p;
}

// The inference pathway's layers above the image (h1, ..., z); the generative
// pathway's from the top down, the image last ("output").
std::vector<std::string> encoder_layers(const ModuleSpec& m) {
    auto names = hierarchy_layer_names(m.params.get<StochasticAreaParams>().layers.size());
    return {names.begin() + 1, names.end()};
}
std::vector<std::string> generator_layers(const ModuleSpec& m) {
    auto names = hierarchy_layer_names(m.params.get<StochasticAreaParams>().layers.size());
    std::vector<std::string> out(names.rbegin() + 1, names.rend());
    out.back() = "output";
    return out;
}
std::vector<std::string> critic_layers(const ModuleSpec&) { return {"output"}; }

// The positions in the hierarchy (`names`, bottom first) of the layers a critic reads;
// throws SpecError at its reads when one is not a layer or they are not adjacent.
std::vector<std::size_t> read_indices(const ModuleSpec& critic, const std::vector<std::string>& names) {
    const auto& reads = critic.params.get<CriticParams>().reads;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < reads.size(); ++i) {
        auto it = std::find(names.begin(), names.end(), reads[i]);
        if (it == names.end())
            throw SpecError(critic.pointer + "/reads/" + std::to_string(i), unknown_name("layer", reads[i], names));
        index.push_back(static_cast<std::size_t>(it - names.begin()));
        if (i > 0 && index[i] != index[i - 1] + 1)
            throw SpecError(critic.pointer + "/reads",
                            "a critic reads adjacent layers, bottom first (layers: " + join(names) + ")");
    }
    return index;
}

// Both pathways join one hierarchy of populations, and each critic reads adjacent layers of it.
void check(const ExperimentSpec&, const FamilyModules& m) {
    const auto& encoder = m.encoder.params.get<StochasticAreaParams>();
    const auto& generator = m.generator.params.get<StochasticAreaParams>();
    if (encoder.layers != generator.layers || encoder.architecture != generator.architecture ||
        encoder.normalise != generator.normalise)
        throw SpecError(m.generator.pointer + "/layers",
                        "the generator's layers, architecture and normalisation must be the encoder's (\"" + m.encoder.name +
                            "\"): both pathways join the same hierarchy of populations");
    const auto names = hierarchy_layer_names(encoder.layers.size());
    for (const ModuleSpec* critic : m.discriminators) read_indices(*critic, names);
}

void build(Model& model, const ExperimentSpec& spec) {
    const Roles& roles = model.circuit.roles();
    const auto& area = model.params_of<StochasticAreaParams>(spec, roles.encoder);
    model.latent_dim = area.layers.back();
    model.encoder = StochasticEncoder(model.channels, model.image_size, area).ptr();
    model.generator = StochasticGenerator(model.channels, model.image_size,
                                          model.params_of<StochasticAreaParams>(spec, roles.generator))
                          .ptr();
    const auto names = hierarchy_layer_names(area.layers.size());
    const auto sizes = hierarchy_sizes(model.channels, model.image_size, area);
    for (ModuleId id : roles.critics) {
        const ModuleSpec& critic = *spec.module(model.circuit.name(id));
        CriticModule c{critic.name, nullptr, read_indices(critic, names)};
        std::int64_t inputs = 0;
        for (std::size_t layer : c.reads) inputs += sizes[layer];
        c.critic = Critic(inputs, critic.params.get<CriticParams>());
        model.critics.push_back(std::move(c));
    }
}

}  // namespace

AreaFamily stochastic_area_family() {
    return {
        "stochastic",
        "a hierarchy of Gaussian populations, inference and generative pathways over the same layers, scored by "
        "WGAN critics (adversarial wake-sleep, Helmholtz machine)",
        {{"stochastic_encoder", "the inference pathway of a stochastic hierarchy (adversarial wake-sleep, Helmholtz)",
          ModuleKind::encoder, &area_parameters(), parse_area, encoder_layers},
         {"stochastic_generator", "the generative pathway of a stochastic hierarchy, the same layers as the encoder",
          ModuleKind::generator, &area_parameters(), parse_area, generator_layers, "normalised intensity"},
         {"critic", "a WGAN critic scoring adjacent layers of a stochastic hierarchy (adversarial wake-sleep)",
          ModuleKind::discriminator, &critic_parameters(), parse_critic, critic_layers,
          "critic score (higher = judged awake)"}},
        /*critics=*/true,
        check,
        build,
        "they sample each layer and learn from its Gaussian: a mean and a sigma per unit"};
}

}  // namespace somnus
