// Parameters of the cortical areas (encoder, generator, discriminator, critic).
// Plain values: the spec layer (sim/spec/) fills them in, the areas here are built from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/enum_names.hpp"

namespace somnus {

// The networks of a stochastic area: dense layers (the paper's MNIST areas), or the
// stochastic DCGAN (its CIFAR areas): k4 s2 p1 convolutions halving the image, the
// top layer a convolution down to 1x1.
enum class Architecture { mlp, conv };
inline const EnumNames<Architecture>& enum_names(Architecture) {
    static const EnumNames<Architecture> names{{Architecture::mlp, "mlp"}, {Architecture::conv, "conv"}};
    return names;
}

// A cortical area of the DCGAN-like PAD networks (encoder or generator).
struct AreaParams {
    std::int64_t latent_dim = 256;
    std::int64_t features = 64;  // channels of the first conv layer; doubles per layer
    double leaky_slope = 0.2;
    double init_std = 0.02;  // conv weights ~ N(0, init_std); biases keep the LibTorch default
};

// A stochastic area of adversarial wake-sleep or a Helmholtz machine (areas/stochastic_areas.hpp):
// the same parameters for the inference (encoder) and generative (generator) pathway.
struct StochasticAreaParams {
    Architecture architecture = Architecture::mlp;
    std::vector<std::int64_t> layers{
        64};  // units (mlp) or channels (conv) of the latent layers above the image, bottom first; the last is z
    std::int64_t hidden = 512;         // hidden units of each layer's two-layer map (mlp)
    std::int64_t recurrent_steps = 1;  // 0 = plain diagonal Gaussian layers (mlp; conv layers have none)
    double sigma_bias = -3.0;          // initial bias of the sigma head: sigma ~ softplus(-3) = 0.05
    double sigma_min = 1e-4;
    // conv: each hidden layer's sample through ReLU and divisive normalisation (the
    // paper's stochastic DCGAN), or left as it is drawn, a plain Gaussian whose
    // log-density is exact (what the Helmholtz machine and negative-phase sleep learn from).
    bool normalise = true;
};

// Layer names of a stochastic hierarchy with this many latent layers: "x", "h1", ..., "h{L-1}", "z".
std::vector<std::string> hierarchy_layer_names(std::size_t latent_layers);

// A WGAN critic (discriminator) on some adjacent layers of the stochastic hierarchy.
struct CriticParams {
    std::vector<std::string> reads{"x", "z"};  // layer names: "x", "h1", ..., "z"
    std::int64_t hidden = 512;
    std::int64_t hidden_layers = 2;  // 0 = a linear critic
    double leaky_slope = 0.2;
};

// Discriminator neurons reading the encoder's third layer (one 4x4 conv + sigmoid).
struct DiscriminatorParams {
    double init_std = 0.02;
};

}  // namespace somnus
