// Linear readout (the paper's linear separability): freeze the encoder, train
// Linear(latent, 10) with plain SGD on the training latents, test on held-out ones.
#pragma once

#include <torch/torch.h>

#include "areas/area.hpp"
#include "data/image_set.hpp"
#include "sim/eval/reports.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

// Latents of `images`, encoded in chunks without gradients; returned on `device`.
torch::Tensor encode_latents(EncoderAreaImpl& encoder, const torch::Tensor& images, torch::Device device,
                             std::int64_t chunk = 500);

// A trained readout kept for further use (e.g. classifying dreams): the
// classifier of the first readout seed, its feature transform and its training latents.
struct TrainedReadout {
    torch::nn::Linear classifier{nullptr};
    torch::Tensor mean, std;      // "standardized" features; undefined for "raw"
    torch::Tensor train_latents;  // (N, latent_dim) as encoded, before the feature transform
    std::int64_t seed = 0;
    // Class logits of latents (N, latent_dim), on the classifier's device.
    torch::Tensor logits(const torch::Tensor& latents);
};

// Protocol of the reference (fig4): SGD (no momentum), cross-entropy, shuffled
// mini-batches dropping the last partial one, test on whole mini-batches only
// (9,984 of 10,000 Fashion-MNIST test images); accuracy recorded every epoch.
ReadoutReport linear_readout(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                             const ReadoutSpec& spec, torch::Device device, TrainedReadout* keep = nullptr);

}  // namespace somnus
