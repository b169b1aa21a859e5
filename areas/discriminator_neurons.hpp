// Discriminator neurons (PAD, Deperrois et al. 2022): one unit reading a layer of
// the feedforward pathway, d = sigmoid(w . h + b) = P(the input was external).
// The layer is the one the encoder -> discriminator pathway names (by default the
// layer below the latent: PAD's layer3), of any area family's encoder: a conv
// layer (C, H, W) is read by one C -> 1 convolution whose kernel covers it (PAD's
// 4x4 conv on layer3), a dense layer (units) by one Linear(units, 1).
#pragma once

#include <vector>

#include <torch/torch.h>

#include "areas/params.hpp"

namespace somnus {

class DiscriminatorNeuronsImpl : public torch::nn::Module {
public:
    // `layer`: the shape of one example of the layer read, (C, H, W) or (units).
    DiscriminatorNeuronsImpl(const std::vector<std::int64_t>& layer, const DiscriminatorParams& p);
    // (B, ...) activity of the layer -> d in (0, 1), shape (B).
    torch::Tensor forward(const torch::Tensor& layer);

private:
    torch::nn::Conv2d conv{nullptr};    // a conv layer's reader (named "conv", as PAD's reference names it)
    torch::nn::Linear dense{nullptr};   // a dense layer's reader
};
TORCH_MODULE(DiscriminatorNeurons);

}  // namespace somnus
