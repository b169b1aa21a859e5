#include "sim/eval/readout.hpp"

#include <algorithm>
#include <chrono>

#include "data/occlusion.hpp"
#include "data/perturbations.hpp"
#include "sim/eval/classifiers.hpp"
#include "sim/eval/knn.hpp"

namespace somnus {

torch::Tensor encode_latents(EncoderAreaImpl& encoder, const torch::Tensor& images, torch::Device device,
                             std::int64_t chunk) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> parts;
    for (std::int64_t i = 0; i < images.size(0); i += chunk)
        parts.push_back(encoder.latent(images.slice(0, i, std::min(i + chunk, images.size(0))).to(device)));
    return torch::cat(parts);
}

std::pair<std::int64_t, std::int64_t> readout_images(const ReadoutSpec& spec, std::int64_t train_available,
                                                      std::int64_t test_available) {
    const std::int64_t b = spec.batch_size;
    return {images_taken(train_available, spec.train_images), images_taken(test_available, spec.test_images) / b * b};
}

EvaluationLatents encode_for_evaluation(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                                        const EvalSpec& spec, torch::Device device) {
    std::int64_t n_train = 0, n_test = 0;
    if (spec.linear_readout.enabled) std::tie(n_train, n_test) = readout_images(spec.linear_readout, train.size(), test.size());
    if (spec.latent_geometry.enabled) n_test = test.size();
    if (spec.pca.enabled) n_test = std::max(n_test, std::min(spec.pca.images, test.size()));
    if (spec.knn_readout.enabled) {
        const auto [k_train, k_test] = knn_images(spec.knn_readout, train.size(), test.size());
        n_train = std::max(n_train, k_train);
        n_test = std::max(n_test, k_test);
    }
    if (spec.generated_images.enabled) n_test = std::max(n_test, std::min(spec.generated_images.images, test.size()));
    if (spec.dream_content.enabled) n_test = std::max(n_test, std::min(spec.dream_content.test_images, test.size()));
    if (spec.retention.enabled) {  // each task's training images among the first ones, every test image
        n_train = std::max(n_train, images_taken(train.size(), spec.retention.train_images));
        n_test = test.size();
    }
    EvaluationLatents latents;
    if (n_train > 0) latents.train = encode_latents(encoder, train.images.slice(0, 0, n_train), device);
    if (n_test > 0) latents.test = encode_latents(encoder, test.images.slice(0, 0, n_test), device);
    return latents;
}

namespace {

// The latents of one perturbation's test images, one set per level.
struct PerturbedLatents {
    std::string name;
    std::vector<double> levels;
    std::vector<torch::Tensor> latents;
};

std::vector<PerturbedLatents> perturbed_latents(EncoderAreaImpl& encoder, const torch::Tensor& images,
                                                const ReadoutSpec& spec, double pixel_std, torch::Device device) {
    std::vector<PerturbedLatents> out;
    if (spec.noise_sigmas.empty() && spec.blur_sigmas.empty() && spec.shift_pixels.empty()) return out;
    // The test images' range: black and white (Fashion-MNIST: -1 and 1 after normalisation).
    const double low = images.min().item<double>(), high = images.max().item<double>();
    auto seeded = [&] { return at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.perturbation_seed)); };
    if (!spec.noise_sigmas.empty()) {
        PerturbedLatents p{"noise", spec.noise_sigmas, {}};
        for (double sigma : spec.noise_sigmas) {
            torch::Generator rng = seeded();
            // sigma in pixel intensities; the images are normalised by pixel_std
            p.latents.push_back(
                encode_latents(encoder, with_pixel_noise(images, sigma / pixel_std, low, high, rng), device));
        }
        out.push_back(std::move(p));
    }
    if (!spec.blur_sigmas.empty()) {
        PerturbedLatents p{"blur", spec.blur_sigmas, {}};
        for (double sigma : spec.blur_sigmas) p.latents.push_back(encode_latents(encoder, blurred(images, sigma), device));
        out.push_back(std::move(p));
    }
    if (!spec.shift_pixels.empty()) {
        PerturbedLatents p{"shift", {}, {}};
        for (std::int64_t pixels : spec.shift_pixels) {
            torch::Generator rng = seeded();
            p.levels.push_back(double(pixels));
            p.latents.push_back(encode_latents(encoder, shifted(images, pixels, low, rng), device));
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

torch::Tensor TrainedReadout::logits(const torch::Tensor& latents) {
    torch::NoGradGuard no_grad;
    return classifier(mean.defined() ? (latents - mean) / std : latents);
}

ReadoutReport linear_readout(EncoderAreaImpl& encoder, const EvaluationLatents& latents, const ImageSet& train,
                             const ImageSet& test, const ReadoutSpec& spec, double pixel_std, torch::Device device,
                             TrainedReadout* keep) {
    auto start = std::chrono::steady_clock::now();
    const auto [n_train, n_test] = readout_images(spec, train.size(), test.size());
    const std::int64_t b = spec.batch_size;
    TORCH_CHECK(n_train >= b && n_test >= b, "linear readout: fewer images than one mini-batch of ", b);
    TORCH_CHECK(latents.train.defined() && latents.train.size(0) >= n_train && latents.test.defined() &&
                    latents.test.size(0) >= n_test,
                "linear readout: the evaluation's latents do not cover the readout's images");

    // Trained to convergence: the last validation_images of the readout's training images held out.
    const std::int64_t n_validation = spec.validation_images, n_fit = n_train - n_validation;
    TORCH_CHECK(n_fit >= b, "linear readout: holding out ", n_validation, " of ", n_train,
                " training images leaves fewer than one mini-batch of ", b);
    auto x_train = latents.train.slice(0, 0, n_fit);
    auto y_train = train.labels.slice(0, 0, n_fit).to(device);
    auto x_validation = latents.train.slice(0, n_fit, n_train);
    auto y_validation = train.labels.slice(0, n_fit, n_train).to(device);
    auto x_test = latents.test.slice(0, 0, n_test);
    auto y_test = test.labels.slice(0, 0, n_test).to(device);

    // Occluded test latents, one set per level, each image with its own mask.
    const torch::Tensor images = test.images.slice(0, 0, n_test);
    std::vector<torch::Tensor> x_occluded;
    for (double level : spec.occlusion_levels) {
        torch::Generator rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(spec.occlusion_seed));
        auto masks =
            occlusion_masks(n_test, images.size(2), images.size(3), level, spec.occlusion_tile, images.options(), rng);
        x_occluded.push_back(encode_latents(encoder, images * masks, device));
    }
    // Latents of the perturbations no rule trains on, one set per level, each level
    // drawn afresh from perturbation_seed.
    std::vector<PerturbedLatents> x_perturbed = perturbed_latents(encoder, images, spec, pixel_std, device);

    if (keep) keep->train_latents = x_train;
    if (spec.features == ReadoutFeatures::standardized) {
        const auto z = LatentStandardization::of(x_train);
        if (keep) keep->mean = z.mean, keep->std = z.std;
        x_train = z(x_train);
        x_validation = z(x_validation);
        x_test = z(x_test);
        for (auto& x : x_occluded) x = z(x);
        for (auto& p : x_perturbed)
            for (auto& x : p.latents) x = z(x);
    }

    ReadoutReport report;
    report.features = name_of(spec.features);
    report.occlusion_levels = spec.occlusion_levels;
    report.occlusion_tile = spec.occlusion_tile;
    report.train_images = n_train;
    report.test_images = n_test;
    report.validation_images = n_validation;
    if (n_validation > 0) report.patience = spec.patience, report.min_improvement = spec.min_improvement;
    for (std::int64_t seed : spec.seeds) report.seeds.push_back(ReadoutSeed{seed, {}, {}, {}, -1, -1});
    auto accuracies = [&](const LinearClassifiers& k, const torch::Tensor& x) {
        auto correct = k.correct(x, y_test).to(torch::kCPU, torch::kFloat64) / double(n_test);
        return std::vector<double>(correct.data_ptr<double>(), correct.data_ptr<double>() + correct.numel());
    };
    const ClassifierTraining training{spec.seeds, 10, spec.epochs, spec.lr, b};
    ValidationStop stop{x_validation, y_validation, spec.patience, spec.min_improvement, {}, {}, {}, {}};
    const LinearClassifiers last = train_linear_classifiers(
        x_train, y_train, training,
        [&](std::int64_t, const LinearClassifiers& now) {
            const auto a = accuracies(now, x_test);
            for (std::size_t s = 0; s < a.size(); ++s) report.seeds[s].test_accuracy.push_back(a[s]);
        },
        n_validation > 0 ? &stop : nullptr);
    // The classifiers it reports: each seed's after its best validation epoch, or after the last.
    const LinearClassifiers& k = n_validation > 0 ? stop.best : last;
    if (n_validation > 0)
        for (std::size_t s = 0; s < report.seeds.size(); ++s) {
            report.seeds[s].validation_loss = stop.loss[s];
            report.seeds[s].best_epoch = stop.best_epoch[s];
            report.seeds[s].stopped_epoch = stop.stopped_epoch[s];
        }
    for (const auto& x : x_occluded) {
        const auto a = accuracies(k, x);
        for (std::size_t s = 0; s < a.size(); ++s) report.seeds[s].occluded_accuracy.push_back(a[s]);
    }
    for (const auto& p : x_perturbed) {
        ReadoutReport::Perturbed out{p.name, p.levels, std::vector<std::vector<double>>(report.seeds.size())};
        for (const auto& x : p.latents) {
            const auto a = accuracies(k, x);
            for (std::size_t s = 0; s < a.size(); ++s) out.accuracy[s].push_back(a[s]);
        }
        report.perturbed.push_back(std::move(out));
    }
    if (keep) keep->classifier = k.linear(0), keep->seed = spec.seeds.front();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

ReadoutReport linear_readout(EncoderAreaImpl& encoder, const ImageSet& train, const ImageSet& test,
                             const ReadoutSpec& spec, double pixel_std, torch::Device device, TrainedReadout* keep) {
    EvalSpec only;
    only.linear_readout = spec;
    only.linear_readout.enabled = true;
    only.latent_geometry.enabled = only.pca.enabled = only.dream_content.enabled = false;
    return linear_readout(encoder, encode_for_evaluation(encoder, train, test, only, device), train, test, spec,
                          pixel_std, device, keep);
}

}  // namespace somnus
