// The training data as a stream of mini-batches: each pass over the set is a
// fresh random order (from the run's data generator); the last partial
// mini-batch of a pass is dropped, as the reference's DataLoader(drop_last=True).
// The set lives on the model's device, so a mini-batch is one index_select there.
#pragma once

#include <torch/torch.h>

#include "data/image_set.hpp"

namespace somnus {

class MiniBatches {
public:
    MiniBatches(const ImageSet& set, std::int64_t batch, torch::Generator& rng) : set_(set), batch_(batch), rng_(rng) {}
    bool started() const { return images_.defined(); }
    void next() {
        if (!order_.defined() || position_ + batch_ > set_.size()) {
            order_ = torch::randperm(set_.size(), rng_, torch::TensorOptions().dtype(torch::kInt64))
                         .to(set_.images.device());
            position_ = 0;
        }
        auto rows = order_.slice(0, position_, position_ + batch_);
        images_ = set_.images.index_select(0, rows);
        labels_ = set_.labels.index_select(0, rows);
        position_ += batch_;
    }
    const torch::Tensor& images() const { return images_; }
    const torch::Tensor& labels() const { return labels_; }

    // Where the stream stands (this pass's order, the position in it, the last
    // mini-batch), for a resumable checkpoint; the generator is saved by its owner.
    void save(torch::serialize::OutputArchive& archive) const {
        if (!started()) return;
        archive.write("order", order_);
        archive.write("position",
                      torch::tensor(std::vector<std::int64_t>{position_}, torch::kInt64));  // host: a counter
        archive.write("images", images_);
        archive.write("labels", labels_);
    }
    void load(torch::serialize::InputArchive& archive) {
        torch::Tensor position;
        if (!archive.try_read("position", position)) return;  // saved before the first mini-batch
        archive.read("order", order_);
        archive.read("images", images_);
        archive.read("labels", labels_);
        position_ = position[0].item<std::int64_t>();
    }

private:
    const ImageSet& set_;
    std::int64_t batch_;
    torch::Generator& rng_;
    torch::Tensor order_, images_, labels_;
    std::int64_t position_ = 0;
};

}  // namespace somnus
