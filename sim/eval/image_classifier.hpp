// A fixed image classifier: the yardstick of what generated images are of. It reads
// images, not latents, so it judges every model's reconstructions and samples by
// one rule, and its penultimate layer is the feature space of a Fréchet distance
// (Heusel et al. 2017's FID, with this classifier in place of Inception).
//
// A small convolutional network on 32x32 images (normalised as the data set is):
//   conv 3x3 (C -> 32) ReLU maxpool 2 -> conv 3x3 (32 -> 64) ReLU maxpool 2
//   -> conv 3x3 (64 -> 64) ReLU maxpool 2 -> flatten (64 x 4 x 4) -> Linear 1024 -> 128 ReLU (features)
//   -> Linear 128 -> classes.
// Trained once (`somnus train-classifier`, scripts/train-image-classifier.sh) with
// Adam, cross-entropy, on the whole training set; the file records the data set,
// its normalisation, the seed, the epochs and the test accuracy.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "data/image_set.hpp"
#include "data/params.hpp"

namespace somnus {

class ImageClassifierImpl : public torch::nn::Module {
public:
    ImageClassifierImpl(std::int64_t channels, std::int64_t classes);
    torch::Tensor features(const torch::Tensor& images);  // (B, 128), after the ReLU
    torch::Tensor forward(const torch::Tensor& images);   // (B, classes) logits

private:
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::Linear hidden{nullptr}, out{nullptr};
};
TORCH_MODULE(ImageClassifier);

// What a classifier file says of itself.
struct ImageClassifierInfo {
    std::string dataset;  // name_of(Dataset)
    double mean = 0.5, std = 0.5;
    std::int64_t channels = 1, classes = 10;
    std::int64_t seed = 0, epochs = 0;
    double test_accuracy = 0;  // on the data set's test images, in [0, 1]
};

struct ImageClassifierTraining {
    std::int64_t epochs = 3;
    std::int64_t batch_size = 128;
    double lr = 1e-3;
    std::int64_t seed = 0;
};

// Trains a classifier on `train` (Adam, shuffled mini-batches from `seed`), tests it
// on `test`; `after_epoch(epoch, test accuracy)` if given.
ImageClassifier train_image_classifier(const ImageSet& train, const ImageSet& test,
                                       const ImageClassifierTraining& training, ImageClassifierInfo& info,
                                       const std::function<void(std::int64_t, double)>& after_epoch = nullptr);

// Fraction of `images` whose predicted class is `labels`, in chunks of 500.
double image_classifier_accuracy(ImageClassifier& classifier, const torch::Tensor& images, const torch::Tensor& labels,
                                 torch::Device device);

// Saves the classifier and its info (atomically); loads one, throwing InputError
// naming the file when it is missing or not a classifier file.
void save_image_classifier(ImageClassifier& classifier, const ImageClassifierInfo& info, const std::string& path);
ImageClassifier load_image_classifier(const std::string& path, torch::Device device, ImageClassifierInfo& info);

// The Fréchet distance between Gaussians fitted to two sets of feature rows (N, D):
//   ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)),
// with Tr((S_a S_b)^(1/2)) = sum_i sqrt(lambda_i(S_a^(1/2) S_b S_a^(1/2))) (a symmetric
// matrix with the same eigenvalues), in float64; covariances unbiased (N - 1).
double frechet_distance(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace somnus
