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

// The latents of one evaluation: the first images of the training and of the test
// set, each encoded once (in chunks of 500 from the first image) and shared by
// every part that reads them (readout, dream content, latent geometry, PCA).
struct EvaluationLatents {
    torch::Tensor train;  // (images, latent_dim) on the device; undefined when no part reads training latents
    torch::Tensor test;   // (images, latent_dim) on the device
};

// Images an evaluation takes of the `available` ones when it asks for `wanted` (0 = all).
inline std::int64_t images_taken(std::int64_t available, std::int64_t wanted) {
    return wanted > 0 ? std::min(available, wanted) : available;
}

// The readout's training and (whole mini-batches of) test images, of those available.
std::pair<std::int64_t, std::int64_t> readout_images(const ReadoutSpec& spec, std::int64_t train_available,
                                                      std::int64_t test_available);

// Encodes what the enabled parts of `spec` read: the readout's training images,
// and the longest prefix of the test set any part reads.
EvaluationLatents encode_for_evaluation(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                                        const EvalSpec& spec, torch::Device device);

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
// The seeds' classifiers are trained together (sim/eval/classifiers.hpp), each the
// one it would be alone. `latents` holds at least the readout's images. `pixel_std`
// is the data's normalisation (data.std: x = (p - mean) / std for a pixel intensity p
// in [0, 1]); pixel noise of sigma (in intensities) is sigma / pixel_std on the
// normalised images, so runs normalised otherwise are tested with the same noise.
ReadoutReport linear_readout(EncoderAreaImpl& encoder, const EvaluationLatents& latents, const ImageSet& train,
                             const ImageSet& test, const ReadoutSpec& spec, double pixel_std, torch::Device device,
                             TrainedReadout* keep = nullptr);

// The same, encoding its own images first.
ReadoutReport linear_readout(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                             const ReadoutSpec& spec, double pixel_std, torch::Device device,
                             TrainedReadout* keep = nullptr);

}  // namespace somnus
