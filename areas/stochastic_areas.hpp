// The stochastic cortical areas of adversarial wake-sleep (Benjamin & Kording,
// arXiv 2006.10811 v2, App. A.1.3) and of the classic Helmholtz machine.
//
// A hierarchy of population layers h0 = x (the image, flattened), h1, ..., hL = z.
// Every layer is a diagonal Gaussian whose mean and standard deviation come from
// a two-layer network of the layer next to it (Linear -> ReLU -> Linear; sigma =
// softplus + 1e-4), sampled with the reparameterisation trick. With
// recurrent_steps = k > 0, each sample is passed k times through another
// stochastic map of the same shape and merged with it by an arithmetic mean
// (the paper's local recurrence): q(z|x) and p(x|z) are then not Gaussian.
// Inference (encoder) runs bottom-up, generation (generator) top-down.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "areas/area.hpp"
#include "areas/params.hpp"

namespace somnus {

// A diagonal Gaussian whose parameters a two-layer network computes from its input.
class StochasticMapImpl : public torch::nn::Module {
public:
    StochasticMapImpl(std::int64_t in, std::int64_t out, const StochasticAreaParams& p);
    struct Gaussian {
        torch::Tensor mean, std;  // (B, out)
    };
    Gaussian forward(const torch::Tensor& input);

private:
    torch::nn::Linear hidden{nullptr}, head{nullptr};
    double sigma_min_;
};
TORCH_MODULE(StochasticMap);

// One stochastic layer of a hierarchy: a sample (or the noise-free activity) of
// one population given the population next to it.
class StochasticLayerImpl : public torch::nn::Module {
public:
    // A sample (sample = true) or the noise-free activity (means all the way).
    virtual torch::Tensor forward(const torch::Tensor& input, bool sample) = 0;
    // log-density of `target` under the layer's Gaussian, summed over units, mean over
    // the batch; exact only for dense layers without recurrence (the Helmholtz machine's signal).
    virtual torch::Tensor log_prob(const torch::Tensor& input, const torch::Tensor& target) = 0;
};

// Dense ("mlp"): the first map, then `recurrent_steps` recurrent maps merged by the mean.
class DenseStochasticLayerImpl : public StochasticLayerImpl {
public:
    DenseStochasticLayerImpl(std::int64_t in, std::int64_t out, const StochasticAreaParams& p);
    torch::Tensor forward(const torch::Tensor& input, bool sample) override;
    torch::Tensor log_prob(const torch::Tensor& input, const torch::Tensor& target) override;

private:
    std::vector<StochasticMap> maps_;
};
TORCH_MODULE(DenseStochasticLayer);

// Convolutional ("conv", the paper's stochastic DCGAN, App. A.1.4): a (transposed)
// convolution and ReLU, then 1x1 convolutions give the mean and softplus sigma of a
// Gaussian per unit; the sample goes through ReLU and divisive normalisation across
// channels at each pixel, x / sqrt(mean_c x^2 + 1e-8) (unless `normalise` is false:
// the latent at the top and the image at the bottom stay linear).
class ConvStochasticLayerImpl : public StochasticLayerImpl {
public:
    struct Geometry {
        std::int64_t in_channels, out_channels, kernel, stride, padding;
        bool transposed = false;
        bool normalise = true;
    };
    ConvStochasticLayerImpl(const Geometry& g, const StochasticAreaParams& p);
    torch::Tensor forward(const torch::Tensor& input, bool sample) override;
    torch::Tensor log_prob(const torch::Tensor& input, const torch::Tensor& target) override;

private:
    Geometry g_;
    torch::nn::Conv2d conv{nullptr}, mean_head{nullptr}, sigma_head{nullptr};
    torch::nn::ConvTranspose2d tconv{nullptr};
    double sigma_min_;
    torch::Tensor hidden(const torch::Tensor& input);
};
TORCH_MODULE(ConvStochasticLayer);

// Units per example of each population h0 = x, h1, ..., hL of a hierarchy.
std::vector<std::int64_t> hierarchy_sizes(std::int64_t channels, std::int64_t image_size,
                                          const StochasticAreaParams& p);

// Activity of a whole hierarchy, bottom first: {h0 = x, h1, ..., hL = z}; dense
// hierarchies hold flat (B, units) tensors (x flattened), convolutional ones (B, C, H, W).
using Hierarchy = std::vector<torch::Tensor>;

// Inference pathway: image -> h1 -> ... -> z, each step a stochastic layer.
// latent() and sample_latent() return z flattened, (B, latent units).
class StochasticEncoderImpl : public EncoderAreaImpl {
public:
    StochasticEncoderImpl(std::int64_t channels, std::int64_t image_size, const StochasticAreaParams& p);

    // Bottom-up pass: every layer sampled from q(h_i | h_{i-1}) (or noise-free).
    Hierarchy infer(const torch::Tensor& x, bool sample = true);
    // q(h_{i+1} | h_i): layer i+1 from layer i (i = 0 is the image).
    torch::Tensor infer_layer(std::size_t i, const torch::Tensor& below, bool sample = true);
    torch::Tensor log_prob(std::size_t i, const torch::Tensor& below, const torch::Tensor& target);

    torch::Tensor latent(const torch::Tensor& x) override;
    torch::Tensor sample_latent(const torch::Tensor& x) override;
    std::vector<torch::Tensor> activations(const torch::Tensor& x) override;
    std::vector<std::string> layer_names() const override;
    std::size_t depth() const { return layers_.size(); }  // L

private:
    std::vector<std::shared_ptr<StochasticLayerImpl>> layers_;  // layers_[i]: h_i -> h_{i+1}
    bool conv_;
};
TORCH_MODULE(StochasticEncoder);

// Generative pathway: z -> h_{L-1} -> ... -> image, each step a stochastic layer.
class StochasticGeneratorImpl : public GeneratorAreaImpl {
public:
    StochasticGeneratorImpl(std::int64_t channels, std::int64_t image_size, const StochasticAreaParams& p);

    // Top-down pass from z (flat or shaped): {x, h1, ..., h_{L-1}, z}, bottom first, like Encoder::infer.
    Hierarchy generate(const torch::Tensor& z, bool sample = true);
    // p(h_i | h_{i+1}): layer i from the layer above it.
    torch::Tensor generate_layer(std::size_t i, const torch::Tensor& above, bool sample = true);
    torch::Tensor log_prob(std::size_t i, const torch::Tensor& above, const torch::Tensor& target);
    // z ~ N(0, I), the prior, shaped as the hierarchy's top layer.
    torch::Tensor prior(std::int64_t batch, torch::Device device) const;
    // The bottom layer as an image (B, C, H, W).
    torch::Tensor to_image(const torch::Tensor& flat) const;

    torch::Tensor image(const torch::Tensor& z) override;
    torch::Tensor sample_image(const torch::Tensor& z) override;
    std::vector<torch::Tensor> activations(const torch::Tensor& z) override;
    std::vector<std::string> layer_names() const override;
    std::size_t depth() const { return layers_.size(); }

private:
    std::vector<std::shared_ptr<StochasticLayerImpl>> layers_;  // layers_[i]: h_{i+1} -> h_i
    std::int64_t channels_, image_size_, latent_dim_;
    bool conv_;
};
TORCH_MODULE(StochasticGenerator);

// A critic (WGAN discriminator) on some layers of a hierarchy: the layers are
// flattened and concatenated, then Linear -> LeakyReLU, hidden_layers times, and a
// linear score. With hidden_layers = 0 it is linear.
class CriticImpl : public torch::nn::Module {
public:
    CriticImpl(std::int64_t in_features, const CriticParams& p);
    struct Output {
        torch::Tensor score;     // (B)
        torch::Tensor features;  // (B, hidden): the last hidden layer (the input when linear)
    };
    Output forward(const std::vector<torch::Tensor>& layers);

private:
    std::vector<torch::nn::Linear> hidden_;
    torch::nn::Linear out{nullptr};
    double slope_;
};
TORCH_MODULE(Critic);

// Gulrajani et al.'s penalty, mean over the batch of (||grad_inputs D||_2 - 1)^2, where the
// norm runs over all the critic's inputs of one example. Differentiable (create_graph).
torch::Tensor gradient_penalty(Critic& critic, const std::vector<torch::Tensor>& inputs);
// The reference code's (v1) penalty, mean over the batch of (||grad_inputs D||_1 - 1).
torch::Tensor gradient_penalty_l1(Critic& critic, const std::vector<torch::Tensor>& inputs);
// Per-example interpolates a + alpha (b - a), one alpha ~ U(0, 1) per example for all layers.
std::vector<torch::Tensor> interpolate(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b);

}  // namespace somnus
