#include "sim/eval/knn.hpp"

#include <algorithm>

#include "sim/eval/classifiers.hpp"

namespace somnus {

std::pair<std::int64_t, std::int64_t> knn_images(const KnnSpec& spec, std::int64_t train_available,
                                                  std::int64_t test_available) {
    return {images_taken(train_available, spec.train_images), images_taken(test_available, spec.test_images)};
}

torch::Tensor knn_classify(const torch::Tensor& reference, const torch::Tensor& labels, const torch::Tensor& query,
                           const std::vector<std::int64_t>& ks, std::int64_t classes, std::int64_t chunk) {
    torch::NoGradGuard no_grad;
    const std::int64_t k_max = *std::max_element(ks.begin(), ks.end());
    TORCH_CHECK(k_max <= reference.size(0), "k-nearest neighbours: k = ", k_max, " but only ", reference.size(0),
                " training latents");
    auto ref = reference.to(torch::kFloat64), ref_sq = ref.pow(2).sum(1);  // (R)
    auto ref_labels = labels.to(reference.device(), torch::kInt64);
    std::vector<torch::Tensor> rows(ks.size());
    for (std::int64_t i = 0; i < query.size(0); i += chunk) {
        auto q = query.slice(0, i, std::min(i + chunk, query.size(0))).to(torch::kFloat64);
        // ||q - r||^2 = ||q||^2 - 2 q.r + ||r||^2 (float64: ranks of near-equal distances stay put)
        auto d2 = q.pow(2).sum(1, true) - 2 * q.matmul(ref.t()) + ref_sq.unsqueeze(0);
        auto nearest = std::get<1>(d2.topk(k_max, 1, /*largest=*/false, /*sorted=*/true));  // (q, k_max)
        auto neighbour_class = ref_labels.index_select(0, nearest.flatten()).view(nearest.sizes());
        for (std::size_t j = 0; j < ks.size(); ++j) {
            const std::int64_t k = ks[j];
            auto rank = torch::arange(k, q.options());
            auto weight = (1 + (k - rank) / double(k * (k + 1))).expand({q.size(0), k});
            auto votes = torch::zeros({q.size(0), classes}, q.options());
            votes.scatter_add_(1, neighbour_class.slice(1, 0, k), weight);
            rows[j] = rows[j].defined() ? torch::cat({rows[j], votes.argmax(1)}) : votes.argmax(1);
        }
    }
    return torch::stack(rows);
}

KnnReport knn_readout(const EvaluationLatents& latents, const ImageSet& train, const ImageSet& test,
                      const KnnSpec& spec, torch::Device device) {
    const auto [n_train, n_test] = knn_images(spec, train.size(), test.size());
    TORCH_CHECK(latents.train.defined() && latents.train.size(0) >= n_train && latents.test.defined() &&
                    latents.test.size(0) >= n_test,
                "k-nearest neighbours: the evaluation's latents do not cover the readout's images");
    auto x_train = latents.train.slice(0, 0, n_train), x_test = latents.test.slice(0, 0, n_test);
    if (spec.features == ReadoutFeatures::standardized) {
        const auto z = LatentStandardization::of(x_train);
        x_train = z(x_train);
        x_test = z(x_test);
    }
    auto y_train = train.labels.slice(0, 0, n_train).to(device);
    auto y_test = test.labels.slice(0, 0, n_test).to(device);
    const std::int64_t classes = std::max(y_train.max().item<std::int64_t>(), y_test.max().item<std::int64_t>()) + 1;
    auto predicted = knn_classify(x_train, y_train, x_test, spec.k, classes);
    auto correct = predicted.eq(y_test.unsqueeze(0)).sum(1).to(torch::kCPU, torch::kFloat64) / double(n_test);
    KnnReport report;
    report.features = name_of(spec.features);
    report.train_images = n_train;
    report.test_images = n_test;
    report.k = spec.k;
    report.accuracy.assign(correct.data_ptr<double>(), correct.data_ptr<double>() + correct.numel());
    return report;
}

}  // namespace somnus
