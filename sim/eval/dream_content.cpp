#include "sim/eval/dream_content.hpp"

#include <algorithm>

namespace somnus {

namespace {

template <typename T>
std::vector<T> to_vector(const torch::Tensor& t) {
    auto c = t.detach().cpu().contiguous();
    return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

// Predicted class and its softmax probability, per row of latents.
std::pair<torch::Tensor, torch::Tensor> classify(TrainedReadout& readout, const torch::Tensor& latents) {
    auto [confidence, predicted] = torch::softmax(readout.logits(latents), 1).max(1);
    return {predicted, confidence};
}

}  // namespace

torch::Tensor nearest_distance(const torch::Tensor& queries, const torch::Tensor& references) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> nearest;
    const auto r = references.to(queries.device(), torch::kFloat64);
    for (std::int64_t i = 0; i < queries.size(0); i += 256) {
        auto q = queries.slice(0, i, std::min(i + 256, queries.size(0))).to(torch::kFloat64);
        nearest.push_back(std::get<0>(torch::cdist(q, r).min(1)));
    }
    return torch::cat(nearest);
}

DreamContent dream_content(EncoderAreaImpl& encoder, TrainedReadout& readout, const std::vector<DreamBatch>& dreams,
                           const torch::Tensor& memories, const torch::Tensor& test_latents,
                           const DreamContentSpec& spec, torch::Device device) {
    torch::NoGradGuard no_grad;
    DreamContent out;
    out.training_images = readout.train_latents.size(0);
    out.classifier_seed = readout.seed;
    for (const auto& batch : dreams) {
        DreamContent::StateDreams d;
        d.state = batch.state;
        d.step = batch.step;
        auto z = encode_latents(encoder, batch.dreams, device);
        auto [predicted, confidence] = classify(readout, z);
        d.predicted_class = to_vector<std::int64_t>(predicted);
        d.confidence = to_vector<double>(confidence.to(torch::kFloat64));
        d.nearest_training = to_vector<double>(nearest_distance(z, readout.train_latents));
        if (memories.defined()) d.nearest_memory = to_vector<double>(nearest_distance(z, memories));
        const std::int64_t kept = std::min(spec.images, batch.dreams.size(0));
        auto pictures = batch.dreams.slice(0, 0, kept).to(torch::kFloat32);
        d.images = to_vector<float>(pictures);
        d.image_shape = pictures.sizes().vec();
        out.states.push_back(std::move(d));
    }
    if (memories.defined()) out.memory_class = to_vector<std::int64_t>(classify(readout, memories.to(device)).first);
    const auto z_test = test_latents.slice(0, 0, std::min(spec.test_images, test_latents.size(0)));
    out.test_nearest_training = to_vector<double>(nearest_distance(z_test, readout.train_latents));
    out.test_predicted_class = to_vector<std::int64_t>(classify(readout, z_test).first);
    return out;
}

}  // namespace somnus
