// k-nearest-neighbour readout of the latents (KnnSpec): a classifier with nothing
// to train, so its accuracy says how classes lie in the latent space locally,
// whatever a linear classifier's learning rate, epochs or the latents' scale.
#pragma once

#include <torch/torch.h>

#include "data/image_set.hpp"
#include "sim/eval/readout.hpp"
#include "sim/eval/reports.hpp"
#include "sim/spec/spec.hpp"

namespace somnus {

// The training and test images the readout takes, of those available (KnnSpec's 0 = all).
std::pair<std::int64_t, std::int64_t> knn_images(const KnnSpec& spec, std::int64_t train_available,
                                                  std::int64_t test_available);

// Classes of `query` latents (Q, D) by their k nearest `reference` latents (R, D)
// with labels (R), for each k of `ks` (ascending or not): (ks, Q) int64. Distances are
// Euclidean; each class's vote is the number of its latents among the k nearest,
// plus, to break ties, (k - rank) / (k (k + 1)) per latent (rank 0 = nearest), which
// sums to less than 1/2: the count decides, and among tied counts the class whose
// neighbours are nearer. Queries are processed `chunk` at a time.
torch::Tensor knn_classify(const torch::Tensor& reference, const torch::Tensor& labels, const torch::Tensor& query,
                           const std::vector<std::int64_t>& ks, std::int64_t classes, std::int64_t chunk = 500);

// The readout on the evaluation's latents (which cover its images: encode_for_evaluation).
KnnReport knn_readout(const EvaluationLatents& latents, const ImageSet& train, const ImageSet& test,
                      const KnnSpec& spec, torch::Device device);

}  // namespace somnus
