#include "areas/discriminator_neurons.hpp"

#include <stdexcept>

#include "areas/pad_areas.hpp"

namespace somnus {

namespace nn = torch::nn;

DiscriminatorNeuronsImpl::DiscriminatorNeuronsImpl(const std::vector<std::int64_t>& layer,
                                                   const DiscriminatorParams& p) {
    if (layer.size() == 3) {
        // PAD: k4 s2 p0 on layer3's 4x4 maps, one output position. The stride never
        // moves a kernel that covers the whole map; it is kept as the reference has it.
        conv = register_module(
            "conv", nn::Conv2d(nn::Conv2dOptions(layer[0], 1, {layer[1], layer[2]}).stride(2).padding(0).bias(true)));
        init_conv_weights(*this, p.init_std);
    } else if (layer.size() == 1) {
        dense = register_module("dense", nn::Linear(layer[0], 1));
        torch::NoGradGuard no_grad;
        dense->weight.normal_(0.0, p.init_std);
    } else {
        throw std::logic_error("discriminator neurons read a conv layer (C, H, W) or a dense one (units)");
    }
}

torch::Tensor DiscriminatorNeuronsImpl::forward(const torch::Tensor& layer) {
    return torch::sigmoid(conv ? conv(layer) : dense(layer)).flatten();
}

}  // namespace somnus
