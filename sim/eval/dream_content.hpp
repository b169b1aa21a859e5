// Dream content: what the dreams of each sleep state are of, as the trained
// readout classifier sees them, and how novel they are. A question from the
// dream literature (are REM dreams recombinations of memories, or new scenes?)
// asked of the model: each dream is encoded, classified, and placed in the latent
// space against the hippocampus's memories and the training images.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "areas/area.hpp"
#include "data/image_set.hpp"
#include "sim/eval/readout.hpp"
#include "sim/eval/reports.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

// A state's last mini-batch of dreams, as its step produced them.
struct DreamBatch {
    std::string state;
    std::int64_t step = -1;
    torch::Tensor dreams;  // (B, C, H, W)
};

// Smallest Euclidean distance from each row of `queries` (N, D) to any row of `references` (M, D).
torch::Tensor nearest_distance(const torch::Tensor& queries, const torch::Tensor& references);

// Classifies and measures every batch in `dreams`; `memories` (rows of stored
// latents) may be undefined when the store is empty. `test_latents` are those of
// the first test images (at least spec.test_images of them, or the whole set).
DreamContent dream_content(EncoderAreaImpl& encoder, TrainedReadout& readout, const std::vector<DreamBatch>& dreams,
                           const torch::Tensor& memories, const torch::Tensor& test_latents,
                           const DreamContentSpec& spec, torch::Device device);

}  // namespace somnus
