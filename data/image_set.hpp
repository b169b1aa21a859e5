// Image data sets, preprocessed as the PAD reference does it.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "data/params.hpp"

namespace somnus {

struct ImageSet {
    torch::Tensor images;  // (N, C, 32, 32) float, normalised: (x/255 - mean) / std
    torch::Tensor labels;  // (N) int64
    std::int64_t size() const { return images.size(0); }
};

// PIL's 8-bit bilinear resize (Image.resize(..., BILINEAR)): separable, horizontal
// pass first, fixed-point weights, each pass rounded back to 8 bits.
std::vector<std::uint8_t> resize_bilinear_u8(const std::uint8_t* image, int in_h, int in_w, int out_h, int out_w);

// A random subset of n items (all of them in random order when n is 0 or >= size).
ImageSet random_subset(const ImageSet& set, std::int64_t n, torch::Generator& rng);
// The rows random_subset takes from a set of `size` items (the same draw from `rng`).
torch::Tensor random_subset_rows(std::int64_t size, std::int64_t n, torch::Generator& rng);

// The items whose label is one of `classes`, in their order (every item when `classes` is empty).
ImageSet of_classes(const ImageSet& set, const std::vector<std::int64_t>& classes);
// Whether each label is one of `classes` (a bool tensor like `labels`).
torch::Tensor in_classes(const torch::Tensor& labels, const std::vector<std::int64_t>& classes);

}  // namespace somnus
