// Several small linear classifiers trained at once: the readout's classifier
// seeds as one batched layer. Seed s is softmax(W_s x + b_s); each takes plain
// SGD steps on its own mini-batches' mean cross-entropy, and all S seeds share
// each step's matrix products (one batched product forward, one backward),
// where training them one after another costs S times the steps.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace somnus {

struct LinearClassifiers {
    torch::Tensor weight;  // (S, C, D): W_s
    torch::Tensor bias;    // (S, C): b_s
    std::int64_t seeds() const { return weight.size(0); }
    // Class scores of every seed for latents x (N, D): (S, N, C) = x W_s^T + b_s.
    torch::Tensor logits(const torch::Tensor& x) const;
    // Correctly classified rows of (x, y), per seed: (S) int64, on the classifiers' device.
    torch::Tensor correct(const torch::Tensor& x, const torch::Tensor& y) const;
    // Seed index s as a LibTorch Linear(D, C), a copy of its weights.
    torch::nn::Linear linear(std::int64_t s) const;
};

struct ClassifierTraining {
    std::vector<std::int64_t> seeds;  // one classifier per seed
    std::int64_t classes = 10;
    std::int64_t epochs = 20;
    double lr = 0.2;
    std::int64_t batch_size = 64;
};

// Early stopping on a held-out validation split: after every epoch each seed's
// mean cross-entropy on (x, y) is measured; a seed's best epoch is the one of its
// lowest validation loss, and its patience runs out once `patience` epochs in a row
// have not lowered that loss by more than `min_improvement` (nats). Training ends
// after the epoch at which every seed's patience has run out, or after the
// training's epochs (the most it may take). Each seed's best classifier is kept; a
// seed's record is frozen when its patience runs out, so it is what training it
// alone would give, whatever the other seeds still do.
struct ValidationStop {
    torch::Tensor x, y;  // validation latents (V, D) and labels (V), on the training latents' device
    std::int64_t patience = 5;
    double min_improvement = 1e-4;
    // Filled by training:
    std::vector<std::vector<double>> loss;    // (seeds, epochs run): mean validation cross-entropy, nats
    std::vector<std::int64_t> best_epoch;     // per seed, counting from 0
    std::vector<std::int64_t> stopped_epoch;  // per seed: the epoch its patience ran out; -1 if it never did
    LinearClassifiers best;                   // each seed's classifier after its best epoch
    bool converged(std::size_t s) const { return stopped_epoch.at(s) >= 0; }
};

// Standardised features: each latent dimension z-scored with the statistics of the
// latents a readout trains on, x -> (x - mean) / (std + 1e-8), mean and unbiased std
// over rows; every other set (validation, test, perturbed) scaled the same way.
struct LatentStandardization {
    torch::Tensor mean, std;  // (1, D); std with the 1e-8 added
    static LatentStandardization of(const torch::Tensor& train) {
        return {train.mean(0, true), train.std(0, /*unbiased=*/true, /*keepdim=*/true) + 1e-8};
    }
    torch::Tensor operator()(const torch::Tensor& x) const { return (x - mean) / std; }
};

// Trains one classifier per seed on (x (N, D), y (N) int64), on x's device. Seed s
// is, up to float rounding, the classifier that training torch::nn::Linear(D, C)
// alone with torch::optim::SGD(lr) would give after torch::manual_seed(s): its
// initialisation is that Linear's (Kaiming-uniform weights, uniform bias, drawn
// from LibTorch's global generator just after manual_seed(s)), and each epoch
// visits x in the order of a torch::randperm(N) drawn from the stream that follows,
// in shuffled mini-batches of batch_size, the last partial one dropped. The
// gradient of seed s's mean cross-entropy over its mini-batch B is the softmax's:
//   dL/dW_s = G^T X_B,  dL/db_s = sum_i G_i,  G = (softmax(X_B W_s^T + b_s) - onehot(y_B)) / |B|.
// `after_epoch(epoch, classifiers)`, if given, is called after every epoch; with
// `validation`, training stops early as ValidationStop says and fills it in.
// LibTorch's global generator is left seeded by the last seed (as training them in turn leaves it).
LinearClassifiers train_linear_classifiers(
    const torch::Tensor& x, const torch::Tensor& y, const ClassifierTraining& training,
    const std::function<void(std::int64_t, const LinearClassifiers&)>& after_epoch = nullptr,
    ValidationStop* validation = nullptr);

}  // namespace somnus
