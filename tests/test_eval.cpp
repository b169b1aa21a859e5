// The evaluations' own machinery: the batched readout classifiers.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "sim/eval/classifiers.hpp"
#include "tests/helpers.hpp"

using namespace somnus;

namespace {

// Labels a linear classifier can learn: the argmax of a fixed random projection.
std::pair<torch::Tensor, torch::Tensor> separable(std::int64_t n, std::int64_t d, torch::Device device) {
    torch::manual_seed(99);
    auto x = torch::randn({n, d});
    auto y = torch::matmul(x, torch::randn({d, 10})).argmax(1);
    return {x.to(device), y.to(device)};
}

// What the readout did before the seeds were batched: one Linear per seed, trained
// alone with LibTorch's SGD on autograd's cross-entropy gradient.
torch::nn::Linear alone(const torch::Tensor& x, const torch::Tensor& y, std::int64_t seed, const ClassifierTraining& t) {
    torch::manual_seed(static_cast<std::uint64_t>(seed));
    torch::nn::Linear classifier(x.size(1), t.classes);
    classifier->to(x.device());
    torch::optim::SGD sgd(classifier->parameters(), torch::optim::SGDOptions(t.lr));
    for (std::int64_t epoch = 0; epoch < t.epochs; ++epoch) {
        auto order = torch::randperm(x.size(0), torch::TensorOptions().dtype(torch::kInt64)).to(x.device());
        for (std::int64_t i = 0; i + t.batch_size <= x.size(0); i += t.batch_size) {
            auto idx = order.slice(0, i, i + t.batch_size);
            sgd.zero_grad();
            torch::cross_entropy_loss(classifier(x.index_select(0, idx)), y.index_select(0, idx)).backward();
            sgd.step();
        }
    }
    return classifier;
}

}  // namespace

TEST(Classifiers, EachSeedIsTheClassifierItWouldBeAloneAndTheStreamEndsAsItWould) {
    const torch::Device device = test::device();
    auto [x, y] = separable(300, 12, device);  // 300 rows: the last partial mini-batch of 32 is dropped
    const ClassifierTraining t{{0, 3, 7}, 10, 4, 0.2, 32};
    std::vector<double> accuracy;
    const LinearClassifiers together = train_linear_classifiers(x, y, t, [&](std::int64_t, const LinearClassifiers& k) {
        accuracy.push_back(k.correct(x, y).to(torch::kCPU, torch::kFloat64)[0].item<double>() / 300.0);
    });
    const auto stream_after = at::detail::getDefaultCPUGenerator().get_state();
    ASSERT_EQ(together.weight.sizes(), (std::vector<std::int64_t>{3, 10, 12}));
    ASSERT_EQ(together.bias.sizes(), (std::vector<std::int64_t>{3, 10}));
    for (std::size_t s = 0; s < t.seeds.size(); ++s) {
        const auto reference = alone(x, y, t.seeds[s], t);
        EXPECT_TRUE(torch::allclose(together.weight[std::int64_t(s)], reference->weight, 1e-5, 1e-6)) << "seed " << t.seeds[s];
        EXPECT_TRUE(torch::allclose(together.bias[std::int64_t(s)], reference->bias, 1e-5, 1e-6)) << "seed " << t.seeds[s];
        // The seeds differ from one another: each has its own initialisation and order.
        if (s > 0) EXPECT_FALSE(torch::allclose(together.weight[std::int64_t(s)], together.weight[0], 1e-3, 1e-3));
        // As a LibTorch Linear, the same classifier.
        auto linear = together.linear(std::int64_t(s));
        torch::NoGradGuard no_grad;
        EXPECT_TRUE(torch::allclose(linear(x), together.logits(x)[std::int64_t(s)], 1e-5, 1e-5));
    }
    // Training the seeds in turn leaves LibTorch's global stream where the batched training left it.
    EXPECT_TRUE(torch::equal(at::detail::getDefaultCPUGenerator().get_state(), stream_after));
    // It learns: the first seed's training accuracy grows over the epochs, well above chance.
    ASSERT_EQ(accuracy.size(), 4u);
    EXPECT_GT(accuracy.back(), accuracy.front());
    EXPECT_GT(accuracy.back(), 0.5);
}

TEST(Classifiers, OneStepIsMinusTheLearningRateTimesTheSoftmaxGradient) {
    // One mini-batch, one step: the change of each seed's weights is -lr G^T X with
    // G = (softmax(X W^T + b) - onehot(y)) / B, from the initial weights that seed's Linear draws.
    const torch::Device device = test::device();
    auto [x, y] = separable(16, 5, device);
    const ClassifierTraining t{{4, 5}, 10, 1, 0.5, 16};
    const LinearClassifiers after = train_linear_classifiers(x, y, t);
    for (std::size_t s = 0; s < 2; ++s) {
        torch::manual_seed(static_cast<std::uint64_t>(t.seeds[s]));
        torch::nn::Linear initial(5, 10);
        initial->to(device);
        torch::manual_seed(static_cast<std::uint64_t>(t.seeds[s]));
        torch::nn::Linear skip(5, 10);  // the stream after the initialisation
        auto order = torch::randperm(16, torch::TensorOptions().dtype(torch::kInt64)).to(device);
        auto xb = x.index_select(0, order), yb = y.index_select(0, order);
        torch::NoGradGuard no_grad;
        auto g = (torch::softmax(initial(xb), 1) - torch::one_hot(yb, 10).to(torch::kFloat32)) / 16.0;
        EXPECT_TRUE(torch::allclose(after.weight[std::int64_t(s)], initial->weight - 0.5 * torch::matmul(g.t(), xb), 1e-5, 1e-6));
        EXPECT_TRUE(torch::allclose(after.bias[std::int64_t(s)], initial->bias - 0.5 * g.sum(0), 1e-5, 1e-6));
        // Down the gradient: the mini-batch's loss fell.
        auto loss_before = torch::cross_entropy_loss(initial(xb), yb).item<double>();
        auto loss_after = torch::cross_entropy_loss(after.logits(xb)[std::int64_t(s)], yb).item<double>();
        EXPECT_LT(loss_after, loss_before);
    }
}
