// Linear readout (the paper's linear separability): freeze the encoder, train
// Linear(latent, 10) with plain SGD on the training latents, test on held-out ones.
#pragma once

#include <torch/torch.h>

#include "areas/area.hpp"
#include "data/image_set.hpp"
#include "sim/observer.hpp"

namespace somnus {

// Latents of `images`, encoded in chunks without gradients; returned on `device`.
torch::Tensor encode_latents(EncoderAreaImpl& encoder, const torch::Tensor& images, torch::Device device,
                             std::int64_t chunk = 500);

// Protocol of the reference (fig4): SGD (no momentum), cross-entropy, shuffled
// mini-batches dropping the last partial one, test on whole mini-batches only
// (9,984 of 10,000 Fashion-MNIST test images); accuracy recorded every epoch.
ReadoutReport linear_readout(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                             const ReadoutSpec& spec, torch::Device device);

}  // namespace somnus
