// The image data sets a spec can name (data.dataset), read from data.path and
// preprocessed as the PAD reference does (torchvision + its transforms):
//   fashion-mnist, mnist  IDX files (optionally .gz); 28x28 grey, PIL-bilinear upscaled to 32x32, 1 channel
//   cifar10               the "binary version" (data_batch_1..5.bin, test_batch.bin); 32x32 RGB
//   svhn                  cropped digits (train_32x32.mat, test_32x32.mat); 32x32 RGB, label 10 -> 0
// Pixels x in [0, 1] become (x - data.mean) / data.std, on every channel.
#pragma once

#include <string>
#include <vector>

#include "data/image_set.hpp"

namespace somnus {

// The data set's images: training set (train = true) or test set.
ImageSet load_images(const DataSpec& data, bool train);

// Channels of the data set's images (1 or 3).
std::int64_t dataset_channels(Dataset dataset);

// Classes of the data set's labels, 0 .. classes - 1: ten for each of them.
std::int64_t dataset_classes(Dataset dataset);

// The labels of the training (train) or test images, as load_images gives them;
// for IDX data sets without reading the images.
torch::Tensor load_labels(const DataSpec& data, bool train);

// Images in the data set's training files, read from their headers (IDX) or sizes
// (CIFAR-10; SVHN's release has 73,257); DataError when a file is missing.
std::int64_t training_set_size(const DataSpec& data);

// Training images a run uses: data.train_subset, or the whole training set.
// (check_data, sim/spec/spec.hpp, makes a subset larger than the set a spec error.)
std::int64_t training_images(const DataSpec& data);

// The files load_images would read, in order; DataError saying where to
// download them if one is missing.
std::vector<std::string> dataset_files(const DataSpec& data);

// Readers of the individual formats (exposed for tests).
ImageSet read_cifar10_batches(const std::vector<std::string>& files, const DataSpec& data);
ImageSet read_svhn_mat(const std::string& file, const DataSpec& data);

}  // namespace somnus
