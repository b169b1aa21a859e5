#include "sim/eval/retention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/eval/classifiers.hpp"

namespace somnus {

namespace {
std::vector<double> mean_over_seeds(const std::vector<std::vector<double>>& by_seed, std::size_t tasks) {
    std::vector<double> mean(tasks, 0.0);
    for (const auto& seed : by_seed)
        for (std::size_t t = 0; t < mean.size(); ++t) mean[t] += seed[t] / double(by_seed.size());
    return mean;
}
}  // namespace

std::vector<double> RetentionReport::mean_accuracy() const { return mean_over_seeds(accuracy, tasks.size()); }
std::vector<double> RetentionReport::mean_class_incremental_accuracy() const {
    return mean_over_seeds(class_incremental_accuracy, tasks.size());
}
double RetentionReport::mean_all_classes_accuracy() const {
    double mean = 0;
    for (double a : all_classes_accuracy) mean += a / double(all_classes_accuracy.size());
    return mean;
}

namespace {

// Rows of `labels` whose class is in `classes`, and those labels renumbered 0 .. k-1 in the order of `classes`.
std::pair<torch::Tensor, torch::Tensor> task_rows(const torch::Tensor& labels, const std::vector<std::int64_t>& classes) {
    const auto rows = in_classes(labels, classes).nonzero().squeeze(1);
    auto y = labels.index_select(0, rows);
    auto renumbered = torch::full_like(y, -1);
    for (std::size_t k = 0; k < classes.size(); ++k) renumbered.masked_fill_(y == classes[k], std::int64_t(k));
    return {rows, renumbered};
}

std::vector<double> host_values(const torch::Tensor& t) {
    const auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// Classifiers trained on (x_train, y_train), one per seed; their predictions on x_test, (S, N).
torch::Tensor readout_predictions(torch::Tensor x_train, const torch::Tensor& y_train, torch::Tensor x_test,
                                  std::int64_t classes, const RetentionSpec& spec) {
    if (spec.features == ReadoutFeatures::standardized) {
        const auto z = LatentStandardization::of(x_train);
        x_train = z(x_train);
        x_test = z(x_test);
    }
    const std::int64_t b = std::min(spec.batch_size, x_train.size(0));
    const LinearClassifiers k =
        train_linear_classifiers(x_train, y_train, ClassifierTraining{spec.seeds, classes, spec.epochs, spec.lr, b});
    return k.logits(x_test).argmax(2);
}

// Test accuracy per seed.
std::vector<double> accuracy_of(const torch::Tensor& predicted, const torch::Tensor& y) {
    return host_values(predicted.eq(y.unsqueeze(0)).sum(1).to(torch::kFloat64) / double(y.size(0)));
}

}  // namespace

RetentionReport retention(GeneratorAreaImpl& generator, const EvaluationLatents& latents, const ImageSet& train,
                          const ImageSet& test, const RetentionSpec& spec, torch::Device device) {
    torch::NoGradGuard no_grad;
    const std::int64_t n_train = images_taken(train.size(), spec.train_images);
    TORCH_CHECK(latents.train.defined() && latents.train.size(0) >= n_train && latents.test.defined() &&
                    latents.test.size(0) == test.size(),
                "retention: the evaluation's latents do not cover its images");
    const auto x_train = latents.train.slice(0, 0, n_train);
    const auto train_labels = train.labels.slice(0, 0, n_train).to(device);
    const auto test_labels = test.labels.to(device);

    RetentionReport r;
    r.tasks = spec.tasks;
    r.accuracy.assign(spec.seeds.size(), std::vector<double>(spec.tasks.size(), 0.0));
    for (std::size_t t = 0; t < spec.tasks.size(); ++t) {
        const auto& classes = spec.tasks[t];
        auto [train_rows, y_train] = task_rows(train_labels, classes);
        auto [test_rows, y_test] = task_rows(test_labels, classes);
        TORCH_CHECK(train_rows.size(0) > 0 && test_rows.size(0) > 0, "retention: task ", t,
                    " has no training or no test image among the images read");
        const auto accuracy = accuracy_of(readout_predictions(x_train.index_select(0, train_rows), y_train,
                                                              latents.test.index_select(0, test_rows),
                                                              std::int64_t(classes.size()), spec),
                                          y_test);
        for (std::size_t s = 0; s < accuracy.size(); ++s) r.accuracy[s][t] = accuracy[s];
        r.train_images.push_back(train_rows.size(0));
        r.test_images.push_back(test_rows.size(0));
        // Reconstruction: x_hat = G(z) for the task's first test images, against x.
        const std::int64_t n = std::min(spec.reconstruction_images, test_rows.size(0));
        r.reconstructed.push_back(n);
        if (n == 0) {
            r.reconstruction_error.push_back(std::nan(""));
            continue;
        }
        const auto rows = test_rows.slice(0, 0, n);
        const auto z = latents.test.index_select(0, rows);
        const auto x = test.images.index_select(0, rows.to(test.images.device())).to(device);
        double squared = 0;
        for (std::int64_t i = 0; i < n; i += 500) {
            const auto end = std::min(i + 500, n);
            squared += (generator.image(z.slice(0, i, end)) - x.slice(0, i, end)).pow(2).sum().item<double>();
        }
        r.reconstruction_error.push_back(squared / double(x.numel()));
    }
    // Every class at once: the same readout on the training and test images of all classes,
    // and its recall of each class (the share of that class's test images it names right).
    const std::int64_t classes = 10;
    const auto predicted = readout_predictions(x_train, train_labels, latents.test, classes, spec);
    r.all_classes_accuracy = accuracy_of(predicted, test_labels);
    const auto right = predicted.eq(test_labels.unsqueeze(0)).to(torch::kFloat64);  // (S, N)
    r.class_accuracy.assign(std::size_t(classes), std::nan(""));
    for (std::int64_t c = 0; c < classes; ++c) {
        const auto of_c = (test_labels == c);
        const auto n = of_c.sum().item<double>();
        if (n > 0) r.class_accuracy[std::size_t(c)] = (right * of_c.unsqueeze(0)).sum().item<double>() / (n * double(right.size(0)));
    }
    // Class-incremental accuracy of each task: the every-class readout on the task's test
    // images (naming one of ten classes, not one of the task's own).
    r.class_incremental_accuracy.assign(spec.seeds.size(), std::vector<double>(spec.tasks.size(), 0.0));
    for (std::size_t t = 0; t < spec.tasks.size(); ++t) {
        const auto of_task = in_classes(test_labels, spec.tasks[t]).to(torch::kFloat64);
        const auto per_seed = host_values((right * of_task.unsqueeze(0)).sum(1) / of_task.sum());
        for (std::size_t s = 0; s < per_seed.size(); ++s) r.class_incremental_accuracy[s][t] = per_seed[s];
    }
    return r;
}

RetentionSummary summarize_retention(const std::vector<std::vector<double>>& accuracy,
                                     const std::vector<std::int64_t>& nights) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    RetentionSummary s;
    if (accuracy.empty()) return {nan, {}, nan, nan};
    const std::size_t tasks = accuracy.back().size();
    auto after_night = [&](std::int64_t night) -> const std::vector<double>* {  // the last test after that night
        const std::vector<double>* row = nullptr;
        for (std::size_t i = 0; i < accuracy.size(); ++i)
            if (nights[i] == night) row = &accuracy[i];
        return row;
    };
    std::size_t last = 0;
    for (std::size_t i = 0; i < accuracy.size(); ++i)
        if (nights[i] >= nights[last]) last = i;
    const std::vector<double>& final_row = accuracy[last];
    const std::int64_t final_night = nights[last];
    s.average_accuracy = 0;
    for (double a : final_row) s.average_accuracy += a / double(tasks);
    s.forgetting.assign(tasks, nan);
    double forgetting = 0, transfer = 0;
    std::size_t counted = 0, transferred = 0;
    for (std::size_t j = 0; j + 1 < tasks; ++j) {
        double best = nan;
        for (std::int64_t l = std::int64_t(j) + 1; l < final_night; ++l)  // tests after nights j+1 .. T-1
            if (const auto* row = after_night(l)) best = std::isnan(best) ? (*row)[j] : std::max(best, (*row)[j]);
        if (!std::isnan(best)) {
            s.forgetting[j] = best - final_row[j];
            forgetting += s.forgetting[j];
            ++counted;
        }
        if (const auto* learned = after_night(std::int64_t(j) + 1); learned && std::int64_t(j) + 1 < final_night) {
            transfer += final_row[j] - (*learned)[j];
            ++transferred;
        }
    }
    s.mean_forgetting = counted ? forgetting / double(counted) : nan;
    s.backward_transfer = transferred ? transfer / double(transferred) : nan;
    return s;
}

}  // namespace somnus
