#include "sim/eval/image_classifier.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <sstream>

#include "sim/base/errors.hpp"
#include "sim/spec/reader.hpp"
#include "sim/model/model.hpp"

namespace somnus {

namespace F = torch::nn::functional;

ImageClassifierImpl::ImageClassifierImpl(std::int64_t channels, std::int64_t classes) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 32, 3).padding(1)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
    conv3 = register_module("conv3", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 64, 3).padding(1)));
    hidden = register_module("hidden", torch::nn::Linear(64 * 4 * 4, 128));
    out = register_module("out", torch::nn::Linear(128, classes));
}

torch::Tensor ImageClassifierImpl::features(const torch::Tensor& images) {
    auto h = F::max_pool2d(torch::relu(conv1(images)), F::MaxPool2dFuncOptions(2));
    h = F::max_pool2d(torch::relu(conv2(h)), F::MaxPool2dFuncOptions(2));
    h = F::max_pool2d(torch::relu(conv3(h)), F::MaxPool2dFuncOptions(2));
    return torch::relu(hidden(h.flatten(1)));
}

torch::Tensor ImageClassifierImpl::forward(const torch::Tensor& images) { return out(features(images)); }

double image_classifier_accuracy(ImageClassifier& classifier, const torch::Tensor& images, const torch::Tensor& labels,
                                 torch::Device device) {
    torch::NoGradGuard no_grad;
    const bool was_training = classifier->is_training();
    classifier->eval();
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < images.size(0); i += 500) {
        const std::int64_t end = std::min(i + 500, images.size(0));
        auto predicted = classifier(images.slice(0, i, end).to(device)).argmax(1);
        correct += predicted.eq(labels.slice(0, i, end).to(device)).sum().item<std::int64_t>();
    }
    classifier->train(was_training);
    return images.size(0) ? double(correct) / double(images.size(0)) : 0.0;
}

ImageClassifier train_image_classifier(const ImageSet& train, const ImageSet& test,
                                       const ImageClassifierTraining& training, ImageClassifierInfo& info,
                                       const std::function<void(std::int64_t, double)>& after_epoch) {
    torch::manual_seed(static_cast<std::uint64_t>(training.seed));
    const torch::Device device = torch::kCPU;
    ImageClassifier classifier(train.images.size(1), info.classes);
    torch::optim::Adam adam(classifier->parameters(), torch::optim::AdamOptions(training.lr));
    torch::Generator rng = at::detail::createCPUGenerator(static_cast<std::uint64_t>(training.seed));
    const std::int64_t n = train.size(), b = training.batch_size;
    for (std::int64_t epoch = 0; epoch < training.epochs; ++epoch) {
        classifier->train();
        auto order = torch::randperm(n, rng, torch::kInt64);  // host: indexes the host images
        for (std::int64_t i = 0; i + b <= n; i += b) {
            auto rows = order.slice(0, i, i + b);
            adam.zero_grad();
            torch::cross_entropy_loss(classifier(train.images.index_select(0, rows).to(device)),
                                      train.labels.index_select(0, rows).to(device))
                .backward();
            adam.step();
        }
        info.test_accuracy = image_classifier_accuracy(classifier, test.images, test.labels, device);
        if (after_epoch) after_epoch(epoch, info.test_accuracy);
    }
    info.channels = train.images.size(1);
    info.seed = training.seed;
    info.epochs = training.epochs;
    classifier->eval();
    return classifier;
}

void save_image_classifier(ImageClassifier& classifier, const ImageClassifierInfo& info, const std::string& path) {
    torch::serialize::OutputArchive archive;
    classifier->save(archive);
    const Json about = {{"kind", "somnus image classifier"},
                        {"dataset", info.dataset},
                        {"mean", info.mean},
                        {"std", info.std},
                        {"channels", info.channels},
                        {"classes", info.classes},
                        {"seed", info.seed},
                        {"epochs", info.epochs},
                        {"test_accuracy", info.test_accuracy}};
    archive.write("image_classifier", c10::IValue(about.dump()));
    write_atomically(archive, path);
}

ImageClassifier load_image_classifier(const std::string& path, torch::Device device, ImageClassifierInfo& info) {
    if (!std::filesystem::is_regular_file(path))
        throw InputError(path + ": no image classifier file here (train one: scripts/train-image-classifier.sh)");
    torch::serialize::InputArchive archive;
    c10::IValue about;
    try {
        archive.load_from(path, torch::kCPU);
    } catch (const c10::Error& error) {
        throw InputError(path + ": not an image classifier file (" + std::string(error.what_without_backtrace()) + ")");
    }
    if (!archive.try_read("image_classifier", about) || !about.isString())
        throw InputError(path + ": not an image classifier file (no image_classifier record; a model file?)");
    const Json j = Json::parse(about.toStringRef(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("dataset") || !j.contains("channels") || !j.contains("classes"))
        throw InputError(path + ": not an image classifier file (its record is not one)");
    info.dataset = j["dataset"].get<std::string>();
    info.mean = j.value("mean", 0.5);
    info.std = j.value("std", 0.5);
    info.channels = j["channels"].get<std::int64_t>();
    info.classes = j["classes"].get<std::int64_t>();
    info.seed = j.value("seed", std::int64_t{0});
    info.epochs = j.value("epochs", std::int64_t{0});
    info.test_accuracy = j.value("test_accuracy", 0.0);
    ImageClassifier classifier(info.channels, info.classes);
    try {
        classifier->load(archive);
    } catch (const c10::Error& error) {
        throw InputError(path + ": its weights do not fit the classifier (" +
                         std::string(error.what_without_backtrace()) + ")");
    }
    classifier->to(device);
    classifier->eval();
    return classifier;
}

double frechet_distance(const torch::Tensor& a, const torch::Tensor& b) {
    torch::NoGradGuard no_grad;
    auto x = a.to(torch::kFloat64), y = b.to(torch::kFloat64);
    TORCH_CHECK(x.size(0) >= 2 && y.size(0) >= 2 && x.size(1) == y.size(1),
                "Fréchet distance: two sets of at least 2 rows of the same width");
    auto mu_x = x.mean(0), mu_y = y.mean(0);
    auto cov = [](const torch::Tensor& z, const torch::Tensor& mu) {
        auto c = z - mu;
        return c.t().matmul(c) / double(z.size(0) - 1);
    };
    auto s_x = cov(x, mu_x), s_y = cov(y, mu_y);
    // S_x^(1/2) from its eigendecomposition (symmetric PSD; tiny negative eigenvalues are rounding).
    auto [lx, vx] = torch::linalg_eigh(s_x);
    auto root = vx.matmul(torch::diag(lx.clamp_min(0).sqrt())).matmul(vx.t());
    auto m = root.matmul(s_y).matmul(root);
    auto lm = torch::linalg_eigvalsh((m + m.t()) / 2);
    const double trace_sqrt = lm.clamp_min(0).sqrt().sum().item<double>();
    return (mu_x - mu_y).pow(2).sum().item<double>() + s_x.trace().item<double>() + s_y.trace().item<double>() -
           2 * trace_sqrt;
}

}  // namespace somnus
