#include "sim/eval/readout.hpp"

#include <algorithm>
#include <chrono>

#include "data/occlusion.hpp"

namespace somnus {

torch::Tensor encode_latents(EncoderAreaImpl& encoder, const torch::Tensor& images, torch::Device device,
                             std::int64_t chunk) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts;
    for (std::int64_t i = 0; i < images.size(0); i += chunk)
        parts.push_back(encoder.latent(images.slice(0, i, std::min(i + chunk, images.size(0))).to(device)));
    return torch::cat(parts);
}

torch::Tensor TrainedReadout::logits(const torch::Tensor& latents) {
    torch::NoGradGuard no_grad;
    return classifier(mean.defined() ? (latents - mean) / std : latents);
}

ReadoutReport linear_readout(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                             const ReadoutSpec& spec, torch::Device device, TrainedReadout* keep) {
    auto start = std::chrono::steady_clock::now();
    auto take = [](std::int64_t n, std::int64_t wanted) { return wanted > 0 ? std::min(n, wanted) : n; };
    const std::int64_t n_train = take(train.size(), spec.train_images);
    const std::int64_t b = spec.batch_size;
    const std::int64_t n_test = take(test.size(), spec.test_images) / b * b;  // whole batches only
    TORCH_CHECK(n_train >= b && n_test >= b, "linear readout: fewer images than one mini-batch of ", b);

    auto x_train = encode_latents(encoder, train.images.slice(0, 0, n_train), device);
    auto y_train = train.labels.slice(0, 0, n_train).to(device);
    auto x_test = encode_latents(encoder, test.images.slice(0, 0, n_test), device);
    auto y_test = test.labels.slice(0, 0, n_test).to(device);

    // Occluded test latents, one set per level, each image with its own mask.
    std::vector<torch::Tensor> x_occluded;
    for (double level : spec.occlusion_levels) {
        torch::Generator rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.occlusion_seed));
        const auto& images = test.images.slice(0, 0, n_test);
        auto masks =
            occlusion_masks(n_test, images.size(2), images.size(3), level, spec.occlusion_tile, images.options(), rng);
        auto x = encode_latents(encoder, images * masks, device);
        x_occluded.push_back(x);
    }

    if (keep) keep->train_latents = x_train;
    if (spec.features == ReadoutFeatures::standardized) {
        auto mean = x_train.mean(0, true), std = x_train.std(0, true, true) + 1e-8;
        if (keep) keep->mean = mean, keep->std = std;
        x_train = (x_train - mean) / std;
        x_test = (x_test - mean) / std;
        for (auto& x : x_occluded) x = (x - mean) / std;
    }

    ReadoutReport report;
    report.features = name_of(spec.features);
    report.occlusion_levels = spec.occlusion_levels;
    report.occlusion_tile = spec.occlusion_tile;
    report.train_images = n_train;
    report.test_images = n_test;
    for (std::int64_t seed : spec.seeds) {
        torch::manual_seed(static_cast<std::uint64_t>(seed));
        torch::nn::Linear classifier(x_train.size(1), 10);
        classifier->to(device);
        torch::optim::SGD sgd(classifier->parameters(), torch::optim::SGDOptions(spec.lr));
        ReadoutSeed result;
        result.seed = seed;
        for (std::int64_t epoch = 0; epoch < spec.epochs; ++epoch) {
            auto order = torch::randperm(n_train, torch::TensorOptions().dtype(torch::kInt64)).to(device);
            for (std::int64_t i = 0; i + b <= n_train; i += b) {
                auto idx = order.slice(0, i, i + b);
                sgd.zero_grad();
                auto loss =
                    torch::cross_entropy_loss(classifier(x_train.index_select(0, idx)), y_train.index_select(0, idx));
                loss.backward();
                sgd.step();
            }
            torch::NoGradGuard no_grad;
            auto correct = classifier(x_test).argmax(1).eq(y_test).sum().item<double>();
            result.test_accuracy.push_back(correct / double(n_test));
        }
        torch::NoGradGuard no_grad;
        for (const auto& x : x_occluded)
            result.occluded_accuracy.push_back(classifier(x).argmax(1).eq(y_test).sum().item<double>() /
                                               double(n_test));
        report.seeds.push_back(std::move(result));
        if (keep && !keep->classifier) keep->classifier = classifier, keep->seed = seed;
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace somnus
