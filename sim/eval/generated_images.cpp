#include "sim/eval/generated_images.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "sim/base/errors.hpp"
#include "sim/eval/image_classifier.hpp"

namespace somnus {

namespace {

// Loads the classifier without moving LibTorch's global generator (its module's
// initialisation draws from it before the file's weights replace it), so that a run
// trains the same with this evaluation on or off.
ImageClassifier load_quietly(const std::string& path, torch::Device device, ImageClassifierInfo& info) {
    auto global = at::detail::getDefaultCPUGenerator();
    at::Tensor state;
    {
        std::lock_guard<std::mutex> lock(global.mutex());
        state = global.get_state();
    }
    ImageClassifier classifier = load_image_classifier(path, device, info);
    {
        std::lock_guard<std::mutex> lock(global.mutex());
        global.set_state(state);
    }
    return classifier;
}

void check_against(const ImageClassifierInfo& info, const std::string& path, const DataSpec& data) {
    if (info.dataset != name_of(data.dataset))
        throw UsageError("somnus: " + path + ": an image classifier of " + info.dataset + ", but the spec's data are " +
                         name_of(data.dataset) + "; train one for them (somnus train-classifier SPEC --out FILE)");
}

// Rows of `f` applied to `x` in chunks of 500, on the device, gathered on the host.
template <class Fn>
torch::Tensor in_chunks(const torch::Tensor& x, torch::Device device, Fn f) {
    std::vector<torch::Tensor> parts;
    for (std::int64_t i = 0; i < x.size(0); i += 500)
        parts.push_back(f(x.slice(0, i, std::min(i + 500, x.size(0))).to(device)).cpu());
    return torch::cat(parts);
}

}  // namespace

void check_image_classifier(const GeneratedImagesSpec& spec, const DataSpec& data) {
    if (!spec.enabled) return;
    ImageClassifierInfo info;
    load_quietly(spec.classifier, torch::kCPU, info);
    check_against(info, spec.classifier, data);
}

GeneratedImages generated_images(GeneratorAreaImpl& generator, std::int64_t latent_dim,
                                 const torch::Tensor& test_latents, const ImageSet& train, const ImageSet& test,
                                 const GeneratedImagesSpec& spec, const DataSpec& data, std::int64_t seed,
                                 torch::Device device, const std::vector<DreamBatch>& dreams) {
    torch::NoGradGuard no_grad;
    ImageClassifierInfo info;
    ImageClassifier classifier = load_quietly(spec.classifier, device, info);
    check_against(info, spec.classifier, data);
    // The run's normalisation -> pixel intensity p = x std + mean in [0, 1] -> the classifier's.
    const double scale = data.std / info.std, shift = (data.mean - info.mean) / info.std;
    auto judged = [&](const torch::Tensor& x) { return shift == 0 && scale == 1 ? x : x * scale + shift; };
    const std::int64_t n = std::min({spec.images, test.size(), test_latents.size(0)});
    TORCH_CHECK(n >= 2, "generated images: fewer than 2 test images");
    const torch::Tensor images = test.images.slice(0, 0, n), labels = test.labels.slice(0, 0, n);

    // G(E(x)), the noise-free image of each test image's noise-free latent.
    const torch::Tensor reconstructions =
        in_chunks(test_latents.slice(0, 0, n), device, [&](const torch::Tensor& z) { return generator.image(z); });
    // G(z), z ~ N(0, I), from the run's seed: the same prior draws for every model of a latent size.
    torch::Generator rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(seed));
    const torch::Tensor z = torch::randn({spec.samples, latent_dim}, rng, torch::kFloat32);  // host: moved in chunks
    const torch::Tensor samples = in_chunks(z, device, [&](const torch::Tensor& zi) { return generator.image(zi); });

    auto features = [&](const torch::Tensor& x) {
        return in_chunks(x, device, [&](const torch::Tensor& xi) { return classifier->features(judged(xi)); });
    };
    auto classes = [&](const torch::Tensor& x) {
        return in_chunks(x, device, [&](const torch::Tensor& xi) { return classifier(judged(xi)).argmax(1); });
    };
    const torch::Tensor test_features = features(images);

    GeneratedImages out;
    out.classifier = spec.classifier;
    out.classifier_dataset = info.dataset;
    out.classifier_test_accuracy = info.test_accuracy;
    out.images = n;
    out.samples = spec.samples;
    out.classifier_accuracy = classes(images).eq(labels).to(torch::kFloat64).mean().item<double>();
    // In pixel intensities (x std + mean, in [0, 1]): comparable between runs of any normalisation.
    out.reconstruction_error =
        data.std * data.std * (reconstructions - images).pow(2).flatten(1).mean(1).to(torch::kFloat64).mean().item<double>();
    out.reconstruction_class_kept = classes(reconstructions).eq(labels).to(torch::kFloat64).mean().item<double>();
    out.fid_reconstructions = frechet_distance(features(reconstructions), test_features);
    out.fid_samples = frechet_distance(features(samples), test_features);
    out.fid_floor = frechet_distance(features(train.images.slice(0, 0, std::min(n, train.size()))), test_features);
    auto class_counts = [&](const torch::Tensor& x) {
        const torch::Tensor counts = torch::bincount(classes(x), {}, info.classes);
        return std::vector<std::int64_t>(counts.data_ptr<std::int64_t>(),
                                         counts.data_ptr<std::int64_t>() + counts.numel());
    };
    out.sample_class_counts = class_counts(samples);
    for (const DreamBatch& d : dreams) {
        if (!d.dreams.defined() || d.dreams.size(0) < 2) continue;
        const torch::Tensor images_dreamed = d.dreams.detach().to(torch::kCPU, torch::kFloat32);
        out.dreams.push_back({d.state, images_dreamed.size(0),
                              frechet_distance(features(images_dreamed), test_features),
                              class_counts(images_dreamed)});
    }
    return out;
}

}  // namespace somnus
