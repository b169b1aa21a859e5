// The evaluations' own machinery: the batched readout classifiers, the k-nearest-neighbour
// readout, the perturbations of test images, the fixed image classifier and the Fréchet distance.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <set>

#include "data/datasets.hpp"
#include "data/perturbations.hpp"
#include "sim/base/errors.hpp"
#include "sim/eval/classifiers.hpp"
#include "sim/eval/image_classifier.hpp"
#include "sim/eval/knn.hpp"
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

TEST(Classifiers, EarlyStoppingKeepsEachSeedsBestValidationEpochAndStopsWhenPatienceRunsOut) {
    // Few training rows in many dimensions, labels with little signal: the classifiers
    // overfit, so the validation loss falls, then rises, and patience runs out.
    const torch::Device device = test::device();
    auto [x, y] = separable(400, 40, device);
    torch::manual_seed(5);
    auto noisy = torch::where(torch::rand({400}).to(device) < 0.5, torch::randint(10, {400}).to(device), y);
    const auto x_fit = x.slice(0, 0, 64), y_fit = noisy.slice(0, 0, 64);
    const auto x_val = x.slice(0, 64), y_val = y.slice(0, 64);
    const ClassifierTraining t{{0, 3}, 10, 200, 0.02, 16};
    ValidationStop stop{x_val, y_val, 4, 0.0, {}, {}, {}, {}};
    std::int64_t epochs_run = 0;
    train_linear_classifiers(x_fit, y_fit, t, [&](std::int64_t, const LinearClassifiers&) { ++epochs_run; }, &stop);
    std::int64_t last_stop = 0;
    for (std::size_t s = 0; s < 2; ++s) {
        SCOPED_TRACE("seed " + std::to_string(t.seeds[s]));
        ASSERT_TRUE(stop.converged(s)) << "200 epochs and the validation loss never rose for 4 in a row";
        const auto& loss = stop.loss[s];
        // The record ends where patience ran out: 4 epochs after the lowest loss.
        ASSERT_EQ(std::int64_t(loss.size()), stop.stopped_epoch[s] + 1);
        EXPECT_EQ(stop.stopped_epoch[s] - stop.best_epoch[s], 4);
        EXPECT_EQ(std::min_element(loss.begin(), loss.end()) - loss.begin(), stop.best_epoch[s]);
        EXPECT_LT(loss[std::size_t(stop.best_epoch[s])], loss.front());  // it learned before it overfit
        // The kept classifier is the best epoch's: its validation cross-entropy is that epoch's.
        torch::NoGradGuard no_grad;
        const double kept = torch::cross_entropy_loss(stop.best.logits(x_val)[std::int64_t(s)], y_val).item<double>();
        EXPECT_NEAR(kept, loss[std::size_t(stop.best_epoch[s])], 1e-5);
        last_stop = std::max(last_stop, stop.stopped_epoch[s]);
        // Alone, the seed stops at the same epoch with the same classifier.
        ValidationStop single{x_val, y_val, 4, 0.0, {}, {}, {}, {}};
        train_linear_classifiers(x_fit, y_fit, ClassifierTraining{{t.seeds[s]}, 10, 200, 0.02, 16}, nullptr, &single);
        EXPECT_EQ(single.best_epoch[0], stop.best_epoch[s]);
        EXPECT_EQ(single.stopped_epoch[0], stop.stopped_epoch[s]);
        EXPECT_TRUE(torch::allclose(single.best.weight[0], stop.best.weight[std::int64_t(s)], 1e-5, 1e-6));
    }
    // Training ends with the last seed's patience, long before the 200 epochs it may take.
    EXPECT_EQ(epochs_run, last_stop + 1);
    EXPECT_LT(epochs_run, 200);

    // A tolerance no fall reaches: the first epoch is the best, patience runs out 4 epochs later.
    ValidationStop strict{x_val, y_val, 4, 100.0, {}, {}, {}, {}};
    train_linear_classifiers(x_fit, y_fit, t, nullptr, &strict);
    EXPECT_EQ(strict.best_epoch, (std::vector<std::int64_t>{0, 0}));
    EXPECT_EQ(strict.stopped_epoch, (std::vector<std::int64_t>{4, 4}));
    // Patience longer than the epochs: never stopped (-1), the best epoch still kept.
    ValidationStop patient{x_val, y_val, 1000, 0.0, {}, {}, {}, {}};
    train_linear_classifiers(x_fit, y_fit, ClassifierTraining{{0, 3}, 10, 3, 0.02, 16}, nullptr, &patient);
    EXPECT_EQ(patient.stopped_epoch, (std::vector<std::int64_t>{-1, -1}));
    EXPECT_EQ(patient.loss[0].size(), 3u);
    EXPECT_GE(patient.best_epoch[0], 0);
}

// ---- k-nearest-neighbour readout ----

TEST(Knn, EachQueryTakesTheMajorityOfItsNearestAndTiesGoToTheNearer) {
    // Reference latents on a line: classes 0 0 1 1 1 at 0, 1, 10, 11, 12.
    auto ref = torch::tensor({0.0, 1.0, 10.0, 11.0, 12.0}).view({5, 1});
    auto labels = torch::tensor({0, 0, 1, 1, 1}, torch::kInt64);
    // 0.4: nearest are 0 (class 0), 1 (0), 10 (1): k=1 -> 0, k=3 -> 0 (two votes), k=5 -> 1 (three votes).
    // 5.4: nearest 1 (class 0, distance 4.4), 10 (class 1, 4.6): k=2 ties 1-1, the nearer (class 0) wins.
    auto query = torch::tensor({0.4, 5.4, 11.2}).view({3, 1});
    auto p = knn_classify(ref, labels, query, {1, 2, 3, 5}, 2);
    ASSERT_EQ(p.sizes(), (std::vector<std::int64_t>{4, 3}));
    EXPECT_EQ(p[0][0].item<std::int64_t>(), 0);
    EXPECT_EQ(p[2][0].item<std::int64_t>(), 0);
    EXPECT_EQ(p[3][0].item<std::int64_t>(), 1);
    EXPECT_EQ(p[1][1].item<std::int64_t>(), 0);  // the tie
    for (int j = 0; j < 4; ++j) EXPECT_EQ(p[j][2].item<std::int64_t>(), 1);
    // The same answers a chunk at a time.
    EXPECT_TRUE(torch::equal(p, knn_classify(ref, labels, query, {1, 2, 3, 5}, 2, /*chunk=*/1)));
}

TEST(Knn, AReadoutOfClustersIsRightAndOfShuffledLabelsNearChance) {
    torch::manual_seed(5);
    const std::int64_t n = 400;
    auto classes = torch::arange(n, torch::kInt64) % 10;
    // Ten tight clusters, far apart: every neighbour shares the class.
    auto centres = torch::randn({10, 8}) * 10;
    ImageSet train{torch::zeros({n, 1, 2, 2}), classes}, test{torch::zeros({n, 1, 2, 2}), classes.flip(0)};
    EvaluationLatents latents{centres.index_select(0, classes) + 0.01 * torch::randn({n, 8}),
                              centres.index_select(0, classes.flip(0)) + 0.01 * torch::randn({n, 8})};
    KnnSpec spec;
    spec.k = {1, 5};
    spec.train_images = 300;
    KnnReport r = knn_readout(latents, train, test, spec, torch::kCPU);
    EXPECT_EQ(r.train_images, 300);
    EXPECT_EQ(r.test_images, n);
    EXPECT_EQ(r.features, "standardized");
    ASSERT_EQ(r.accuracy.size(), 2u);
    EXPECT_DOUBLE_EQ(r.accuracy[0], 1.0);
    EXPECT_DOUBLE_EQ(r.accuracy[1], 1.0);
    // Labels unrelated to the latents: about one in ten.
    ImageSet shuffled{test.images, classes.index_select(0, torch::randperm(n))};
    KnnReport chance = knn_readout(latents, train, shuffled, spec, torch::kCPU);
    EXPECT_NEAR(chance.accuracy[0], 0.1, 0.06);
}

// ---- perturbations of test images ----

TEST(Perturbations, NoiseIsSeededAndClampedBlurKeepsAUniformImageAndSpreadsAPoint) {
    auto images = torch::zeros({2, 1, 9, 9});
    torch::Generator a = at::detail::createCPUGenerator(3), b = at::detail::createCPUGenerator(3);
    auto x = with_pixel_noise(images, 5.0, -1.0, 1.0, a);
    EXPECT_TRUE(torch::equal(x, with_pixel_noise(images, 5.0, -1.0, 1.0, b)));  // the same seed, the same noise
    EXPECT_LE(x.max().item<double>(), 1.0);
    EXPECT_GE(x.min().item<double>(), -1.0);
    EXPECT_GT(x.abs().mean().item<double>(), 0.5);  // sigma 5: mostly clamped to +-1
    EXPECT_TRUE(torch::equal(with_pixel_noise(images, 0.0, -1.0, 1.0, a), images));

    EXPECT_TRUE(torch::allclose(blurred(torch::full({1, 3, 8, 8}, -0.75), 1.5), torch::full({1, 3, 8, 8}, -0.75)));
    auto point = torch::zeros({1, 1, 9, 9});
    point[0][0][4][4] = 1.0;
    auto spread = blurred(point, 1.0);
    EXPECT_NEAR(spread.sum().item<double>(), 1.0, 1e-5);  // nothing lost in the middle of the image
    EXPECT_NEAR(spread[0][0][4][3].item<double>(), spread[0][0][3][4].item<double>(), 1e-7);  // isotropic
    // One pass of the kernel: g(1)/g(0) = exp(-1/2) along a row.
    EXPECT_NEAR(spread[0][0][4][5].item<double>() / spread[0][0][4][4].item<double>(), std::exp(-0.5), 1e-5);
}

TEST(Perturbations, AShiftMovesEachImageOneWayAndFillsWhatItUncovers) {
    auto images = torch::zeros({64, 1, 6, 6});
    for (int i = 0; i < 64; ++i) images[i][0][3][3] = 1.0;
    torch::Generator rng = at::detail::createCPUGenerator(0);
    auto moved = shifted(images, 2, -1.0, rng);
    EXPECT_TRUE(torch::equal(shifted(images, 0, -1.0, rng), images));
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (int i = 0; i < 64; ++i) {
        auto where = (moved[i][0] == 1.0).nonzero();
        ASSERT_EQ(where.size(0), 1) << i;
        const std::int64_t y = where[0][0].item<std::int64_t>(), x = where[0][1].item<std::int64_t>();
        EXPECT_EQ(std::abs(y - 3) + std::abs(x - 3), 2) << i;  // two pixels, one direction
        seen.insert({y, x});
        EXPECT_EQ((moved[i][0] == -1.0).sum().item<std::int64_t>(), 12) << i;  // a strip of 2 x 6 uncovered
    }
    EXPECT_EQ(seen.size(), 4u);  // all four directions drawn
}

// ---- the fixed image classifier and the Fréchet distance ----

TEST(FrechetDistance, IsZeroForOneSetTheSquaredShiftForAShiftAndSumsSigmaGapsForDiagonals) {
    torch::manual_seed(2);
    // Rows whose sample mean is 0 and sample covariance exactly I (whitened).
    auto x = torch::randn({500, 3}, torch::kFloat64);
    x = x - x.mean(0);
    auto l = torch::linalg_cholesky(x.t().matmul(x) / 499.0);
    x = torch::linalg_solve_triangular(l, x.t(), /*upper=*/false).t();
    EXPECT_NEAR(frechet_distance(x, x), 0.0, 1e-9);
    auto shift = torch::tensor({1.0, -2.0, 0.5}, torch::kFloat64);
    EXPECT_NEAR(frechet_distance(x, x + shift), 1.0 + 4.0 + 0.25, 1e-9);  // ||mu_a - mu_b||^2, same covariance
    // Covariances diag(sigma_a^2), diag(sigma_b^2): sum over dimensions of (sigma_a - sigma_b)^2.
    auto sa = torch::tensor({1.0, 2.0, 3.0}, torch::kFloat64), sb = torch::tensor({2.0, 2.0, 1.0}, torch::kFloat64);
    EXPECT_NEAR(frechet_distance(x * sa, x * sb), 1.0 + 0.0 + 4.0, 1e-9);
}

TEST(ImageClassifier, LearnsTheFakeClassesAndAFileGivesItBackBitwiseWithWhatItSays) {
    auto data = test::fake_fashion_dir("image_classifier", 200, 50);
    DataSpec spec;
    spec.path = data.string();
    const ImageSet train = load_images(spec, true), test = load_images(spec, false);
    ImageClassifierInfo info;
    info.dataset = "fashion-mnist";
    ImageClassifierTraining training;
    training.epochs = 3;
    training.batch_size = 20;
    std::vector<double> seen;
    ImageClassifier classifier =
        train_image_classifier(train, test, training, info, [&](std::int64_t, double a) { seen.push_back(a); });
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_GT(info.test_accuracy, 0.5);  // ten bars, chance 0.1
    EXPECT_DOUBLE_EQ(info.test_accuracy, image_classifier_accuracy(classifier, test.images, test.labels, torch::kCPU));
    EXPECT_EQ(classifier->features(test.images.slice(0, 0, 4)).sizes(), (std::vector<std::int64_t>{4, 128}));

    const auto path = test::temp_dir("image_classifier") / "c.pt";
    save_image_classifier(classifier, info, path.string());
    ImageClassifierInfo read;
    ImageClassifier again = load_image_classifier(path.string(), torch::kCPU, read);
    EXPECT_EQ(read.dataset, "fashion-mnist");
    EXPECT_EQ(read.channels, 1);
    EXPECT_EQ(read.classes, 10);
    EXPECT_EQ(read.epochs, 3);
    EXPECT_DOUBLE_EQ(read.test_accuracy, info.test_accuracy);
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(again(test.images), classifier(test.images)));

    try {
        load_image_classifier((path.parent_path() / "none.pt").string(), torch::kCPU, read);
        ADD_FAILURE() << "a missing file must be an InputError";
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()), (path.parent_path() / "none.pt").string() +
                                             ": no image classifier file here (train one: "
                                             "scripts/train-image-classifier.sh)");
    }
    torch::serialize::OutputArchive other;
    torch::nn::Linear(2, 2)->save(other);
    other.save_to((path.parent_path() / "model.pt").string());
    try {
        load_image_classifier((path.parent_path() / "model.pt").string(), torch::kCPU, read);
        ADD_FAILURE() << "another archive must be an InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("not an image classifier file (no image_classifier record"),
                  std::string::npos)
            << e.what();
    }
}
