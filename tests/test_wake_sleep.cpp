// Adversarial wake-sleep, the Helmholtz machine and negative-phase sleep on the
// stochastic areas; the wake/sleep overlap test.
#include <gtest/gtest.h>

#include "sim/eval/evaluation.hpp"
#include "sim/states/stochastic_phases.hpp"
#include "tests/helpers.hpp"
#include "tests/parameters.hpp"

using namespace somnus;
using namespace somnus::test;

namespace {

// A shipped spec with small areas and critics.
Json small_document(const std::string& experiment) {
    Json doc = load_spec_file(source_path("experiments/" + experiment + ".json"));
    for (auto& [name, m] : doc["modules"].items()) {
        if (m.contains("hidden")) m["hidden"] = 16;
        if (m.contains("layers")) m["layers"] = {8};
    }
    return doc;
}

ExperimentSpec small_spec(const std::string& experiment) { return parse_spec(small_document(experiment)); }

std::unique_ptr<BrainState> make_state(const ExperimentSpec& spec, const std::string& name) {
    const StateSpec* s = spec.state(name);
    return find_state_type(s->type)->make(*s);
}

torch::Tensor images(std::int64_t batch = 8) { return torch::rand({batch, 1, 32, 32}); }

double dot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    double total = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].defined() && b[i].defined()) total += (a[i] * b[i]).sum().item<double>();
    return total;
}

std::vector<torch::Tensor> grads(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> out;
    for (const auto& p : params) out.push_back(p.grad().defined() ? p.grad().clone() : torch::Tensor());
    return out;
}

}  // namespace

TEST(Critic, GradientPenaltyOfALinearCriticHasItsClosedForm) {
    // D(x) = w . x + b has input gradient w everywhere: penalty (|w| - 1)^2, d/dw = 2 (|w| - 1) w / |w|.
    CriticParams p;
    p.hidden_layers = 0;
    Critic critic(3, p);
    {
        torch::NoGradGuard no_grad;
        critic->named_parameters()["out.weight"].copy_(torch::tensor({{1.0f, 2.0f, 2.0f}}));  // |w| = 3
    }
    auto x = torch::randn({5, 2});
    auto y = torch::randn({5, 1});
    auto penalty = gradient_penalty(critic, {x, y});  // the critic reads two layers: 2 + 1 inputs
    EXPECT_NEAR(penalty.item<double>(), 4.0, 1e-5);
    penalty.backward();
    auto g = critic->named_parameters()["out.weight"].grad();
    auto expected = torch::tensor({{1.0f, 2.0f, 2.0f}}) * (2.0 * (3.0 - 1.0) / 3.0);
    EXPECT_TRUE(torch::allclose(g, expected, 1e-5, 1e-5)) << g;
    auto bias_grad = critic->named_parameters()["out.bias"].grad();  // the penalty does not depend on the bias
    EXPECT_TRUE(!bias_grad.defined() || bias_grad.abs().max().item<double>() < 1e-7);
    // The v1 code's L1 form: |w|_1 - 1 = 4.
    EXPECT_NEAR(gradient_penalty_l1(critic, {x, y}).item<double>(), 4.0, 1e-5);
}

TEST(Critic, InterpolatesShareOneAlphaPerExampleAcrossLayers) {
    auto a0 = torch::zeros({4, 3}), a1 = torch::zeros({4, 2});
    auto b0 = torch::ones({4, 3}), b1 = torch::full({4, 2}, 2.0);
    auto mid = interpolate({a0, a1}, {b0, b1});
    for (int i = 0; i < 4; ++i) {
        double alpha = mid[0][i][0].item<double>();
        EXPECT_GE(alpha, 0.0);
        EXPECT_LE(alpha, 1.0);
        EXPECT_TRUE(torch::allclose(mid[0][i], torch::full({3}, alpha)));
        EXPECT_TRUE(torch::allclose(mid[1][i], torch::full({2}, 2 * alpha)));
    }
}

TEST(Critic, EachLocalCriticReadsTheLayersItsSpecNames) {
    torch::manual_seed(0);
    ExperimentSpec spec = small_spec("aws_oscillatory");
    Model model(spec, torch::kCPU);
    ASSERT_EQ(model.critics.size(), 2u);
    // Modules are kept in name order: critic_xz, critic_z.
    EXPECT_EQ(model.critics[0].name, "critic_xz");
    EXPECT_EQ(model.critics[0].reads, (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(model.critics[1].name, "critic_z");
    EXPECT_EQ(model.critics[1].reads, (std::vector<std::size_t>{1}));
    EXPECT_EQ(model.critics[0].critic->named_parameters()["hidden1.weight"].size(1), 1024 + 8);
    EXPECT_EQ(model.critics[1].critic->named_parameters()["hidden1.weight"].size(1), 8);
    Hierarchy h = model.stochastic_encoder().infer(images());
    CriticInputs inputs = critic_inputs(model, h);
    ASSERT_EQ(inputs[0].size(), 2u);
    EXPECT_TRUE(inputs[0][0].is_same(h[0]));
    EXPECT_TRUE(inputs[0][1].is_same(h[1]));
    ASSERT_EQ(inputs[1].size(), 1u);
    EXPECT_TRUE(inputs[1][0].is_same(h[1]));

    Json doc = small_document("aws_oscillatory");
    doc["modules"]["critic_z"]["reads"] = {"x", "y"};
    try {
        parse_spec(doc);
        Model bad(parse_spec(doc), torch::kCPU);
        FAIL() << "a critic reading an unknown layer was accepted";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/modules/critic_z/reads/1");
        EXPECT_NE(std::string(e.what()).find("unknown layer \"y\""), std::string::npos) << e.what();
    }
}

TEST(AdversarialWakeSleep, TheOscillationShowsEachCriticItsLayersPredictedFromTheLayerAbove) {
    torch::manual_seed(9);
    ExperimentSpec spec = small_spec("aws_oscillatory");
    Model model(spec, torch::kCPU);
    Hierarchy inferred = model.stochastic_encoder().infer(images());
    TopDownPrediction td = predict_top_down(model, inferred);
    ASSERT_EQ(td.predicted.size(), 2u);
    // critic_xz reads (x, z): x predicted from the inferred z, z as inferred.
    ASSERT_EQ(td.predicted[0].size(), 2u);
    EXPECT_TRUE(td.predicted[0][1].is_same(inferred[1]));
    EXPECT_FALSE(td.predicted[0][0].is_same(inferred[0]));
    EXPECT_EQ(td.predicted[0][0].sizes(), inferred[0].sizes());
    EXPECT_TRUE(td.reconstructs[0]);
    EXPECT_EQ(td.image.sizes(), (std::vector<std::int64_t>{8, 1, 32, 32}));
    // critic_z reads z alone, the top: its top-down source is the prior.
    ASSERT_EQ(td.predicted[1].size(), 1u);
    EXPECT_FALSE(td.predicted[1][0].is_same(inferred[1]));
    EXPECT_EQ(td.predicted[1][0].sizes(), inferred[1].sizes());
    EXPECT_FALSE(td.reconstructs[1]);

    // A three-layer hierarchy: a critic of (h1, h2) sees h1 predicted from the inferred h2.
    Json doc = small_document("aws_oscillatory");
    doc["modules"]["V1_inference"]["layers"] = {8, 6, 4};
    doc["modules"]["V1_generative"]["layers"] = {8, 6, 4};
    doc["modules"]["critic_xz"]["reads"] = {"h1", "h2"};
    doc["modules"]["critic_z"]["reads"] = {"h1"};
    Model deep(parse_spec(doc), torch::kCPU);
    Hierarchy h = deep.stochastic_encoder().infer(images());
    TopDownPrediction deep_td = predict_top_down(deep, h);
    EXPECT_FALSE(deep_td.predicted[0][0].is_same(h[1]));
    EXPECT_TRUE(deep_td.predicted[0][1].is_same(h[2]));
    EXPECT_FALSE(deep_td.predicted[1][0].is_same(h[1]));  // h1 alone: predicted from the inferred h2
    EXPECT_TRUE(deep_td.reconstructs[1]);
    EXPECT_FALSE(deep_td.image.defined());  // no critic reads x
}

TEST(Conductor, AchIsThePhaseSignalAndADoseScalesIt) {
    EXPECT_EQ(Conductor::phase({1.0, 1.0}), 1.0);
    EXPECT_EQ(Conductor::phase({0.0, 1.0}), -1.0);
    EXPECT_EQ(Conductor::phase({0.5, 0.0}), 0.0);
    EXPECT_DOUBLE_EQ(Conductor::phase({0.75, 0.0}), 0.5);
}

TEST(AdversarialWakeSleep, ThePhaseSignalFlipsWhichWayCriticAndAreasLearn) {
    torch::manual_seed(1);
    ExperimentSpec spec = small_spec("aws_global");
    Model model(spec, torch::kCPU);
    Hierarchy h = model.stochastic_encoder().infer(images());
    // d score / d parameters, for reference.
    auto score = model.critics[0].critic->forward(critic_inputs(model, h)[0]).score.mean();
    auto all = model.critic_parameters();
    for (const auto& p : model.feedforward_parameters()) all.push_back(p);
    auto d_score = torch::autograd::grad({score}, all, {}, true, false, true);
    std::vector<torch::Tensor> d_critic(d_score.begin(), d_score.begin() + long(model.critic_parameters().size()));
    std::vector<torch::Tensor> d_encoder(d_score.begin() + long(model.critic_parameters().size()), d_score.end());

    for (double phase : {1.0, -1.0}) {
        for (auto& p : model.critic_parameters()) const_cast<torch::Tensor&>(p).mutable_grad() = torch::Tensor();
        model.zero_grad();
        adversarial_term(model, critic_inputs(model, h), phase, 1.0);
        // A descent step follows -grad: its effect on the score is -grad . d_score.
        double critic_effect = -dot(grads(model.critic_parameters()), d_critic);
        double encoder_effect = -dot(grads(model.feedforward_parameters()), d_encoder);
        if (phase > 0) {  // Wake: critics raise their score of the sample, the encoder lowers it
            EXPECT_GT(critic_effect, 0.0);
            EXPECT_LT(encoder_effect, 0.0);
        } else {  // Sleep: the reverse
            EXPECT_LT(critic_effect, 0.0);
            EXPECT_GT(encoder_effect, 0.0);
        }
    }
}

TEST(AdversarialWakeSleep, CriticsLearnOncePerCycleAndEachPhaseMovesItsOwnPathway) {
    torch::manual_seed(2);
    ExperimentSpec spec = small_spec("aws_global");
    Model model(spec, torch::kCPU);
    auto wake = make_state(spec, "wake");
    auto sleep = make_state(spec, "sleep");
    auto critic_before = snapshot(model.critic_parameters());
    auto encoder_before = snapshot(model.feedforward_parameters());
    auto generator_before = snapshot(model.feedback_parameters());
    auto x = images();
    StepReport w = wake->step(model, x, model.conductor.modulation("wake"), {});
    EXPECT_EQ(change(model.critic_parameters(), critic_before), 0.0);  // consolidated after sleep
    EXPECT_GT(change(model.feedforward_parameters(), encoder_before), 0.0);
    EXPECT_EQ(change(model.feedback_parameters(), generator_before), 0.0);
    ASSERT_EQ(model.wake_trace.size(), 2u);
    EXPECT_FALSE(model.wake_trace[1].requires_grad());

    encoder_before = snapshot(model.feedforward_parameters());
    StepReport s = sleep->step(model, x, model.conductor.modulation("sleep"), {});
    EXPECT_GT(change(model.critic_parameters(), critic_before), 0.0);
    EXPECT_EQ(change(model.feedforward_parameters(), encoder_before), 0.0);
    EXPECT_GT(change(model.feedback_parameters(), generator_before), 0.0);
    EXPECT_GT(s.loss("penalty"), 0.0);
    for (const auto& p : model.critic_parameters()) EXPECT_FALSE(p.grad().defined());  // cleared for the next cycle
}

namespace {

Json once_per_cycle(Json doc) {
    for (const char* state : {"wake", "oscillation", "sleep"}) doc["states"][state]["area_updates"] = "once_per_cycle";
    return doc;
}

}  // namespace

TEST(AdversarialWakeSleep, OncePerCycleTheAreasStepOnceWithTheSumOfThePhasesGradients) {
    // Learning rates 0, so that the weights stay put: then "each_phase" and
    // "once_per_cycle" see the same model and the same noise, and the gradient the
    // once-per-cycle areas hold after Wake and the oscillation is the sum of the two
    // phases' own gradients: encoder g_wake + g_oscillation, generator g_oscillation.
    Json frozen = small_document("aws_oscillatory");
    frozen["training"]["encoder_optimizer"]["lr"] = 0.0;
    frozen["training"]["generator_optimizer"]["lr"] = 0.0;
    const ExperimentSpec each_spec = parse_spec(frozen), once_spec = parse_spec(once_per_cycle(frozen));
    torch::manual_seed(4);
    Model each(each_spec, torch::kCPU);
    torch::manual_seed(4);
    Model once(once_spec, torch::kCPU);
    const auto x = images();
    auto run_phase = [&](Model& model, const ExperimentSpec& spec, const std::string& state, std::uint64_t seed) {
        torch::manual_seed(seed);
        make_state(spec, state)->step(model, x, model.conductor.modulation(state), {});
    };
    run_phase(each, each_spec, "wake", 9);
    const auto wake_encoder = grads(each.feedforward_parameters());
    run_phase(each, each_spec, "oscillation", 10);
    const auto oscillation_encoder = grads(each.feedforward_parameters());
    const auto oscillation_generator = grads(each.feedback_parameters());
    run_phase(once, once_spec, "wake", 9);
    run_phase(once, once_spec, "oscillation", 10);
    const auto summed_encoder = grads(once.feedforward_parameters());
    const auto summed_generator = grads(once.feedback_parameters());
    ASSERT_EQ(summed_encoder.size(), wake_encoder.size());
    double checked = 0;
    for (std::size_t i = 0; i < summed_encoder.size(); ++i) {
        ASSERT_TRUE(summed_encoder[i].defined() && wake_encoder[i].defined() && oscillation_encoder[i].defined());
        EXPECT_TRUE(torch::allclose(summed_encoder[i], wake_encoder[i] + oscillation_encoder[i], 1e-5, 1e-7)) << i;
        checked += (wake_encoder[i] * oscillation_encoder[i]).abs().sum().item<double>();
    }
    EXPECT_GT(checked, 0.0);  // both phases reach the encoder
    for (std::size_t i = 0; i < summed_generator.size(); ++i)
        if (oscillation_generator[i].defined())
            EXPECT_TRUE(torch::allclose(summed_generator[i], oscillation_generator[i], 1e-5, 1e-7)) << i;
}

TEST(AdversarialWakeSleep, OncePerCycleNothingMovesBeforeTheCyclesLastPhase) {
    const ExperimentSpec spec = parse_spec(once_per_cycle(small_document("aws_oscillatory")));
    torch::manual_seed(5);
    Model model(spec, torch::kCPU);
    const auto encoder_before = snapshot(model.feedforward_parameters());
    const auto generator_before = snapshot(model.feedback_parameters());
    const auto critic_before = snapshot(model.critic_parameters());
    const auto x = images();
    for (const char* state : {"wake", "oscillation"}) {
        make_state(spec, state)->step(model, x, model.conductor.modulation(state), {});
        EXPECT_EQ(change(model.feedforward_parameters(), encoder_before), 0.0) << state;
        EXPECT_EQ(change(model.feedback_parameters(), generator_before), 0.0) << state;
        EXPECT_EQ(change(model.critic_parameters(), critic_before), 0.0) << state;
        EXPECT_FALSE(model.learned(PathwayKind::feedforward) || model.learned(PathwayKind::feedback)) << state;
    }
    make_state(spec, "sleep")->step(model, x, model.conductor.modulation("sleep"), {});
    EXPECT_GT(change(model.feedforward_parameters(), encoder_before), 0.0);
    EXPECT_GT(change(model.feedback_parameters(), generator_before), 0.0);
    EXPECT_GT(change(model.critic_parameters(), critic_before), 0.0);
    EXPECT_TRUE(model.learned(PathwayKind::feedforward) && model.learned(PathwayKind::feedback));
}

TEST(AdversarialWakeSleep, ThePhasesOfACycleUpdateTheAreasAlike) {
    Json doc = small_document("aws_oscillatory");
    doc["states"]["sleep"]["area_updates"] = "once_per_cycle";
    try {
        Model model(parse_spec(doc), torch::kCPU);
        FAIL() << "phases that update the areas differently were accepted";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/states/sleep/area_updates");
        EXPECT_EQ(std::string(e.what()),
                  "spec error at /states/sleep/area_updates: brain state \"sleep\" updates the areas once_per_cycle "
                  "but \"oscillation\" each_phase: the adversarial phases of a cycle gather and apply the areas' "
                  "gradient alike");
    }
}

TEST(AdversarialWakeSleep, ACycleWhoseSleepIsTakenAwayStillLetsItsCriticsLearn) {
    // aws_oscillatory with Sleep deprived: the cycle is Wake then the oscillation, and
    // the critics learn after the oscillation, the last adversarial state that runs.
    torch::manual_seed(3);
    ExperimentSpec spec = small_spec("aws_oscillatory");
    Model model(spec, torch::kCPU);
    EXPECT_EQ(model.critic_consolidation_state(), "sleep");  // the schedule's last
    auto wake = make_state(spec, "wake");
    auto oscillation = make_state(spec, "oscillation");
    model.begin_block({"wake", "oscillation"});
    EXPECT_EQ(model.critic_consolidation_state(), "oscillation");
    const auto critic_before = snapshot(model.critic_parameters());
    auto x = images();
    wake->step(model, x, model.conductor.modulation("wake"), {});
    EXPECT_EQ(change(model.critic_parameters(), critic_before), 0.0);
    oscillation->step(model, x, model.conductor.modulation("oscillation"), {});
    EXPECT_GT(change(model.critic_parameters(), critic_before), 0.0);
    for (const auto& p : model.critic_parameters()) EXPECT_FALSE(p.grad().defined());
    model.begin_block({"wake", "oscillation", "sleep"});  // the whole cycle again: after Sleep
    EXPECT_EQ(model.critic_consolidation_state(), "sleep");
    model.begin_block({"nrem"});  // a block without adversarial states changes nothing
    EXPECT_EQ(model.critic_consolidation_state(), "sleep");
}

TEST(AdversarialWakeSleep, PhasesAfterWakeNeedAWakeStateBeforeThem) {
    Json doc = small_document("aws_global");
    doc["schedule"]["cycle"] = {"sleep", "wake"};
    try {
        Model model(parse_spec(doc), torch::kCPU);
        FAIL() << "sleep before wake was accepted";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/schedule/cycle");
        EXPECT_NE(std::string(e.what()).find("put an aws_wake state before it"), std::string::npos) << e.what();
    }
}

TEST(AdversarialWakeSleep, ARuleOnAreasWithoutWhatItNeedsIsRejectedAtTheArea) {
    // Adversarial wake-sleep samples every layer (a sigma per unit): PAD's deterministic areas have none.
    Json doc = small_document("pad");
    doc["states"]["rem"] = {{"type", "aws_sleep"}};
    try {
        Model model(parse_spec(doc), torch::kCPU);
        FAIL() << "adversarial wake-sleep on PAD's deterministic areas was accepted";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/modules/V1_encoder/type");
        EXPECT_EQ(std::string(e.what()),
                  "spec error at /modules/V1_encoder/type: module \"V1_encoder\" is a pad_encoder (pad areas), but "
                  "the cycle's brain states (\"rem\": aws_sleep) work on stochastic areas (they sample each layer and "
                  "learn from its Gaussian: a mean and a sigma per unit)");
    }
}

TEST(Helmholtz, SleepChangesOnlyRecognitionWeightsAndWakeOnlyGenerativeOnes) {
    torch::manual_seed(3);
    ExperimentSpec spec = small_spec("helmholtz");
    Model model(spec, torch::kCPU);
    auto wake = make_state(spec, "wake");
    auto sleep = make_state(spec, "sleep");
    for (int i = 0; i < 2; ++i) {  // twice, so Adam has momentum to move with if it were stepped
        auto recognition = snapshot(model.feedforward_parameters());
        auto generative = snapshot(model.feedback_parameters());
        StepReport s = sleep->step(model, images(), model.conductor.modulation("sleep"), {});
        EXPECT_GT(change(model.feedforward_parameters(), recognition), 0.0);
        EXPECT_EQ(change(model.feedback_parameters(), generative), 0.0);
        EXPECT_TRUE(std::isfinite(s.loss("recognition_nll")));

        recognition = snapshot(model.feedforward_parameters());
        generative = snapshot(model.feedback_parameters());
        StepReport w = wake->step(model, images(), model.conductor.modulation("wake"), {});
        EXPECT_EQ(change(model.feedforward_parameters(), recognition), 0.0);
        EXPECT_GT(change(model.feedback_parameters(), generative), 0.0);
        EXPECT_TRUE(std::isfinite(w.loss("generative_nll")));
    }
}

TEST(Helmholtz, ExactDensitiesNeedLayersWithoutRecurrence) {
    Json doc = small_document("helmholtz");
    doc["modules"]["V1_inference"]["recurrent_steps"] = 1;
    doc["modules"]["V1_generative"]["recurrent_steps"] = 1;
    try {
        Model model(parse_spec(doc), torch::kCPU);
        FAIL() << "a recurrent Helmholtz machine was accepted";
    } catch (const SpecError& e) {
        EXPECT_NE(e.pointer().find("/recurrent_steps"), std::string::npos) << e.pointer();
    }
}

TEST(StochasticLayer, LogDensityIsTheDiagonalGaussians) {
    torch::manual_seed(8);  // sigma is recovered as (sample - mean) / noise: keep the noise away from 0
    StochasticAreaParams p;
    p.hidden = 4;
    p.recurrent_steps = 0;
    DenseStochasticLayer layer(3, 2, p);
    auto input = torch::randn({5, 3}), target = torch::randn({5, 2});
    double expected = 0;
    {
        torch::NoGradGuard no_grad;
        auto mean = layer->forward(input, false);
        // sigma from the samples' spread around the mean, through the public interface:
        torch::manual_seed(0);
        auto sampled = layer->forward(input, true);
        torch::manual_seed(0);
        auto noise = torch::randn_like(mean);
        auto sigma = (sampled - mean) / noise;
        auto z = (target - mean) / sigma;
        expected = (-0.5 * z.pow(2) - sigma.log() - 0.5 * std::log(2 * M_PI)).sum(1).mean().item<double>();
    }
    EXPECT_NEAR(layer->log_prob(input, target).item<double>(), expected, 1e-5 * std::abs(expected));  // float32
}

TEST(NegativePhase, SleepUnlearnsTheDreamThroughTheGeneratorOnly) {
    torch::manual_seed(4);
    ExperimentSpec spec = small_spec("negative_phase");
    Model model(spec, torch::kCPU);
    auto sleep = make_state(spec, "sleep");
    Modulation m = model.conductor.modulation("sleep");
    EXPECT_EQ(m.feedback_sign, -1.0);
    auto recognition = snapshot(model.feedforward_parameters());
    auto generative = snapshot(model.feedback_parameters());
    // The dream's energy before and after, on a fixed dream: unlearning raises it.
    torch::manual_seed(5);
    auto x = images();
    StepReport first = sleep->step(model, x, m, {});
    EXPECT_EQ(change(model.feedforward_parameters(), recognition), 0.0);
    EXPECT_GT(change(model.feedback_parameters(), generative), 0.0);
    auto dream = first.samples->tensors.at(0).second;
    double before = first.loss("dream_energy");
    torch::NoGradGuard no_grad;
    double after = (model.generator->image(model.encoder->latent(dream)) - dream).pow(2).mean().item<double>();
    EXPECT_GT(after, before);
}

TEST(Overlap, PatternKlIsZeroForEqualHistogramsAndMatchesAHandCount) {
    auto a = torch::tensor({0, 0, 1, 1}, torch::kInt64).view({4, 1});
    EXPECT_NEAR(pattern_kl(a, a), 0.0, 1e-12);
    // a: {0: 2, 1: 2}; b: {0: 4}. Smoothed over the union {0, 1}: p = (2.5/5, 2.5/5), q = (4.5/5, 0.5/5).
    auto b = torch::zeros({4, 1}, torch::kInt64);
    double expected = 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(0.5 / 0.1);
    EXPECT_NEAR(pattern_kl(a, b), expected, 1e-12);
}

// The overlap tests' encoder: z ~ N(0, I) over 4 units, whatever the image.
struct OverlapNoiseEncoder : EncoderAreaImpl {
    torch::Tensor latent(const torch::Tensor& x) override { return torch::randn({x.size(0), 4}); }
    std::vector<torch::Tensor> activations(const torch::Tensor& x) override { return {latent(x)}; }
    std::vector<std::string> layer_names() const override { return {"z"}; }
};

TEST(Overlap, AModelWhoseSleepIsItsWakeHasAKlNearTheFloor) {
    // Wake: x (blank images) and z ~ q(z|x); sleep: z ~ N(0, I) and x ~ p(x|z). An encoder
    // returning N(0, I) noise and a generator returning blank images make both the same.
    OverlapNoiseEncoder encoder;
    struct BlankGenerator : GeneratorAreaImpl {
        torch::Tensor image(const torch::Tensor& z) override { return torch::zeros({z.size(0), 1, 32, 32}); }
        std::vector<torch::Tensor> activations(const torch::Tensor& z) override { return {image(z)}; }
        std::vector<std::string> layer_names() const override { return {"output"}; }
    } generator;
    ImageSet test{torch::zeros({100, 1, 32, 32}), torch::zeros({100}, torch::kInt64)};
    OverlapSpec spec;
    spec.samples = 4000;
    spec.units = {2};
    WakeSleepOverlap same = wake_sleep_overlap(encoder, generator, 4, test, spec, torch::kCPU);
    ASSERT_EQ(same.tests.size(), 1u);
    EXPECT_LT(same.tests[0].kl, 3 * same.tests[0].floor + 0.01);

    struct BrightGenerator : BlankGenerator {
        torch::Tensor image(const torch::Tensor& z) override { return torch::ones({z.size(0), 1, 32, 32}); }
    } bright;
    WakeSleepOverlap apart = wake_sleep_overlap(encoder, bright, 4, test, spec, torch::kCPU);
    EXPECT_GT(apart.tests[0].kl, 1.0);
}

TEST(Overlap, QuantileSymbolsSplitTheWakeValuesEvenlyAndIgnoreAUnitsScale) {
    // A column of 1..10: two bins cut at its 5th smallest value (5), four at 3, 5 and 8.
    auto wake = torch::arange(1, 11, torch::kFloat32).view({10, 1});
    auto sleep = torch::tensor({0.0f, 5.0f, 5.5f, 100.0f}).view({4, 1});
    auto [w2, s2] = overlap_symbols(wake, sleep, 2);
    EXPECT_EQ(w2.sum().item<std::int64_t>(), 5) << "half the wake values above the median";
    EXPECT_TRUE(torch::equal(s2.view(-1), torch::tensor({0, 0, 1, 1}, torch::kInt64)));
    auto [w4, s4] = overlap_symbols(wake, sleep, 4);
    EXPECT_TRUE(torch::equal(w4.view(-1), torch::tensor({0, 0, 0, 1, 1, 2, 2, 2, 3, 3}, torch::kInt64)));
    EXPECT_TRUE(torch::equal(s4.view(-1), torch::tensor({0, 1, 2, 3}, torch::kInt64)));
    // An increasing map of the unit (x -> 2x - 1, PAD's pixels from [0, 1]) keeps every symbol;
    // rounding does not.
    auto [w2m, s2m] = overlap_symbols(2 * wake / 10 - 1, 2 * sleep / 10 - 1, 2);
    EXPECT_TRUE(torch::equal(w2m, w2));
    EXPECT_TRUE(torch::equal(s2m, s2));
    auto [r, rs] = overlap_symbols(wake / 10, sleep / 10, 0);
    auto [rm, rsm] = overlap_symbols(2 * wake / 10 - 1, 2 * sleep / 10 - 1, 0);
    EXPECT_FALSE(torch::equal(r, rm));
}

TEST(Overlap, OnQuantileBinsTheKlIsTheSameForPixelsOnAnyScale) {
    // Wake: uniform test images and z ~ N(0, I) whatever the image; sleep: z ~ N(0, I) and
    // an independent uniform image. The same model with its pixels on [-1, 1] scores the
    // same KL on quantile bins; a generator of one bright image scores far above the floor.
    OverlapNoiseEncoder encoder;
    struct UniformGenerator : GeneratorAreaImpl {
        double scale = 1, shift = 0;
        torch::Tensor image(const torch::Tensor& z) override {
            return scale * torch::rand({z.size(0), 1, 32, 32}) + shift;
        }
        std::vector<torch::Tensor> activations(const torch::Tensor& z) override { return {image(z)}; }
        std::vector<std::string> layer_names() const override { return {"output"}; }
    } unit_scale, pad_scale;
    pad_scale.scale = 2;
    pad_scale.shift = -1;
    torch::manual_seed(3);
    auto images = torch::rand({4000, 1, 32, 32});
    ImageSet test{images, torch::zeros({4000}, torch::kInt64)};
    ImageSet test_pad{2 * images - 1, test.labels};
    OverlapSpec spec;
    spec.samples = 4000;
    spec.units = {3};
    spec.bins = 2;
    torch::manual_seed(4);
    WakeSleepOverlap a = wake_sleep_overlap(encoder, unit_scale, 4, test, spec, torch::kCPU);
    torch::manual_seed(4);
    WakeSleepOverlap b = wake_sleep_overlap(encoder, pad_scale, 4, test_pad, spec, torch::kCPU);
    EXPECT_EQ(a.tests[0].kl, b.tests[0].kl);
    EXPECT_EQ(a.tests[0].floor, b.tests[0].floor);
    EXPECT_LT(a.tests[0].kl, 3 * a.tests[0].floor + 0.01);
    EXPECT_EQ(a.tests[0].wake_patterns, 64) << "3 + 3 units of 2 symbols each";

    struct BrightGenerator : UniformGenerator {
        torch::Tensor image(const torch::Tensor& z) override { return torch::ones({z.size(0), 1, 32, 32}); }
    } bright;
    WakeSleepOverlap apart = wake_sleep_overlap(encoder, bright, 4, test, spec, torch::kCPU);
    EXPECT_GT(apart.tests[0].kl, 1.0);
}

TEST(RunWakeSleep, EverySpecRunsAFewIterationsAndLogsTheOverlapTest) {
    fs::path dir = temp_dir("wake_sleep_specs");
    write_fake_fashion(dir, 64, 40);
    for (const std::string experiment : {"aws_global", "aws_oscillatory", "helmholtz", "negative_phase"}) {
        fs::path log = dir / (experiment + ".h5");
        auto result = test::somnus(
            "run " + source_path("experiments/" + experiment + ".json") + " --out " + log.string() +
            " --set data.path=" + dir.string() +
            " --set data.train_subset=32 --set schedule.epochs=1 --set schedule.batch_size=16 --set threads=2"
            " --set modules.V1_inference.hidden=16 --set modules.V1_generative.hidden=16"
            " --set eval.linear_readout.epochs=1 --set eval.linear_readout.train_images=32 --set "
            "eval.linear_readout.batch_size=16"
            " --set eval.latent_geometry.inter_pairs=50 --set eval.latent_geometry.intra_pairs=5"
            " --set eval.latent_geometry.occluded_pairs=50 --set eval.pca.images=40 --set eval.overlap.samples=200");
        ASSERT_EQ(result.exit_code, 0) << experiment << "\n" << result.output;
        EXPECT_NE(result.output.find("wake/sleep overlap, 8+8 units"), std::string::npos) << result.output;
    }
    auto table = test::somnus("table " + dir.string());
    ASSERT_EQ(table.exit_code, 0) << table.output;
    for (const char* text :
         {"aws_global", "aws_oscillatory", "helmholtz", "negative_phase", "KL wake/sleep 8+8", "KL floor 4+4"})
        EXPECT_NE(table.output.find(text), std::string::npos) << text << "\n" << table.output;
}

TEST(StochasticAreas, ConvHierarchyHasTheDcganShapesAndNormalisedLayers) {
    torch::manual_seed(6);
    StochasticAreaParams p;
    p.architecture = Architecture::conv;
    p.layers = {4, 8, 6};  // 32x32 -> 16 -> 8 -> 1x1
    p.recurrent_steps = 0;
    StochasticEncoder encoder(3, 32, p);
    StochasticGenerator generator(3, 32, p);
    auto x = torch::randn({2, 3, 32, 32});
    Hierarchy h = encoder->infer(x);
    ASSERT_EQ(h.size(), 4u);
    EXPECT_EQ(h[1].sizes(), (std::vector<std::int64_t>{2, 4, 16, 16}));
    EXPECT_EQ(h[2].sizes(), (std::vector<std::int64_t>{2, 8, 8, 8}));
    EXPECT_EQ(h[3].sizes(), (std::vector<std::int64_t>{2, 6, 1, 1}));
    // Divisive normalisation: every pixel's channel RMS is 1 (ReLU can leave a pixel all zero).
    auto rms = h[1].pow(2).mean(1).sqrt();
    EXPECT_TRUE(((rms - 1).abs() < 1e-3).logical_or(rms < 1e-6).all().item<bool>());
    EXPECT_EQ(encoder->latent(x).sizes(), (std::vector<std::int64_t>{2, 6}));
    EXPECT_EQ(hierarchy_sizes(3, 32, p), (std::vector<std::int64_t>{3072, 4 * 256, 8 * 64, 6}));

    Hierarchy dream = generator->generate(generator->prior(2, torch::kCPU));
    EXPECT_EQ(dream[0].sizes(), (std::vector<std::int64_t>{2, 3, 32, 32}));
    EXPECT_EQ(dream[2].sizes(), h[2].sizes());
    EXPECT_LT(dream[0].min().item<double>(), 0.0);  // the image stays linear (no ReLU)
    EXPECT_EQ(generator->image(torch::randn({2, 6})).sizes(), (std::vector<std::int64_t>{2, 3, 32, 32}));
    EXPECT_EQ(generator->generate_layer(1, h[2]).sizes(), h[1].sizes());
}
