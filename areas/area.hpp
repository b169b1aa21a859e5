// What every cortical area offers the rest of somnus, whatever its architecture:
// evaluations, probes and recorders see areas only through these interfaces.
// PAD's brain states work on any areas through them; the rules of the stochastic
// hierarchy (adversarial wake-sleep, Helmholtz, negative phase) need its layers'
// densities and ask the model for that type.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace somnus {

// Feedforward (inference) pathway: sensory input (B,C,H,W) -> latent (B, latent_dim).
class EncoderAreaImpl : public torch::nn::Module {
public:
    // The latent an evaluation reads: deterministic (noise-free) in stochastic areas.
    virtual torch::Tensor latent(const torch::Tensor& x) = 0;
    // A sample of the latent, as the area produces it while awake (= latent() in deterministic areas).
    virtual torch::Tensor sample_latent(const torch::Tensor& x) { return latent(x); }
    // Noise-free activity of each layer, input side first, the latent last; named by layer_names().
    virtual std::vector<torch::Tensor> activations(const torch::Tensor& x) = 0;
    // The first `count` of them, input side first: what a reader of a lower layer
    // needs without the pass to the latent (an area may skip the layers above).
    virtual std::vector<torch::Tensor> first_activations(const torch::Tensor& x, std::size_t count) {
        auto all = activations(x);
        all.resize(std::min(count, all.size()));
        return all;
    }
    virtual std::vector<std::string> layer_names() const = 0;
};

// Feedback (generative) pathway: latent (B, latent_dim) -> image (B,C,H,W).
class GeneratorAreaImpl : public torch::nn::Module {
public:
    // The noise-free image of z.
    virtual torch::Tensor image(const torch::Tensor& z) = 0;
    // A sample of the image, as the area dreams it (= image() in deterministic areas).
    virtual torch::Tensor sample_image(const torch::Tensor& z) { return image(z); }
    // Noise-free activity of each layer, latent side first, the image last; named by layer_names().
    virtual std::vector<torch::Tensor> activations(const torch::Tensor& z) = 0;
    virtual std::vector<std::string> layer_names() const = 0;
};

}  // namespace somnus
