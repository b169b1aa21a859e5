// Modules from the dream literature: MCH forgetting, amygdala salience, the
// prefrontal gate in REM, dream filtering; and their wiring errors.
#include <gtest/gtest.h>

#include "sim/model/dream_module.hpp"
#include "sim/states/brain_state.hpp"
#include "tests/parameters.hpp"

using namespace somnus;
using somnus::test::change;
using somnus::test::snapshot;

namespace {

// Small PAD areas, a hippocampus with room for `capacity` episodes, and these extra modules wired to their targets.
ExperimentSpec spec_with(const Json& modules, const std::vector<Json>& pathways, const std::string& replay = "memories",
                         std::int64_t capacity = 200) {
    Json doc = Json::object();
    doc["modules"] = default_modules();
    for (const char* area : {"V1_encoder", "V1_generator"}) {
        doc["modules"][area]["features"] = 8;
        doc["modules"][area]["latent_dim"] = 4;
    }
    doc["modules"]["hippocampus"]["capacity"] = capacity;
    doc["modules"]["hippocampus"]["replay"] = replay;
    doc["modules"].merge_patch(modules);
    doc["pathways"] = default_pathways();
    for (const auto& p : pathways) doc["pathways"].push_back(p);
    return parse_spec(doc);
}

Json wire(const std::string& from, const std::string& to) {
    return {{"from", from}, {"to", to}, {"kind", "neuromodulatory"}};
}

// An episode of `rows` memories whose latents are their row numbers (row i = (i, i, i, i)) plus `offset`.
torch::Tensor numbered(std::int64_t rows, double offset = 0.0) {
    return torch::arange(rows, torch::kFloat32).unsqueeze(1).expand({rows, 4}).contiguous() + offset;
}

Experience labelled(std::int64_t rows) {
    return {torch::zeros({rows, 1, 32, 32}), torch::arange(rows, torch::kInt64) % 10};
}

std::string error_of(const Json& modules, const std::vector<Json>& pathways, const std::string& replay = "memories") {
    try {
        spec_with(modules, pathways, replay);
    } catch (const SpecError& e) {
        return e.pointer() + ": " + e.message();
    }
    return "no error";
}

}  // namespace

TEST(Dreams, MchNeuronsShrinkTheStoreAtTheSetRateInRemOnly) {
    Model model(spec_with({{"mch", {{"type", "mch_neurons"}, {"rate", 0.1}}}}, {wire("mch", "hippocampus")}),
                torch::kCPU);
    ASSERT_EQ(model.dream_modules.size(), 1u);
    for (int i = 0; i < 100; ++i) model.hippocampus.store(numbered(8, i), i);
    DreamModule& mch = *model.dream_modules[0];
    for (const char* awake_or_nrem : {"wake", "nrem"}) mch.after_step(awake_or_nrem, model, labelled(8), {});
    EXPECT_EQ(model.hippocampus.occupancy(), 100);
    std::vector<std::int64_t> occupancy;
    for (int step = 0; step < 4; ++step) {
        mch.after_step("rem", model, labelled(8), {});
        occupancy.push_back(model.hippocampus.occupancy());
    }
    // 10 % of the store per REM step, the fractions carried over: 100 x 0.9^n, rounded down as it goes.
    EXPECT_EQ(occupancy, (std::vector<std::int64_t>{90, 81, 73, 66}));
    for (int step = 0; step < 200; ++step) mch.after_step("rem", model, labelled(8), {});
    EXPECT_EQ(model.hippocampus.occupancy(), 1);  // the newest episode always stays
    EXPECT_EQ(model.hippocampus.newest_latents()[0][0].item<float>(), 99.0f);

    // "fade": the memories stay and shrink towards the prior mean.
    Model faded(
        spec_with({{"mch", {{"type", "mch_neurons"}, {"rate", 0.25}, {"mode", "fade"}}}}, {wire("mch", "hippocampus")}),
        torch::kCPU);
    faded.hippocampus.store(torch::full({2, 4}, 8.0));
    faded.dream_modules[0]->after_step("rem", faded, labelled(2), {});
    faded.dream_modules[0]->after_step("rem", faded, labelled(2), {});
    EXPECT_TRUE(torch::allclose(faded.hippocampus.newest_latents(), torch::full({2, 4}, 4.5)));
}

TEST(Dreams, AmygdalaSalienceBiasesReplayByTheLabelMap) {
    torch::manual_seed(0);
    const Json amygdala = {{"amygdala", {{"type", "amygdala"}, {"classes", {{"3", 9.0}}}}}};
    Model model(spec_with(amygdala, {wire("amygdala", "hippocampus")}), torch::kCPU);
    model.hippocampus.store(numbered(10));
    model.dream_modules[0]->after_step("wake", model, labelled(10), {});
    auto salience = model.hippocampus.salience().at(0);
    EXPECT_TRUE(torch::equal(salience, torch::tensor({1, 1, 1, 9, 1, 1, 1, 1, 1, 1}, torch::kFloat32)));
    // Replay draws memories in proportion to salience: row 3 has 9 / 18 of the mass.
    double row3 = 0, drawn = 0;
    for (int i = 0; i < 400; ++i) {
        auto z = model.hippocampus.replay();
        row3 += (z.select(1, 0) == 3).sum().item<double>();
        drawn += double(z.size(0));
    }
    EXPECT_NEAR(row3 / drawn, 0.5, 0.03);
    EXPECT_NEAR(model.hippocampus.last_replay().salience.item<double>(), 5.0,
                2.5);  // mean salience of a draw: about half 9s, half 1s
    // Untagged (no amygdala): uniform, 1 / 10.
    Model plain(spec_with(Json::object(), std::vector<Json>{}), torch::kCPU);
    plain.hippocampus.store(numbered(10));
    row3 = drawn = 0;
    for (int i = 0; i < 400; ++i) {
        auto z = plain.hippocampus.replay();
        row3 += (z.select(1, 0) == 3).sum().item<double>();
        drawn += double(z.size(0));
    }
    EXPECT_NEAR(row3 / drawn, 0.1, 0.02);
}

TEST(Dreams, AmygdalaSalienceDecidesWhichEpisodeAFullStoreForgetsAndWhichIsReplayed) {
    torch::manual_seed(1);
    const Json amygdala = {{"amygdala", {{"type", "amygdala"}, {"classes", {{"0", 5.0}}}, {"baseline", 1.0}}}};
    Model model(spec_with(amygdala, {wire("amygdala", "hippocampus")}, "episode", 3), torch::kCPU);
    DreamModule& a = *model.dream_modules[0];
    // Episodes 0..3: episode 1 is all class 0 (salient), the others class 1.
    for (int e = 0; e < 4; ++e) {
        model.hippocampus.store(numbered(4, 100 * e), e);
        Experience x = labelled(4);
        x.labels.fill_(e == 1 ? 0 : 1);
        a.after_step("wake", model, x, {});
    }
    // Full at 3: the least salient older episode (0) went, not the salient one (1).
    std::vector<float> kept;
    for (const auto& s : model.hippocampus.salience()) kept.push_back(s.mean().item<float>());
    EXPECT_EQ(kept, (std::vector<float>{5, 1, 1}));
    // replay "episode": drawn with probability proportional to mean salience, 5 / 7 for the salient one.
    int salient = 0;
    for (int i = 0; i < 700; ++i) salient += model.hippocampus.replay()[0][0].item<float>() < 200;
    EXPECT_NEAR(salient / 700.0, 5.0 / 7.0, 0.05);
}

TEST(Dreams, SurpriseSalienceIsTheRelativeReconstructionError) {
    torch::manual_seed(2);
    Model model(
        spec_with({{"amygdala", {{"type", "amygdala"}, {"source", "surprise"}}}}, {wire("amygdala", "hippocampus")}),
        torch::kCPU);
    auto x = torch::zeros({6, 1, 32, 32});
    x[2].fill_(0.9);  // far from what an untrained generator makes
    model.hippocampus.store(torch::zeros({6, 4}));
    model.dream_modules[0]->after_step("wake", model, {x, torch::zeros({6}, torch::kInt64)}, {});
    auto s = model.hippocampus.salience().at(0);
    EXPECT_NEAR(s.mean().item<double>(), 1.0, 1e-5);
    EXPECT_EQ(s.argmax().item<std::int64_t>(), 2);
}

TEST(Dreams, PrefrontalGateBlocksTheGeneratorsPlasticityOnlyInRem) {
    auto run = [](bool gate, const std::string& state) {
        torch::manual_seed(3);
        Json modules = gate ? Json{{"pfc", {{"type", "prefrontal_gate"}}}} : Json::object();
        std::vector<Json> pathways;
        if (gate) pathways.push_back(wire("pfc", "V1_generator"));
        ExperimentSpec spec = spec_with(modules, pathways, "newest", 2);
        Model model(spec, torch::kCPU);
        auto x = torch::rand({8, 1, 32, 32}) * 2 - 1;
        auto wake = find_state_type("wake")->make(*spec.state("wake"));
        wake->step(model, x, model.conductor.modulation("wake"), {});
        wake->step(model, x, model.conductor.modulation("wake"), {0, 1, 1});
        auto generator = snapshot(model.feedback_parameters());
        auto encoder = snapshot(model.feedforward_parameters());
        Modulation m = model.conductor.modulation(state);
        for (const auto& d : model.dream_modules) d->modulate(state, m);
        find_state_type(state)->make(*spec.state(state))->step(model, x, m, {0, 2, 2});
        return std::make_tuple(change(model.feedback_parameters(), generator),
                               change(model.feedforward_parameters(), encoder), m.feedback_sign);
    };
    auto [rem_gen, rem_enc, rem_sign] = run(true, "rem");
    EXPECT_EQ(rem_gen, 0.0);  // top-down pathway silent in REM
    EXPECT_GT(rem_enc, 0.0);  // the encoder and discriminator still learn from the dream
    EXPECT_EQ(rem_sign, 0.0);
    auto [plain_gen, plain_enc, plain_sign] = run(false, "rem");
    EXPECT_GT(plain_gen, 0.0);
    EXPECT_EQ(plain_sign, -1.0);
    auto [wake_gen, wake_enc, wake_sign] = run(true, "wake");
    EXPECT_GT(wake_gen, 0.0);  // the gate acts in REM only
    EXPECT_EQ(wake_sign, 1.0);
}

TEST(Dreams, DreamFilterKeepsTheMostSalientFractionOfEachReplay) {
    torch::manual_seed(4);
    const Json modules = {{"amygdala", {{"type", "amygdala"}, {"classes", {{"2", 3.0}, {"5", 4.0}}}}},
                          {"filter", {{"type", "dream_filter"}, {"fraction", 0.25}}}};
    ExperimentSpec spec =
        spec_with(modules, {wire("amygdala", "hippocampus"), wire("filter", "hippocampus")}, "episode", 4);
    Model model(spec, torch::kCPU);
    model.hippocampus.store(numbered(8));
    model.dream_modules[0]->after_step("wake", model, labelled(8), {});
    auto z = model.hippocampus.replay();
    ASSERT_EQ(z.size(0), 2);  // a quarter of 8
    EXPECT_EQ(std::get<0>(z.select(1, 0).sort())[0].item<float>(), 2.0f);
    EXPECT_EQ(std::get<0>(z.select(1, 0).sort())[1].item<float>(), 5.0f);
    EXPECT_EQ(model.hippocampus.last_replay().memories, 2);
    EXPECT_DOUBLE_EQ(model.hippocampus.last_replay().salience.item<double>(), 3.5);
    // REM and NREM dream from the kept memories only (REM's noise is cut to match).
    model.hippocampus.store(static_cast<PadEncoderImpl&>(*model.encoder).forward(torch::zeros({8, 1, 32, 32})).z, 1);
    for (const char* state : {"nrem", "rem"}) {
        StepReport r = find_state_type(state)
                           ->make(*spec.state(state))
                           ->step(model, torch::zeros({8, 1, 32, 32}), model.conductor.modulation(state), {0, 1, 1});
        for (const auto& [name, tensor] : r.samples->tensors)
            if (name == "dream") EXPECT_EQ(tensor.size(0), 2) << state;
    }
}

TEST(Dreams, WiringAndSpecErrorsSayWhere) {
    EXPECT_EQ(error_of({{"mch", {{"type", "mch_neurons"}}}}, std::vector<Json>{}),
              "/modules/mch: dream module \"mch\" (mch_neurons) needs exactly one neuromodulatory pathway to the "
              "hippocampus it acts on; it has 0");
    EXPECT_EQ(error_of({{"pfc", {{"type", "prefrontal_gate"}}}}, {wire("pfc", "hippocampus")}),
              "/pathways/7: dream module \"pfc\" (prefrontal_gate) acts on a generator or encoder, not on hippocampus "
              "\"hippocampus\"");
    EXPECT_EQ(error_of({{"mch", {{"type", "mch_neurons"}, {"states", {"rem", "ream"}}}}}, {wire("mch", "hippocampus")}),
              "/modules/mch/states/1: unknown brain state \"ream\"; did you mean \"rem\"?");
    EXPECT_EQ(error_of({{"mch", {{"type", "mch_neurons"}, {"rate", 2}}}}, {wire("mch", "hippocampus")}),
              "/modules/mch/rate: value 2 is out of range [0, 1]");
    EXPECT_EQ(error_of({{"amygdala", {{"type", "amygdala"}, {"retention", false}}}}, {wire("amygdala", "hippocampus")},
                       "newest"),
              "/modules/amygdala: the amygdala changes nothing here: hippocampus \"hippocampus\" replays the newest "
              "episode (set its "
              "\"replay\" to \"episode\" or \"memories\"), and \"retention\" is off");
    EXPECT_EQ(
        error_of({{"amygdala", {{"type", "amygdala"}, {"classes", {{"shoe", 2}}}}}}, {wire("amygdala", "hippocampus")}),
        "/modules/amygdala/classes/shoe: class labels are integers >= 0, got \"shoe\"");
    EXPECT_EQ(error_of({{"filter", {{"type", "dream_filtr"}}}}, std::vector<Json>{}).substr(0, 60),
              "/modules/filter/type: unknown module type \"dream_filtr\"; did");
}
