// Cortical areas of PAD (Deperrois et al. 2022): a DCGAN-like feedforward
// encoder and a mirrored feedback generator. Sizes are for 32x32 inputs. PAD's
// discriminator neurons, which read the encoder's third layer, are
// areas/discriminator_neurons.hpp (they read a layer of any family's encoder).
#pragma once

#include <vector>

#include <torch/torch.h>

#include "areas/area.hpp"
#include "areas/params.hpp"

namespace somnus {

// Feedforward pathway: image (B,C,32,32) -> latent z (B,latent_dim).
// conv k4 s2 p1: C->f->2f->4f (32->16->8->4, LeakyReLU), then conv k4 s2 p0 4f->latent (4->1, linear).
class PadEncoderImpl : public EncoderAreaImpl {
public:
    PadEncoderImpl(std::int64_t channels, const AreaParams& p);

    struct Output {
        torch::Tensor z;       // (B, latent_dim)
        torch::Tensor layer3;  // (B, 4f, 4, 4): what the discriminator neurons read
    };
    Output forward(const torch::Tensor& x);
    // The third layer alone (what the discriminator neurons read), without the latent.
    torch::Tensor layer3(const torch::Tensor& x);
    torch::Tensor latent(const torch::Tensor& x) override { return forward(x).z; }
    // All layer activations, input side first (layer1..layer3, then z).
    std::vector<torch::Tensor> activations(const torch::Tensor& x) override;
    std::vector<torch::Tensor> first_activations(const torch::Tensor& x, std::size_t count) override;
    std::vector<std::string> layer_names() const override { return {"layer1", "layer2", "layer3", "z"}; }

private:
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr};
    double slope_;
};
TORCH_MODULE(PadEncoder);

// Feedback pathway: z (B,latent_dim) -> image (B,C,32,32) in [-1, 1].
class PadGeneratorImpl : public GeneratorAreaImpl {
public:
    PadGeneratorImpl(std::int64_t channels, const AreaParams& p);
    torch::Tensor forward(const torch::Tensor& z);
    torch::Tensor image(const torch::Tensor& z) override { return forward(z); }
    // All layer activations, latent side first (layer1..layer3, then the image).
    std::vector<torch::Tensor> activations(const torch::Tensor& z) override;
    std::vector<std::string> layer_names() const override { return {"layer1", "layer2", "layer3", "output"}; }

private:
    torch::nn::ConvTranspose2d tconv1{nullptr}, tconv2{nullptr}, tconv3{nullptr}, tconv4{nullptr};
    std::int64_t latent_dim_;
    double slope_;
};
TORCH_MODULE(PadGenerator);

// A transposed convolution computed, forward and backward, with ordinary
// convolutions (it is their adjoint). Same values as torch::conv_transpose2d up to
// float rounding; on the CPU LibTorch 1.13 runs its own transposed convolution
// through a slow im2col path (3-12x slower here, see bench/), so the generator
// uses this one. On CUDA it is torch::conv_transpose2d (cuDNN).
torch::Tensor transposed_convolution(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                                     std::int64_t stride, std::int64_t padding);

// Conv and transposed-conv weights ~ N(0, std); biases keep LibTorch's default init.
void init_conv_weights(torch::nn::Module& module, double std);

}  // namespace somnus
