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

namespace {

// y = conv_transpose2d(x, W) is the adjoint of x = conv2d(y, W): y is the input
// gradient of conv2d at output gradient x, its own input gradient is
// conv2d(grad_y, W), and its weight gradient is that of conv2d with input grad_y
// and output gradient x. All three run on LibTorch's oneDNN convolutions.

// Whether oneDNN's kernels beat LibTorch's direct transposed convolution: float
// on the CPU with enough channels on both sides to fill its vector blocks (the
// generator's last layer, 64 -> 1 channel, is faster direct).
bool adjoint_is_faster(const torch::Tensor& input, const torch::Tensor& weight) {
    return input.device().is_cpu() && input.scalar_type() == torch::kFloat && weight.size(0) >= 8 &&
           weight.size(1) >= 8;
}

torch::Tensor transposed_forward(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                                 std::int64_t s, std::int64_t p) {
    if (!adjoint_is_faster(input, weight)) return torch::conv_transpose2d(input, weight, bias, s, p);
    const std::int64_t h = (input.size(2) - 1) * s - 2 * p + weight.size(2);
    const std::int64_t w = (input.size(3) - 1) * s - 2 * p + weight.size(3);
    // conv2d's input only lends its shape here; its values are never read.
    auto shape = torch::empty({input.size(0), weight.size(1), h, w}, input.options());
    auto y = std::get<0>(at::convolution_backward(input.contiguous(), shape, weight, c10::nullopt, {s, s}, {p, p},
                                                  {1, 1}, false, {0, 0}, 1, {true, false, false}));
    return bias.defined() ? y.add_(bias.view({1, -1, 1, 1})) : y;
}

struct TransposedConvolution : torch::autograd::Function<TransposedConvolution> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias, std::int64_t stride,
                                 std::int64_t padding) {
        ctx->save_for_backward({input, weight});
        ctx->saved_data["stride"] = stride;
        ctx->saved_data["padding"] = padding;
        return transposed_forward(input, weight, bias, stride, padding);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        auto saved = ctx->get_saved_variables();
        const auto& input = saved[0];
        const auto& weight = saved[1];
        const std::int64_t s = ctx->saved_data["stride"].toInt(), p = ctx->saved_data["padding"].toInt();
        auto grad = grads[0].contiguous();
        torch::Tensor grad_input, grad_weight, grad_bias;
        if (ctx->needs_input_grad(0)) grad_input = torch::conv2d(grad, weight, {}, s, p);
        if (ctx->needs_input_grad(1))
            grad_weight = std::get<1>(at::convolution_backward(input, grad, weight, c10::nullopt, {s, s}, {p, p},
                                                               {1, 1}, false, {0, 0}, 1, {false, true, false}));
        if (ctx->needs_input_grad(2)) grad_bias = grad.sum({0, 2, 3});
        return {grad_input, grad_weight, grad_bias, torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

torch::Tensor transposed_convolution(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                                     std::int64_t stride, std::int64_t padding) {
    if (!input.device().is_cpu())
        return torch::conv_transpose2d(input, weight, bias, stride, padding);  // cuDNN is fine
    return TransposedConvolution::apply(input, weight, bias, stride, padding);
}

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

torch::Tensor PadEncoderImpl::layer3(const torch::Tensor& x) {
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    auto h = F::leaky_relu(conv1(x), leaky);
    h = F::leaky_relu(conv2(h), leaky);
    return F::leaky_relu(conv3(h), leaky);
}

PadEncoderImpl::Output PadEncoderImpl::forward(const torch::Tensor& x) {
    auto h3 = layer3(x);
    return {conv4(h3).flatten(1), h3};
}

std::vector<torch::Tensor> PadEncoderImpl::activations(const torch::Tensor& x) { return first_activations(x, 4); }

std::vector<torch::Tensor> PadEncoderImpl::first_activations(const torch::Tensor& x, std::size_t count) {
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    std::vector<torch::Tensor> h;
    for (auto* conv : {&conv1, &conv2, &conv3}) {
        if (h.size() == count) return h;
        h.push_back(F::leaky_relu((*conv)(h.empty() ? x : h.back()), leaky));
    }
    if (count > 3) h.push_back(conv4(h.back()).flatten(1));
    return h;
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

torch::Tensor PadGeneratorImpl::forward(const torch::Tensor& z) { return activations(z).back(); }

std::vector<torch::Tensor> PadGeneratorImpl::activations(const torch::Tensor& z) {
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    auto layer = [](nn::ConvTranspose2d& t, const torch::Tensor& x, std::int64_t stride, std::int64_t padding) {
        return transposed_convolution(x, t->weight, t->bias, stride, padding);
    };
    auto h1 = F::leaky_relu(layer(tconv1, z.view({z.size(0), latent_dim_, 1, 1}), 1, 0), leaky);
    auto h2 = F::leaky_relu(layer(tconv2, h1, 2, 1), leaky);
    auto h3 = F::leaky_relu(layer(tconv3, h2, 2, 1), leaky);
    return {h1, h2, h3, torch::tanh(layer(tconv4, h3, 2, 1))};
}

}  // namespace somnus
