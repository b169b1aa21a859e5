#include <gtest/gtest.h>

#include "sim/states/brain_state.hpp"
#include "tests/helpers.hpp"
#include "tests/parameters.hpp"

using namespace somnus;
using somnus::test::change;
using somnus::test::device;
using somnus::test::snapshot;

namespace {

// The PAD circuit with small areas, so that the tests run in milliseconds.
ExperimentSpec small_spec(Json overrides = Json::object()) {
    Json doc = Json::object();
    doc["modules"] = default_modules();
    doc["states"] = default_states();
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

// Grey-background images with a bright horizontal bar at a random row, plus noise.
torch::Tensor images(std::int64_t batch = 16) {
    auto x = torch::full({batch, 1, 32, 32}, -0.8) + 0.05 * torch::randn({batch, 1, 32, 32});
    auto rows = torch::randint(0, 30, {batch});
    for (std::int64_t i = 0; i < batch; ++i) x[i][0].narrow(0, rows[i].item<std::int64_t>(), 3).fill_(0.8);
    return x.to(device());
}

std::int64_t count(const std::vector<torch::Tensor>& params) {
    std::int64_t n = 0;
    for (const auto& p : params) n += p.numel();
    return n;
}

}  // namespace

TEST(Areas, ReferenceShapesAndParameterCounts) {
    torch::manual_seed(0);
    Model model(parse_spec(Json::object()), device());
    // Reference (NicoZenith/PAD, 1 channel): encoder + head 1,709,761; generator 1,705,409.
    EXPECT_EQ(count(model.feedforward_parameters()), 1709761);
    EXPECT_EQ(count(model.feedback_parameters()), 1705409);
    EXPECT_EQ(count(model.discriminator->parameters()), 4097);
    auto x = images(5);
    auto out = static_cast<PadEncoderImpl&>(*model.encoder).forward(x);
    EXPECT_EQ(out.z.sizes(), (std::vector<std::int64_t>{5, 256}));
    EXPECT_EQ(out.layer3.sizes(), (std::vector<std::int64_t>{5, 256, 4, 4}));
    auto d = model.discriminator(out.layer3);
    EXPECT_EQ(d.sizes(), (std::vector<std::int64_t>{5}));
    EXPECT_TRUE((d > 0).all().item<bool>() && (d < 1).all().item<bool>());
    auto dream = static_cast<PadGeneratorImpl&>(*model.generator).forward(out.z);
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
    // A larger learning rate than PAD's 2e-4, so that a few steps show the trend.
    ExperimentSpec spec =
        small_spec({{"training", {{"encoder_optimizer", {{"lr", 2e-3}}}, {"generator_optimizer", {{"lr", 2e-3}}}}}});
    Model model(spec, device());
    auto wake = make_state(spec, "wake");
    auto x = images();
    Modulation m = model.conductor.modulation("wake");
    double first = 0, last = 0;
    for (int i = 0; i < 40; ++i) {
        StepReport report = wake->step(model, x, m, StepClock{0, i, i});
        (i == 0 ? first : last) = report.loss("reconstruction");
    }
    EXPECT_LT(last, 0.5 * first) << "reconstruction " << first << " -> " << last;
    EXPECT_EQ(model.hippocampus.occupancy(), 2);
    EXPECT_EQ(model.hippocampus.replay().sizes(), (std::vector<std::int64_t>{16, 32}));
    EXPECT_FALSE(model.hippocampus.replay().requires_grad());
}

TEST(Nrem, OnlyTheEncoderLearns) {
    torch::manual_seed(2);
    ExperimentSpec spec = small_spec({{"training", {{"adam_steps_on_zero_grad", false}}}});
    Model model(spec, device());
    auto wake = make_state(spec, "wake"), nrem = make_state(spec, "nrem");
    wake->step(model, images(), model.conductor.modulation("wake"), {});
    auto encoder_before = snapshot(model.encoder->parameters());
    auto generator_before = snapshot(model.generator->parameters());
    auto discriminator_before = snapshot(model.discriminator->parameters());
    StepReport report = nrem->step(model, images(), model.conductor.modulation("nrem"), {});
    EXPECT_GT(change(model.encoder->parameters(), encoder_before), 0.0);
    EXPECT_EQ(change(model.generator->parameters(), generator_before), 0.0);
    EXPECT_EQ(change(model.discriminator->parameters(), discriminator_before), 0.0);
    EXPECT_GT(report.loss("latent_reconstruction"), 0.0);
    EXPECT_EQ(report.losses.size(), 1u);
    double drop = report.observables.at(0).second.item<double>(), tile = report.observables.at(1).second.item<double>();
    EXPECT_TRUE(drop >= 0.0 && drop <= 1.0) << drop;
    EXPECT_TRUE(tile >= 1.0 && tile <= 8.0) << tile;
}

TEST(Nrem, ReferenceAdamSemanticsMoveTheHeadOnMomentumOnly) {
    // With PyTorch 1.x zero_grad semantics (the default), the discriminator head has a
    // zero-filled gradient in NREM and Adam still moves it on momentum; the generator
    // is not stepped at all.
    torch::manual_seed(2);
    ExperimentSpec spec = small_spec();
    Model model(spec, device());
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

struct RemEffect {
    double before = 0, after = 0;  // mean d on probe dreams, judged by the pre-REM encoder/discriminator
    double alignment = 0;          // <generator change, gradient of mean d w.r.t. the generator>
};

// What one REM step with the given generator sign does to the discriminator's
// output on its own dreams. The memories are stored without learning, so Adam
// starts from rest; the encoder and discriminator are put back as they were
// before judging, so only the generator's change is measured.
RemEffect rem_effect_on_dreams(double feedback_sign) {
    torch::manual_seed(4);
    ExperimentSpec spec = small_spec();
    Model model(spec, device());
    // In double precision: one Adam step changes d by about 1e-7, near float32's resolution.
    model.encoder->to(torch::kFloat64);
    model.generator->to(torch::kFloat64);
    model.discriminator->to(torch::kFloat64);
    Modulation m = model.conductor.modulation("rem");
    m.feedback_sign = feedback_sign;
    auto rem = make_state(spec, "rem");
    {
        torch::NoGradGuard no_grad;
        model.hippocampus.store(static_cast<PadEncoderImpl&>(*model.encoder).forward(images().to(torch::kFloat64)).z);
        model.hippocampus.store(static_cast<PadEncoderImpl&>(*model.encoder).forward(images().to(torch::kFloat64)).z);
    }
    // The same noise as the REM step draws first, so the probe is the step's z_mix.
    torch::manual_seed(99);
    auto probe = model.hippocampus.replay_mixed(0.5, 0.5,
                                                torch::randn({16, 32}, torch::dtype(torch::kFloat64).device(device())));
    auto judge = [&] {
        torch::NoGradGuard no_grad;
        return model.discriminator(static_cast<PadEncoderImpl&>(*model.encoder).forward(static_cast<PadGeneratorImpl&>(*model.generator).forward(probe)).layer3)
            .mean()
            .item<double>();
    };
    RemEffect effect;
    effect.before = judge();
    auto judges = snapshot(model.feedforward_parameters());
    auto generator_before = snapshot(model.feedback_parameters());
    model.zero_grad();
    model.discriminator(static_cast<PadEncoderImpl&>(*model.encoder).forward(static_cast<PadGeneratorImpl&>(*model.generator).forward(probe)).layer3).mean().backward();
    std::vector<torch::Tensor> grad_d;
    for (const auto& p : model.feedback_parameters()) grad_d.push_back(p.grad().clone());
    torch::manual_seed(99);
    rem->step(model, images().to(torch::kFloat64), m, {0, 2, 2});
    {
        torch::NoGradGuard no_grad;
        for (std::size_t i = 0; i < judges.size(); ++i) model.feedforward_parameters()[i].copy_(judges[i]);
    }
    effect.after = judge();
    for (std::size_t i = 0; i < grad_d.size(); ++i)
        effect.alignment += (model.feedback_parameters()[i] - generator_before[i]).mul(grad_d[i]).sum().item<double>();
    return effect;
}

}  // namespace

TEST(Rem, SignReversedGeneratorRaisesTheDiscriminatorOutputOnDreams) {
    ASSERT_EQ(small_spec().state("rem")->type, "rem");
    RemEffect e = rem_effect_on_dreams(/*the conductor's REM sign*/ -1.0);
    EXPECT_GT(e.alignment, 0.0) << "the generator moved against d";
    EXPECT_GT(e.after - e.before, 1e-8) << "d(dream) " << e.before << " -> " << e.after;
}

TEST(Rem, WithoutTheSignReversalTheGeneratorLowersIt) {
    // The same REM step with the generator's sign forced to +1 (target still "fake"):
    // the generator then joins the discriminator and makes dreams look more fake.
    RemEffect e = rem_effect_on_dreams(+1.0);
    EXPECT_LT(e.alignment, 0.0);
    EXPECT_LT(e.after - e.before, -1e-8) << "d(dream) " << e.before << " -> " << e.after;
}

TEST(Rem, GatedOffDiscriminatorMeansNoLearning) {
    torch::manual_seed(5);
    ExperimentSpec spec =
        small_spec({{"modules", {{"conductor", {{"levels", {{"rem", {{"ach", 0.0}, {"na", 0.0}}}}}}}}}});
    Model model(spec, device());
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
    EXPECT_TRUE(torch::allclose(h.replay_mixture(reference, noise, true, false), torch::full({4, 3}, 6.0)));
    EXPECT_TRUE(torch::allclose(h.replay_mixture(reference, noise, false, false), torch::full({4, 3}, 5.5)));
    // Paper: the first iteration of the run uses z alone, later epochs mix as usual.
    MixingRule paper = reference;
    paper.first_step = FirstDream::paper;
    EXPECT_TRUE(torch::allclose(h.replay_mixture(paper, noise, true, true), z));
    EXPECT_TRUE(torch::allclose(h.replay_mixture(paper, noise, true, false), torch::full({4, 3}, 5.5)));
    // Without memory mixing: lambda z + (1 - lambda) eps throughout.
    MixingRule unmixed = reference;
    unmixed.mix_memories = false;
    EXPECT_TRUE(torch::allclose(h.replay_mixture(unmixed, noise, false, false), torch::full({4, 3}, 6.0)));
}

TEST(Hippocampus, CapacityForgetsTheOldest) {
    HippocampusParams params;
    params.capacity = 3;
    params.partner = MixPartner::random;
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

TEST(Hippocampus, ReplayRecordNamesEpisodesAndWhenTheyWereStored) {
    HippocampusParams params;  // capacity 2, partner "previous": the reference store
    Hippocampus h(params);
    h.store(torch::zeros({2, 2}), /*step=*/10);
    h.store(torch::ones({2, 2}), /*step=*/11);
    EXPECT_EQ(h.last_replay().count, 0);
    h.replay();
    EXPECT_EQ(h.last_replay().count, 1);
    EXPECT_EQ(h.last_replay().episode, 1);
    EXPECT_EQ(h.last_replay().episode_step, 11);
    EXPECT_EQ(h.last_replay().partner, -1);
    h.replay_mixed(0.5, 0.5, torch::zeros({2, 2}));
    EXPECT_EQ(h.last_replay().count, 2);
    EXPECT_EQ(h.last_replay().partner, 0);
    EXPECT_EQ(h.last_replay().partner_step, 10);
    h.store(torch::ones({2, 2}), 12);  // episode 0 is forgotten
    EXPECT_EQ(h.episodes_stored(), 3);
    h.replay_mixed(0.5, 0.5, torch::zeros({2, 2}));
    EXPECT_EQ(h.last_replay().episode, 2);
    EXPECT_EQ(h.last_replay().partner, 1);
}

TEST(Areas, GeneratorActivationsEndInItsOutput) {
    torch::manual_seed(2);
    AreaParams p;
    p.latent_dim = 16;
    p.features = 8;
    PadGenerator g(1, p);
    auto z = torch::randn({3, 16});
    auto layers = g->activations(z);
    ASSERT_EQ(layers.size(), 4u);
    EXPECT_EQ(layers[0].sizes(), (std::vector<std::int64_t>{3, 32, 4, 4}));
    EXPECT_EQ(layers[2].sizes(), (std::vector<std::int64_t>{3, 8, 16, 16}));
    EXPECT_TRUE(torch::equal(layers[3], g(z)));
}

TEST(Areas, TransposedConvolutionMatchesLibTorchIncludingGradients) {
    torch::manual_seed(6);
    for (auto [cin, cout, side, stride, padding] :
         std::vector<std::array<std::int64_t, 5>>{{8, 6, 1, 1, 0}, {6, 4, 4, 2, 1}}) {
        auto opts = torch::TensorOptions().dtype(torch::kFloat64);
        auto x = torch::randn({3, cin, side, side}, opts).requires_grad_();
        auto w = torch::randn({cin, cout, 4, 4}, opts).requires_grad_();
        auto b = torch::randn({cout}, opts).requires_grad_();
        auto ours = transposed_convolution(x, w, b, stride, padding);
        auto theirs = torch::conv_transpose2d(x, w, b, stride, padding);
        ASSERT_TRUE(torch::allclose(ours, theirs));
        auto g = torch::randn_like(ours);
        auto ga = torch::autograd::grad({ours}, {x, w, b}, {g});
        auto gb = torch::autograd::grad({theirs}, {x, w, b}, {g});
        for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(ga[i], gb[i], 1e-9, 1e-9)) << "gradient " << i;
    }
    // Float32 takes oneDNN's convolutions (the forward pass as conv2d's input gradient)
    // where both sides have >= 8 channels, LibTorch's direct kernel otherwise (64 -> 1).
    for (auto [cin, cout, side, stride, padding] :
         std::vector<std::array<std::int64_t, 5>>{{32, 16, 1, 1, 0}, {16, 8, 4, 2, 1}, {8, 1, 8, 2, 1}}) {
        auto x = torch::randn({5, cin, side, side}).requires_grad_();
        auto w = (0.1 * torch::randn({cin, cout, 4, 4})).requires_grad_();
        auto b = torch::randn({cout}).requires_grad_();
        auto ours = transposed_convolution(x, w, b, stride, padding);
        auto theirs = torch::conv_transpose2d(x, w, b, stride, padding);
        ASSERT_EQ(ours.sizes(), theirs.sizes());
        EXPECT_TRUE(torch::allclose(ours, theirs, 1e-5, 1e-5)) << (ours - theirs).abs().max().item<double>();
        auto g = torch::randn_like(ours);
        auto ga = torch::autograd::grad({ours}, {x, w, b}, {g});
        auto gb = torch::autograd::grad({theirs}, {x, w, b}, {g});
        for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(ga[i], gb[i], 1e-4, 1e-4)) << "gradient " << i;
    }
}

TEST(Wake, RealLossOnlyWhenSomeStateTeachesFake) {
    torch::manual_seed(7);
    // The reference trains the discriminator on real images only when REM runs (R > 0).
    ExperimentSpec no_rem = small_spec({{"schedule", {{"cycle", {"wake", "nrem"}}}}});
    Model model(no_rem, device());
    EXPECT_FALSE(model.adversarial);
    auto head_before = snapshot(model.discriminator->parameters());
    StepReport report = make_state(no_rem, "wake")->step(model, images(), model.conductor.modulation("wake"), {});
    EXPECT_TRUE(std::isnan(report.loss("real")));
    EXPECT_EQ(change(model.discriminator->parameters(), head_before), 0.0);

    // The paper's Wake loss always includes it.
    ExperimentSpec always =
        small_spec({{"schedule", {{"cycle", {"wake", "nrem"}}}}, {"states", {{"wake", {{"real_loss", "always"}}}}}});
    Model paper(always, device());
    report = make_state(always, "wake")->step(paper, images(), paper.conductor.modulation("wake"), {});
    EXPECT_NEAR(report.loss("real"), std::log(2.0), 0.1);

    Model full(small_spec(), device());
    EXPECT_TRUE(full.adversarial);
}

TEST(Nrem, MixedReplayDreamsFromTwoMemoriesAndNoise) {
    torch::manual_seed(4);
    ExperimentSpec spec = small_spec({{"states", {{"nrem", {{"replay", "mixed"}}}}}});
    Model model(spec, device());
    auto wake = make_state(spec, "wake"), nrem = make_state(spec, "nrem");
    StepClock clock;
    wake->step(model, images(), model.conductor.modulation("wake"), clock);
    clock.step = clock.iteration = 1;
    wake->step(model, images(), model.conductor.modulation("wake"), clock);
    nrem->step(model, images(), model.conductor.modulation("nrem"), clock);
    ReplayRecord r = model.hippocampus.last_replay();
    EXPECT_EQ(r.episode, 1);
    EXPECT_EQ(r.partner, 0);  // mixed with the older memory, as REM does
    // The single-memory default replays the newest episode alone.
    ExperimentSpec single = small_spec();
    Model plain(single, device());
    auto wake1 = make_state(single, "wake"), nrem1 = make_state(single, "nrem");
    wake1->step(plain, images(), plain.conductor.modulation("wake"), {});
    wake1->step(plain, images(), plain.conductor.modulation("wake"), clock);
    nrem1->step(plain, images(), plain.conductor.modulation("nrem"), clock);
    EXPECT_EQ(plain.hippocampus.last_replay().partner, -1);
}
