#include "areas/stochastic_areas.hpp"

#include <cmath>

namespace somnus {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

StochasticMapImpl::StochasticMapImpl(std::int64_t in, std::int64_t out, const StochasticAreaParams& p)
    : sigma_min_(p.sigma_min) {
    hidden = register_module("hidden", nn::Linear(in, p.hidden));
    head = register_module("head", nn::Linear(p.hidden, 2 * out));
    torch::NoGradGuard no_grad;
    head->bias.slice(0, out).fill_(p.sigma_bias);  // sigma = softplus(bias) + min at initialisation
}

StochasticMapImpl::Gaussian StochasticMapImpl::forward(const torch::Tensor& input) {
    auto out = head(torch::relu(hidden(input)));
    auto parts = out.chunk(2, 1);  // mean first, as the reference reads "half the outputs"
    return {parts[0], F::softplus(parts[1]) + sigma_min_};
}

DenseStochasticLayerImpl::DenseStochasticLayerImpl(std::int64_t in, std::int64_t out, const StochasticAreaParams& p) {
    maps_.push_back(register_module("map0", StochasticMap(in, out, p)));
    for (std::int64_t k = 1; k <= p.recurrent_steps; ++k)
        maps_.push_back(register_module("recurrent" + std::to_string(k), StochasticMap(out, out, p)));
}

torch::Tensor DenseStochasticLayerImpl::forward(const torch::Tensor& input, bool sample) {
    auto draw = [&](StochasticMap& map, const torch::Tensor& in) {
        auto g = map(in);
        return sample ? g.mean + g.std * torch::randn_like(g.std) : g.mean;
    };
    auto h = draw(maps_[0], input);
    for (std::size_t k = 1; k < maps_.size(); ++k) h = 0.5 * (h + draw(maps_[k], h));
    return h;
}

namespace {
torch::Tensor gaussian_log_density(const torch::Tensor& mean, const torch::Tensor& std, const torch::Tensor& target) {
    auto z = (target - mean) / std;
    auto log_density = -0.5 * z.pow(2) - std.log() - 0.5 * std::log(2.0 * M_PI);
    return log_density.flatten(1).sum(1).mean();
}

// Divisive normalisation across channels at each pixel (Karras et al.'s pixel norm).
torch::Tensor pixel_norm(const torch::Tensor& x) { return x * torch::rsqrt(x.pow(2).mean(1, /*keepdim=*/true) + 1e-8); }
}  // namespace

torch::Tensor DenseStochasticLayerImpl::log_prob(const torch::Tensor& input, const torch::Tensor& target) {
    auto g = maps_[0](input);
    return gaussian_log_density(g.mean, g.std, target);
}

ConvStochasticLayerImpl::ConvStochasticLayerImpl(const Geometry& g, const StochasticAreaParams& p)
    : g_(g), sigma_min_(p.sigma_min) {
    const std::int64_t width = g.out_channels;  // the hidden layer is as wide as the output
    if (g.transposed)
        tconv = register_module(
            "tconv",
            nn::ConvTranspose2d(
                nn::ConvTranspose2dOptions(g.in_channels, width, g.kernel).stride(g.stride).padding(g.padding)));
    else
        conv = register_module(
            "conv", nn::Conv2d(nn::Conv2dOptions(g.in_channels, width, g.kernel).stride(g.stride).padding(g.padding)));
    mean_head = register_module("mean", nn::Conv2d(nn::Conv2dOptions(width, g.out_channels, 1)));
    sigma_head = register_module("sigma", nn::Conv2d(nn::Conv2dOptions(width, g.out_channels, 1)));
    torch::NoGradGuard no_grad;
    sigma_head->bias.fill_(p.sigma_bias);
}

torch::Tensor ConvStochasticLayerImpl::hidden(const torch::Tensor& input) {
    return torch::relu(g_.transposed ? tconv(input) : conv(input));
}

torch::Tensor ConvStochasticLayerImpl::forward(const torch::Tensor& input, bool sample) {
    auto h = hidden(input);
    auto mean = mean_head(h);
    auto x = mean;
    if (sample) x = mean + (F::softplus(sigma_head(h)) + sigma_min_) * torch::randn_like(mean);
    return g_.normalise ? pixel_norm(torch::relu(x)) : x;
}

torch::Tensor ConvStochasticLayerImpl::log_prob(const torch::Tensor& input, const torch::Tensor& target) {
    auto h = hidden(input);
    return gaussian_log_density(mean_head(h), F::softplus(sigma_head(h)) + sigma_min_,
                                target);  // before ReLU and normalisation
}

std::vector<std::int64_t> hierarchy_sizes(std::int64_t channels, std::int64_t image_size,
                                          const StochasticAreaParams& p) {
    std::vector<std::int64_t> sizes{channels * image_size * image_size};
    std::int64_t side = image_size;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
        if (p.architecture == Architecture::conv) side = i + 1 < p.layers.size() ? side / 2 : 1;
        sizes.push_back(p.layers[i] * (p.architecture == Architecture::conv ? side * side : 1));
    }
    return sizes;
}

namespace {
// Layer i of a hierarchy, h_i <-> h_{i+1}: dense, or a conv of the DCGAN geometry (k4 s2 p1 halving
// the image, the top layer a k = remaining size convolution down to 1x1).
std::shared_ptr<StochasticLayerImpl> make_layer(std::size_t i, bool top_down, std::int64_t channels,
                                                std::int64_t image_size, const StochasticAreaParams& p) {
    const std::size_t L = p.layers.size();
    const std::int64_t below = i == 0 ? channels : p.layers[i - 1], above = p.layers[i];
    if (p.architecture != Architecture::conv) {
        auto sizes = hierarchy_sizes(channels, image_size, p);
        return top_down ? std::make_shared<DenseStochasticLayerImpl>(sizes[i + 1], sizes[i], p)
                        : std::make_shared<DenseStochasticLayerImpl>(sizes[i], sizes[i + 1], p);
    }
    ConvStochasticLayerImpl::Geometry g{};
    const bool top = i + 1 == L;
    g.kernel = top ? image_size >> (L - 1) : 4;
    g.stride = top ? 1 : 2;
    g.padding = top ? 0 : 1;
    g.transposed = top_down;
    g.in_channels = top_down ? above : below;
    g.out_channels = top_down ? below : above;
    g.normalise = p.normalise && (top_down ? i > 0 : !top);  // the image and the top latent stay linear
    return std::make_shared<ConvStochasticLayerImpl>(g, p);
}
}  // namespace

StochasticEncoderImpl::StochasticEncoderImpl(std::int64_t channels, std::int64_t image_size,
                                             const StochasticAreaParams& p)
    : conv_(p.architecture == Architecture::conv) {
    for (std::size_t i = 0; i < p.layers.size(); ++i)
        layers_.push_back(
            register_module("layer" + std::to_string(i + 1), make_layer(i, false, channels, image_size, p)));
}

Hierarchy StochasticEncoderImpl::infer(const torch::Tensor& x, bool sample) {
    Hierarchy h{conv_ ? x : x.flatten(1)};
    for (auto& layer : layers_) h.push_back(layer->forward(h.back(), sample));
    return h;
}

torch::Tensor StochasticEncoderImpl::infer_layer(std::size_t i, const torch::Tensor& below, bool sample) {
    return layers_.at(i)->forward(below, sample);
}

torch::Tensor StochasticEncoderImpl::log_prob(std::size_t i, const torch::Tensor& below, const torch::Tensor& target) {
    return layers_.at(i)->log_prob(below, target);
}

torch::Tensor StochasticEncoderImpl::latent(const torch::Tensor& x) { return infer(x, false).back().flatten(1); }
torch::Tensor StochasticEncoderImpl::sample_latent(const torch::Tensor& x) { return infer(x, true).back().flatten(1); }

std::vector<torch::Tensor> StochasticEncoderImpl::activations(const torch::Tensor& x) {
    auto h = infer(x, false);
    h.back() = h.back().flatten(1);
    return {h.begin() + 1, h.end()};
}

std::vector<std::string> StochasticEncoderImpl::layer_names() const {
    auto names = hierarchy_layer_names(layers_.size());
    return {names.begin() + 1, names.end()};
}

StochasticGeneratorImpl::StochasticGeneratorImpl(std::int64_t channels, std::int64_t image_size,
                                                 const StochasticAreaParams& p)
    : channels_(channels),
      image_size_(image_size),
      latent_dim_(p.layers.back()),
      conv_(p.architecture == Architecture::conv) {
    for (std::size_t i = 0; i < p.layers.size(); ++i)
        layers_.push_back(register_module("layer" + std::to_string(i), make_layer(i, true, channels, image_size, p)));
}

Hierarchy StochasticGeneratorImpl::generate(const torch::Tensor& z, bool sample) {
    Hierarchy h(layers_.size() + 1);
    h.back() = conv_ ? z.view({z.size(0), latent_dim_, 1, 1}) : z;
    for (std::size_t i = layers_.size(); i-- > 0;) h[i] = layers_[i]->forward(h[i + 1], sample);
    return h;
}

torch::Tensor StochasticGeneratorImpl::generate_layer(std::size_t i, const torch::Tensor& above, bool sample) {
    return layers_.at(i)->forward(above, sample);
}

torch::Tensor StochasticGeneratorImpl::log_prob(std::size_t i, const torch::Tensor& above,
                                                const torch::Tensor& target) {
    return layers_.at(i)->log_prob(above, target);
}

torch::Tensor StochasticGeneratorImpl::prior(std::int64_t batch, torch::Device device) const {
    auto options = torch::TensorOptions().device(device);
    return conv_ ? torch::randn({batch, latent_dim_, 1, 1}, options) : torch::randn({batch, latent_dim_}, options);
}

torch::Tensor StochasticGeneratorImpl::to_image(const torch::Tensor& bottom) const {
    return bottom.view({bottom.size(0), channels_, image_size_, image_size_});
}

torch::Tensor StochasticGeneratorImpl::image(const torch::Tensor& z) { return to_image(generate(z, false).front()); }
torch::Tensor StochasticGeneratorImpl::sample_image(const torch::Tensor& z) {
    return to_image(generate(z, true).front());
}

std::vector<torch::Tensor> StochasticGeneratorImpl::activations(const torch::Tensor& z) {
    auto h = generate(z, false);
    std::vector<torch::Tensor> out(h.rbegin() + 1, h.rend());  // h_{L-1}, ..., h1, x
    out.back() = to_image(out.back());
    return out;
}

std::vector<std::string> StochasticGeneratorImpl::layer_names() const {
    auto names = hierarchy_layer_names(layers_.size());
    std::vector<std::string> out(names.rbegin() + 1, names.rend());
    out.back() = "output";
    return out;
}

CriticImpl::CriticImpl(std::int64_t in_features, const CriticParams& p) : slope_(p.leaky_slope) {
    std::int64_t width = in_features;
    for (std::int64_t i = 0; i < p.hidden_layers; ++i) {
        hidden_.push_back(register_module("hidden" + std::to_string(i + 1), nn::Linear(width, p.hidden)));
        width = p.hidden;
    }
    out = register_module("out", nn::Linear(width, 1));
}

CriticImpl::Output CriticImpl::forward(const std::vector<torch::Tensor>& layers) {
    std::vector<torch::Tensor> flat;
    for (const auto& l : layers) flat.push_back(l.flatten(1));
    auto h = torch::cat(flat, 1);
    auto leaky = F::LeakyReLUFuncOptions().negative_slope(slope_);
    for (auto& layer : hidden_) h = F::leaky_relu(layer(h), leaky);
    return {out(h).squeeze(1), h};
}

namespace {
// Per example, the gradient of the critic's score with respect to all its inputs, flattened.
torch::Tensor input_gradient(Critic& critic, const std::vector<torch::Tensor>& inputs) {
    std::vector<torch::Tensor> points;
    for (const auto& x : inputs) points.push_back(x.detach().requires_grad_(true));
    auto score = critic(points).score;
    auto grads = torch::autograd::grad({score.sum()}, points, {}, /*retain_graph=*/true, /*create_graph=*/true);
    std::vector<torch::Tensor> flat;
    for (const auto& g : grads) flat.push_back(g.flatten(1));
    return torch::cat(flat, 1);
}
}  // namespace

torch::Tensor gradient_penalty(Critic& critic, const std::vector<torch::Tensor>& inputs) {
    return (input_gradient(critic, inputs).norm(2, 1) - 1).pow(2).mean();
}

torch::Tensor gradient_penalty_l1(Critic& critic, const std::vector<torch::Tensor>& inputs) {
    return (input_gradient(critic, inputs).norm(1, 1) - 1).mean();
}

std::vector<torch::Tensor> interpolate(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    auto alpha = torch::rand({a.front().size(0)}, a.front().options());
    std::vector<torch::Tensor> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::vector<std::int64_t> shape(a[i].dim(), 1);
        shape[0] = -1;
        auto w = alpha.view(shape);
        out.push_back(a[i].detach() + w * (b[i].detach() - a[i].detach()));
    }
    return out;
}

std::vector<std::string> hierarchy_layer_names(std::size_t latent_layers) {
    std::vector<std::string> names{"x"};
    for (std::size_t i = 1; i < latent_layers; ++i) names.push_back("h" + std::to_string(i));
    names.push_back("z");
    return names;
}

}  // namespace somnus
