// Where a run's images come from and how they are normalised (the spec's "data").
// Plain values: the spec layer (sim/spec/) fills them in, the loaders here read them.
#pragma once

#include <cstdint>
#include <string>

#include "sim/base/enum_names.hpp"

namespace somnus {

// The image data sets a spec can name (data/datasets.hpp).
enum class Dataset { fashion_mnist, mnist, cifar10, svhn };
inline const EnumNames<Dataset>& enum_names(Dataset) {
    static const EnumNames<Dataset> names{{Dataset::fashion_mnist, "fashion-mnist"},
                                          {Dataset::mnist, "mnist"},
                                          {Dataset::cifar10, "cifar10"},
                                          {Dataset::svhn, "svhn"}};
    return names;
}

// The spec's "data" section.
struct DataSpec {
    Dataset dataset = Dataset::fashion_mnist;
    std::string path = "/usr/share/datasets/fashion-mnist";  // default for the others: datasets/<dataset>
    std::int64_t train_subset = 0;                           // random training subset of this size; 0 = all images
    // Images are upscaled to 32x32 (PIL-style bilinear, as the reference does).
    double mean = 0.5;  // x -> (x - mean) / std, x in [0, 1]
    double std = 0.5;
};

}  // namespace somnus
