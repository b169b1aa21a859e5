#include <gtest/gtest.h>

#include "sim/brain_state.hpp"
#include "tests/helpers.hpp"

using namespace somnus;

namespace {

// The PAD circuit with small areas, so that the tests run in milliseconds.
ExperimentSpec small_spec(Json overrides = Json::object()) {
    Json doc = Json::object();
    doc["modules"] = default_modules();
    for (const char* area : {"V1_encoder", "V1_generator"}) {
        doc["modules"][area]["features"] = 16;
        doc["modules"][area]["latent_dim"] = 32;
    }
    doc.merge_patch(overrides);
    return parse_spec(doc);
}

std::unique_ptr<BrainState> make_state(const ExperimentSpec& spec, const std::string& name) {
    const StateSpec* s = spec.state(name);
    return find_state_type(s->type)->make(*s);
}

torch::Tensor images(std::int64_t batch = 16) { return torch::rand({batch, 1, 32, 32}) * 2 - 1; }

std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> copy;
    for (const auto& p : params) copy.push_back(p.detach().clone());
    return copy;
}

double change(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& before) {
    double total = 0;
    for (std::size_t i = 0; i < params.size(); ++i) total += (params[i] - before[i]).abs().sum().item<double>();
    return total;
}

std::int64_t count(const std::vector<torch::Tensor>& params) {
    std::int64_t n = 0;
    for (const auto& p : params) n += p.numel();
    return n;
}

}  // namespace

TEST(Areas, ReferenceShapesAndParameterCounts) {
    torch::manual_seed(0);
    Model model(parse_spec(Json::object()), torch::kCPU);
    // Reference (NicoZenith/PAD, 1 channel): encoder + head 1,709,761; generator 1,705,409.
    EXPECT_EQ(count(model.feedforward_parameters()), 1709761);
    EXPECT_EQ(count(model.feedback_parameters()), 1705409);
    EXPECT_EQ(count(model.discriminator->parameters()), 4097);
    auto x = images(5);
    auto out = model.encoder(x);
    EXPECT_EQ(out.z.sizes(), (std::vector<std::int64_t>{5, 256}));
    EXPECT_EQ(out.layer3.sizes(), (std::vector<std::int64_t>{5, 256, 4, 4}));
    auto d = model.discriminator(out.layer3);
    EXPECT_EQ(d.sizes(), (std::vector<std::int64_t>{5}));
    EXPECT_TRUE((d > 0).all().item<bool>() && (d < 1).all().item<bool>());
    auto dream = model.generator(out.z);
    EXPECT_EQ(dream.sizes(), (std::vector<std::int64_t>{5, 1, 32, 32}));
    EXPECT_LE(dream.abs().max().item<float>(), 1.0f);
    // Conv weights ~ N(0, 0.02).
    auto w = model.encoder->named_parameters()["conv2.weight"];
    EXPECT_NEAR(w.std().item<double>(), 0.02, 0.001);
}

TEST(Losses, BatchMomentKlMatchesTheFormula) {
    auto z = torch::tensor({{1.0, 0.0}, {3.0, 2.0}}, torch::kFloat64);  // m = (2, 1), s = (sqrt 2, sqrt 2)
    double s2 = 2.0, expected = ((s2 + 4) / 2 - 0.5 * std::log(s2) - 0.5 + (s2 + 1) / 2 - 0.5 * std::log(s2) - 0.5) / 2;
    EXPECT_NEAR(Model::latent_kl(z).item<double>(), expected, 1e-12);
    // A standard normal batch has a KL near zero.
    torch::manual_seed(0);
    EXPECT_LT(Model::latent_kl(torch::randn({4096, 8})).item<double>(), 0.01);
}

TEST(Wake, LowersReconstructionErrorAndStoresLatents) {
    torch::manual_seed(1);
    ExperimentSpec spec = small_spec();
    Model model(spec, torch::kCPU);
    auto wake = make_state(spec, "wake");
    auto x = images();
    Modulation m = model.conductor.modulation("wake");
    double first = 0, last = 0;
    for (int i = 0; i < 30; ++i) {
        Losses losses = wake->step(model, x, m, StepClock{0, i, i});
        double rec = std::find_if(losses.begin(), losses.end(), [](auto& l) { return l.first == "reconstruction"; })->second;
        (i == 0 ? first : last) = rec;
    }
    EXPECT_LT(last, 0.8 * first) << "reconstruction " << first << " -> " << last;
    EXPECT_EQ(model.hippocampus.occupancy(), 2);
    EXPECT_EQ(model.hippocampus.replay().sizes(), (std::vector<std::int64_t>{16, 32}));
    EXPECT_FALSE(model.hippocampus.replay().requires_grad());
}

TEST(Nrem, OnlyTheEncoderLearns) {
    torch::manual_seed(2);
    ExperimentSpec spec = small_spec({{"training", {{"adam_steps_on_zero_grad", false}}}});
    Model model(spec, torch::kCPU);
    auto wake = make_state(spec, "wake"), nrem = make_state(spec, "nrem");
    wake->step(model, images(), model.conductor.modulation("wake"), {});
    auto encoder_before = snapshot(model.encoder->parameters());
    auto generator_before = snapshot(model.generator->parameters());
    auto discriminator_before = snapshot(model.discriminator->parameters());
    Losses losses = nrem->step(model, images(), model.conductor.modulation("nrem"), {});
    EXPECT_GT(change(model.encoder->parameters(), encoder_before), 0.0);
    EXPECT_EQ(change(model.generator->parameters(), generator_before), 0.0);
    EXPECT_EQ(change(model.discriminator->parameters(), discriminator_before), 0.0);
    EXPECT_EQ(losses[0].first, "latent_reconstruction");
    EXPECT_GT(losses[0].second, 0.0);
}

TEST(Nrem, ReferenceAdamSemanticsMoveTheHeadOnMomentumOnly) {
    // With PyTorch 1.x zero_grad semantics (the default), the discriminator head has a
    // zero-filled gradient in NREM and Adam still moves it on momentum; the generator
    // is not stepped at all.
    torch::manual_seed(2);
    ExperimentSpec spec = small_spec();
    Model model(spec, torch::kCPU);
    auto wake = make_state(spec, "wake"), nrem = make_state(spec, "nrem");
    wake->step(model, images(), model.conductor.modulation("wake"), {});
    auto generator_before = snapshot(model.generator->parameters());
    auto discriminator_before = snapshot(model.discriminator->parameters());
    nrem->step(model, images(), model.conductor.modulation("nrem"), {});
    EXPECT_EQ(change(model.generator->parameters(), generator_before), 0.0);
    EXPECT_GT(change(model.discriminator->parameters(), discriminator_before), 0.0);
    for (const auto& p : model.discriminator->parameters()) EXPECT_EQ(p.grad().abs().sum().item<float>(), 0.0f);
}

namespace {

// Discriminator output on dreams from fixed latents, before vs after `steps` REM
// steps, judged by the discriminator and encoder as they were before (so that only
// the generator's change is measured).
std::pair<double, double> rem_effect_on_dreams(double feedback_sign, int steps) {
    torch::manual_seed(4);
    ExperimentSpec spec = small_spec();
    Model model(spec, torch::kCPU);
    Modulation m = model.conductor.modulation("rem");
    m.feedback_sign = feedback_sign;
    auto wake = make_state(spec, "wake"), rem = make_state(spec, "rem");
    wake->step(model, images(), model.conductor.modulation("wake"), {});
    wake->step(model, images(), model.conductor.modulation("wake"), {0, 1, 1});
    auto probe = model.hippocampus.replay_mixed(0.5, 0.5, torch::randn({16, 32}));
    auto judge = [&] {
        torch::NoGradGuard no_grad;
        return model.discriminator(model.encoder(model.generator(probe)).layer3).mean().item<double>();
    };
    double before = judge();
    auto judges = snapshot(model.feedforward_parameters());
    for (int i = 0; i < steps; ++i) rem->step(model, images(), m, {0, 2 + i, 2 + i});
    {
        torch::NoGradGuard no_grad;
        for (std::size_t i = 0; i < judges.size(); ++i) model.feedforward_parameters()[i].copy_(judges[i]);
    }
    return {before, judge()};
}

}  // namespace

TEST(Rem, SignReversedGeneratorRaisesTheDiscriminatorOutputOnDreams) {
    ASSERT_EQ(small_spec().state("rem")->type, "rem");
    auto [before, after] = rem_effect_on_dreams(/*the conductor's REM sign*/ -1.0, 5);
    EXPECT_GT(after, before + 1e-3) << "d(dream) " << before << " -> " << after;
}

TEST(Rem, WithoutTheSignReversalTheGeneratorLowersIt) {
    // The same REM step with the generator's sign forced to +1 (target still "fake"):
    // the generator then joins the discriminator and makes dreams look more fake.
    auto [before, after] = rem_effect_on_dreams(+1.0, 5);
    EXPECT_LT(after, before - 1e-3) << "d(dream) " << before << " -> " << after;
}

TEST(Rem, GatedOffDiscriminatorMeansNoLearning) {
    torch::manual_seed(5);
    ExperimentSpec spec = small_spec({{"modules", {{"conductor", {{"levels", {{"rem", {{"ach", 0.0}, {"na", 0.0}}}}}}}}}});
    Model model(spec, torch::kCPU);
    auto wake = make_state(spec, "wake"), rem = make_state(spec, "rem");
    wake->step(model, images(), model.conductor.modulation("wake"), {});
    auto all_before = snapshot(model.feedforward_parameters());
    auto gen_before = snapshot(model.feedback_parameters());
    rem->step(model, images(), model.conductor.modulation("rem"), {0, 1, 1});
    EXPECT_EQ(change(model.feedforward_parameters(), all_before), 0.0);
    EXPECT_EQ(change(model.feedback_parameters(), gen_before), 0.0);
}

TEST(Hippocampus, MixingFormulaAndFirstStepRules) {
    HippocampusParams params;  // capacity 2, partner "previous"
    Hippocampus h(params);
    auto z_old = torch::full({4, 3}, 2.0), z = torch::full({4, 3}, 4.0), noise = torch::full({4, 3}, 8.0);
    h.store(z_old);
    EXPECT_FALSE(h.can_mix());
    h.store(z);
    ASSERT_TRUE(h.can_mix());
    // z_mix = lambda (alpha z + (1 - alpha) z_old) + (1 - lambda) eps = 0.25*4 + 0.25*2 + 0.5*8
    EXPECT_TRUE(torch::allclose(h.replay_mixed(0.5, 0.5, noise), torch::full({4, 3}, 5.5)));
    EXPECT_TRUE(torch::allclose(h.replay_mixed(0.8, 0.25, noise), torch::full({4, 3}, 0.8 * (1.0 + 1.5) + 0.2 * 8)));
    MixingRule reference;  // defaults: lambda = alpha = 0.5, first step "reference"
    // Reference code: the first iteration of every epoch uses 0.5 z + 0.5 eps.
    EXPECT_TRUE(torch::allclose(h.replay_for_rem(reference, noise, true, false), torch::full({4, 3}, 6.0)));
    EXPECT_TRUE(torch::allclose(h.replay_for_rem(reference, noise, false, false), torch::full({4, 3}, 5.5)));
    // Paper: the first iteration of the run uses z alone, later epochs mix as usual.
    MixingRule paper = reference;
    paper.first_step = "paper";
    EXPECT_TRUE(torch::allclose(h.replay_for_rem(paper, noise, true, true), z));
    EXPECT_TRUE(torch::allclose(h.replay_for_rem(paper, noise, true, false), torch::full({4, 3}, 5.5)));
    // Without memory mixing: lambda z + (1 - lambda) eps throughout.
    MixingRule unmixed = reference;
    unmixed.mix_memories = false;
    EXPECT_TRUE(torch::allclose(h.replay_for_rem(unmixed, noise, false, false), torch::full({4, 3}, 6.0)));
}

TEST(Hippocampus, CapacityForgetsTheOldest) {
    HippocampusParams params;
    params.capacity = 3;
    params.partner = "random";
    Hippocampus h(params);
    for (int i = 0; i < 5; ++i) h.store(torch::full({2, 2}, double(i)));
    EXPECT_EQ(h.occupancy(), 3);
    EXPECT_TRUE(torch::allclose(h.replay(), torch::full({2, 2}, 4.0)));
    torch::manual_seed(0);
    // Random partners are among the two older episodes left (values 2 and 3).
    for (int i = 0; i < 20; ++i) {
        double partner = (h.replay_mixed(1.0, 0.0, torch::zeros({2, 2}))[0][0]).item<double>();
        EXPECT_TRUE(partner == 2.0 || partner == 3.0) << partner;
    }
}
