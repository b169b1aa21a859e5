// Perturbations of test images that no learning rule trains on (the robustness
// tests of the linear readout, beside PAD's occlusion): additive Gaussian pixel
// noise, Gaussian blur, and small translations. Each works on a batch of
// normalised images (N, C, H, W) and keeps its shape; the random ones draw from
// the generator given, so every encoder sees the same perturbed images.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace somnus {

// x + sigma * eps, eps ~ N(0, 1) per pixel and channel, clamped to [low, high]
// (the range of the images' intensities: noise cannot make a pixel brighter
// than white or darker than black). sigma in normalised intensity units.
torch::Tensor with_pixel_noise(const torch::Tensor& images, double sigma, double low, double high,
                               torch::Generator& rng);

// Each channel convolved with a normalised Gaussian kernel of standard deviation
// sigma pixels, truncated at 3 sigma (side 2 ceil(3 sigma) + 1), applied as two
// separable 1-D passes; the border is extended by replication, so an image of one
// intensity stays that intensity. sigma > 0.
torch::Tensor blurred(const torch::Tensor& images, double sigma);

// Each image translated by `pixels` in one of the four directions (up, down, left,
// right; drawn per image, uniformly); the strip it uncovers takes `fill` (the
// background). pixels = 0 leaves the images as they are.
torch::Tensor shifted(const torch::Tensor& images, std::int64_t pixels, double fill, torch::Generator& rng);

}  // namespace somnus
