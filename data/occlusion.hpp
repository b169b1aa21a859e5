// Occlusion by grey squares (Zeiler & Fergus; PAD's perturbed dreams).
//
// The image is cut into a grid of tile x tile squares aligned at (0, 0) (edge
// tiles are clipped); each square is zeroed with probability drop_rate. Zero is
// mid-grey after normalisation.
#pragma once

#include <torch/torch.h>

namespace somnus {

// One mask (1, 1, H, W) of 0/1 values, to be shared by a whole mini-batch (NREM).
torch::Tensor occlusion_mask(std::int64_t height, std::int64_t width, double drop_rate, std::int64_t tile,
                             const torch::TensorOptions& options = {});

// One mask per image, (B, 1, H, W) (the evaluation protocol).
// `generator`: where the squares' coin flips come from (default: LibTorch's global generator).
torch::Tensor occlusion_masks(std::int64_t batch, std::int64_t height, std::int64_t width, double drop_rate,
                              std::int64_t tile, const torch::TensorOptions& options = {},
                              c10::optional<torch::Generator> generator = c10::nullopt);

}  // namespace somnus
