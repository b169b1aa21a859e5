#include "areas/pad_areas.hpp"

namespace somnus {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {
nn::Conv2dOptions conv_options(std::int64_t in, std::int64_t out, std::int64_t padding) {
    return nn::Conv2dOptions(in, out, 4).stride(2).padding(padding).bias(true);
}
nn::ConvTranspose2dOptions tconv(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t padding) {
    return nn::ConvTranspose2dOptions(in, out, 4).stride(stride).padding(padding).bias(true);
}
}  // namespace

void init_conv_weights(nn::Module& module, double std) {
    torch::NoGradGuard no_grad;
    for (auto& m : module.modules(/*include_self=*/false)) {
        if (auto* c = m->as<nn::Conv2d>()) c->weight.normal_(0.0, std);
        if (auto* t = m->as<nn::ConvTranspose2d>()) t->weight.normal_(0.0, std);
    }
}

PadEncoderImpl::PadEncoderImpl(std::int64_t channels, const AreaParams& p) : slope_(p.leaky_slope) {
    const std::int64_t f = p.features;
    conv1 = register_module("conv1", nn::Conv2d(conv_options(channels, f, 1)));
    conv2 = register_module("conv2", nn::Conv2d(conv_options(f, 2 * f, 1)));
    conv3 = register_module("conv3", nn::Conv2d(conv_options(2 * f, 4 * f, 1)));
    conv4 = register_module("conv4", nn::Conv2d(conv_options(4 * f, p.latent_dim, 0)));
    init_conv_weights(*this, p.init_std);
}

PadEncoderImpl::Output PadEncoderImpl::forward(const torch::Tensor& x) {
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    auto h = F::leaky_relu(conv1(x), leaky);
    h = F::leaky_relu(conv2(h), leaky);
    auto layer3 = F::leaky_relu(conv3(h), leaky);
    return {conv4(layer3).flatten(1), layer3};
}

std::vector<torch::Tensor> PadEncoderImpl::activations(const torch::Tensor& x) {
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    auto h1 = F::leaky_relu(conv1(x), leaky);
    auto h2 = F::leaky_relu(conv2(h1), leaky);
    auto h3 = F::leaky_relu(conv3(h2), leaky);
    return {h1, h2, h3, conv4(h3).flatten(1)};
}

PadGeneratorImpl::PadGeneratorImpl(std::int64_t channels, const AreaParams& p)
    : latent_dim_(p.latent_dim), slope_(p.leaky_slope) {
    const std::int64_t f = p.features;
    tconv1 = register_module("tconv1", nn::ConvTranspose2d(tconv(p.latent_dim, 4 * f, 1, 0)));
    tconv2 = register_module("tconv2", nn::ConvTranspose2d(tconv(4 * f, 2 * f, 2, 1)));
    tconv3 = register_module("tconv3", nn::ConvTranspose2d(tconv(2 * f, f, 2, 1)));
    tconv4 = register_module("tconv4", nn::ConvTranspose2d(tconv(f, channels, 2, 1)));
    init_conv_weights(*this, p.init_std);
}

torch::Tensor PadGeneratorImpl::forward(const torch::Tensor& z) {
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    auto h = F::leaky_relu(tconv1(z.view({z.size(0), latent_dim_, 1, 1})), leaky);
    h = F::leaky_relu(tconv2(h), leaky);
    h = F::leaky_relu(tconv3(h), leaky);
    return torch::tanh(tconv4(h));
}

PadDiscriminatorImpl::PadDiscriminatorImpl(std::int64_t in_channels, const DiscriminatorParams& p) {
    conv = register_module("conv", nn::Conv2d(conv_options(in_channels, 1, 0)));
    init_conv_weights(*this, p.init_std);
}

torch::Tensor PadDiscriminatorImpl::forward(const torch::Tensor& layer3) {
    return torch::sigmoid(conv(layer3)).flatten();
}

}  // namespace somnus
