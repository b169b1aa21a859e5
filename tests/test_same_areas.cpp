// Every learning rule on the same areas (docs/same-areas.md): PAD's states read
// any family's areas through areas/area.hpp, its discriminator neurons read the
// encoder layer their pathway names, and the shipped experiments/same_areas/
// specs (a dense hierarchy and a conv one of PAD's shape, each trained by PAD,
// adversarial wake-sleep global and oscillatory, Helmholtz and negative phase)
// train: each rule's own training signal moves as the rule says it should.
#include <gtest/gtest.h>

#include <numeric>

#include "helpers.hpp"
#include "run_logged.hpp"
#include "sim/model/model.hpp"

namespace somnus {
namespace {

using test::source_path;

// A shipped same-areas spec, shrunk for a test: narrower layers and critics, the
// fake data, a few epochs of small mini-batches, no evaluation.
Json shrunk(const std::string& name, const test::fs::path& log) {
    Json doc = load_spec_file(source_path("experiments/same_areas/" + name + ".json"));
    for (auto& [module, m] : doc["modules"].items()) {
        if (!m.is_object()) continue;
        if (m.contains("layers")) {
            std::vector<std::int64_t> layers;
            for (const auto& units : m["layers"]) layers.push_back(std::max<std::int64_t>(4, units.get<std::int64_t>() / 8));
            m["layers"] = layers;
        }
        if (m.contains("hidden") && !m["hidden"].is_null()) m["hidden"] = 64;
    }
    doc["seed"] = 1;
    doc["threads"] = 2;
    doc["device"] = test::device().str();
    doc["data"]["path"] = test::fake_fashion_dir("SameAreas", 128, 40).string();
    doc["data"]["train_subset"] = 128;
    doc["schedule"]["epochs"] = 6;
    doc["schedule"]["batch_size"] = 16;
    doc["record"] = {{"path", log.string()}, {"checkpoint", false}, {"progress_every", 1000},
                     {"activity", {{"enabled", false}}}, {"dreams", {{"enabled", false}}}};
    doc["eval"] = {{"epochs", Json::array()},
                   {"linear_readout", {{"enabled", false}}},
                   {"latent_geometry", {{"enabled", false}}},
                   {"pca", {{"enabled", false}}},
                   {"overlap", {{"enabled", false}}}};
    return doc;
}

// Mean of the first and of the last epoch's values of a log series (8 mini-batches an epoch).
std::pair<double, double> first_and_last_epoch(const test::fs::path& log, const std::string& path) {
    const auto v = test::log_series(log, path);
    EXPECT_EQ(v.size(), 48u) << path;
    if (v.size() < 16) return {0, 0};
    return {std::accumulate(v.begin(), v.begin() + 8, 0.0) / 8, std::accumulate(v.end() - 8, v.end(), 0.0) / 8};
}

test::fs::path trained(const std::string& name) {
    const auto dir = test::temp_dir("same_areas_" + name);
    const ExperimentSpec spec = parse_spec(shrunk(name, dir / "log.h5"));
    EXPECT_EQ(test::run_logged(spec).status, RunStatus::finished) << name;
    return dir / "log.h5";
}

class EveryRuleOnTheSameAreas : public ::testing::TestWithParam<std::string> {};

// Each rule's own signal, first epoch -> last: the loss it descends falls (PAD's Wake
// reconstruction and latent KL, the Helmholtz machine's two negative log-likelihoods,
// the positive phase's energy). Adversarial wake-sleep descends no fixed loss (its
// critics' scale moves with them): its critics learn to score wake samples above
// dreams, a positive Wasserstein estimate in the last epoch.
TEST_P(EveryRuleOnTheSameAreas, TrainsAndItsOwnLossFalls) {
    const std::string name = GetParam();
    const auto log = trained(name);
    auto falls = [&](const std::string& path) {
        const auto [first, last] = first_and_last_epoch(log, path);
        EXPECT_LT(last, first) << name << " " << path;
    };
    if (name.find("_pad") != std::string::npos) {
        falls("/states/wake/losses/reconstruction");
        falls("/states/wake/losses/kl");
    } else if (name.find("aws_") != std::string::npos) {
        const auto [first, last] = first_and_last_epoch(log, "/states/sleep/observables/wasserstein_estimate");
        EXPECT_GT(last, 0.0) << name;
    } else if (name.find("helmholtz") != std::string::npos) {
        falls("/states/wake/losses/generative_nll");
        falls("/states/sleep/losses/recognition_nll");
    } else {
        falls("/states/wake/losses/energy");
    }
}

INSTANTIATE_TEST_SUITE_P(SameAreas, EveryRuleOnTheSameAreas,
                         ::testing::Values("dense_pad", "dense_aws_global", "dense_aws_oscillatory", "dense_helmholtz",
                                           "dense_negative_phase", "conv_pad", "conv_aws_global",
                                           "conv_aws_oscillatory", "conv_helmholtz", "conv_negative_phase"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// PAD's discriminator neurons read the layer below the latent unless their pathway names
// another: one unit over a dense layer (units + 1 parameters), one conv covering a conv
// layer (C x H x W + 1); PAD's own areas keep their 4x4 conv on layer3.
TEST(DiscriminatorNeurons, ReadTheLayerTheirPathwayNames) {
    auto parameters_of = [](const Json& doc) {
        Model model(parse_spec(doc), torch::kCPU);
        std::int64_t n = 0;
        for (const auto& p : model.discriminator->parameters()) n += p.numel();
        return std::make_pair(model.circuit.roles().discriminator_layer, n);
    };
    Json dense = load_spec_file(source_path("experiments/same_areas/dense_pad.json"));
    EXPECT_EQ(parameters_of(dense), std::make_pair(std::string("h1"), std::int64_t(256 + 1)));
    for (auto& p : dense["pathways"])
        if (p["to"] == "discriminator" && p["kind"] == "feedforward") p["layer"] = "z";
    EXPECT_EQ(parameters_of(dense), std::make_pair(std::string("z"), std::int64_t(64 + 1)));

    Json pad = load_spec_file(source_path("experiments/pad.json"));
    EXPECT_EQ(parameters_of(pad), std::make_pair(std::string("layer3"), std::int64_t(256 * 4 * 4 + 1)));
    for (auto& p : pad["pathways"])
        if (p["to"] == "discriminator" && p["kind"] == "feedforward") p["layer"] = "layer2";
    EXPECT_EQ(parameters_of(pad), std::make_pair(std::string("layer2"), std::int64_t(128 * 8 * 8 + 1)));

    Json conv = load_spec_file(source_path("experiments/same_areas/conv_pad.json"));
    EXPECT_EQ(parameters_of(conv), std::make_pair(std::string("h3"), std::int64_t(256 * 4 * 4 + 1)));
}

// On PAD's own areas the discriminator neurons see what they saw before they read a
// named layer: the output of the third layer, through the same 4x4 convolution.
TEST(DiscriminatorNeurons, OnPadsAreasTheyReadLayerThreeAsBefore) {
    torch::manual_seed(0);
    Model model(parse_spec(load_spec_file(source_path("experiments/pad.json"))), torch::kCPU);
    torch::NoGradGuard no_grad;
    auto x = torch::rand({4, 1, 32, 32}) * 2 - 1;
    auto& encoder = static_cast<PadEncoderImpl&>(*model.encoder);
    auto direct = torch::sigmoid(torch::conv2d(encoder.layer3(x), model.discriminator->named_parameters()["conv.weight"],
                                               model.discriminator->named_parameters()["conv.bias"], 2))
                      .flatten();
    EXPECT_TRUE(torch::equal(model.discriminate(model.encoder->activations(x)), direct));
    EXPECT_TRUE(torch::equal(model.discriminate(model.activations_to_discriminator(x)), direct));
    EXPECT_EQ(model.activations_to_discriminator(x).size(), 3u);  // the latent is not computed
}

}  // namespace
}  // namespace somnus

namespace somnus {
namespace {

// The areas a spec's model starts from: its encoder's and generator's parameters after
// the seed, as a run builds them.
std::vector<torch::Tensor> initial_areas(const std::string& name) {
    const ExperimentSpec spec = parse_spec(load_spec_file(source_path("experiments/same_areas/" + name + ".json")));
    torch::manual_seed(static_cast<std::uint64_t>(spec.seed));
    Model model(spec, torch::kCPU);
    auto out = model.encoder->parameters();
    for (const auto& p : model.generator->parameters()) out.push_back(p);
    return out;
}

bool same_tensors(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!torch::equal(a[i], b[i])) return false;
    return true;
}

}  // namespace

// The paired controls: every rule of a hierarchy, its no-sleep control and the untrained
// control start from the very same areas (docs/same-areas.md, "Controls").
TEST(SameAreas, EveryRuleAndItsControlsStartFromTheSameAreas) {
    for (const std::string arch : {"dense", "conv"}) {
        const auto untrained = initial_areas(arch + "_untrained");
        EXPECT_TRUE(same_tensors(untrained, initial_areas(arch + "_pad_untrained"))) << arch;
        for (const std::string rule : {"pad", "aws_global", "aws_oscillatory", "helmholtz", "negative_phase"}) {
            EXPECT_TRUE(same_tensors(untrained, initial_areas(arch + "_" + rule))) << arch << "_" << rule;
            EXPECT_TRUE(same_tensors(untrained, initial_areas(arch + "_" + rule + "_no_sleep")))
                << arch << "_" << rule << "_no_sleep";
        }
    }
}

}  // namespace somnus
