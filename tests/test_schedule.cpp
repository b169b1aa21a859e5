// The schedule language: days, nights and sleep protocols expanded into a
// timeline; its errors; a run over a night, read back from the HDF5 log.
#include <gtest/gtest.h>

#include "sim/run/schedule.hpp"
#include "tests/helpers.hpp"

using namespace somnus;
namespace fs = std::filesystem;

namespace {

// The PAD circuit with this schedule section (on top of a consolidated day and night).
ExperimentSpec spec_with(const Json& schedule) {
    Json doc = Json::parse(R"({"schedule": {"epochs": 3, "cycle": ["wake"],
        "night": {"cycles": 2, "episodes": [{"state": "nrem", "iterations": 4}, {"state": "rem", "iterations": 2}]}}})");
    doc["schedule"].merge_patch(schedule);
    return parse_spec(doc);
}

// An epoch's blocks as "part:states:n" words, e.g. "day:wake:10 night:nrem:4".
std::string blocks(const EpochPlan& plan) {
    std::string out;
    for (const auto& b : plan.blocks) {
        std::string states;
        for (const auto& s : b.states) states += (states.empty() ? "" : "+") + s;
        out += (out.empty() ? "" : " ") + b.part + ":" + states + ":" + std::to_string(b.iterations);
    }
    return out;
}

std::string epoch_blocks(const Json& schedule, std::size_t epoch, std::int64_t per_pass = 10) {
    return blocks(expand_schedule(spec_with(schedule), per_pass).epochs.at(epoch));
}

std::string error_of(const Json& schedule) {
    try {
        spec_with(schedule);
    } catch (const SpecError& e) {
        return e.pointer() + ": " + e.message();
    }
    return "no error";
}

}  // namespace

TEST(Schedule, DefaultIsPadsInterleavedCycleOnEveryMiniBatchOfAPass) {
    Timeline t = expand_schedule(parse_spec(Json::object()), 156);
    ASSERT_EQ(t.epochs.size(), 2u);
    EXPECT_EQ(blocks(t.epochs[0]), "day:wake+nrem+rem:156");
    EXPECT_EQ(t.total_iterations(), 312);
    EXPECT_EQ(t.describe(), "epochs 0-1: day wake+nrem+rem x156  (156 mini-batches; wake 156; nrem 156; rem 156)\n");
}

TEST(Schedule, ANightOfCyclesFollowsEachDay) {
    EXPECT_EQ(epoch_blocks(Json::object(), 0), "day:wake:10 night:nrem:4 night:rem:2 night:nrem:4 night:rem:2");
    EXPECT_EQ(epoch_blocks({{"day_iterations", 7}}, 2), "day:wake:7 night:nrem:4 night:rem:2 night:nrem:4 night:rem:2");
    // Durations in images are whole mini-batches, rounded up (batch 64).
    auto spec = spec_with({{"night", {{"cycles", 1}, {"episodes", {{{"state", "nrem"}, {"images", 130}}}}}}});
    EXPECT_EQ(blocks(expand_schedule(spec, 10).epochs[0]), "day:wake:10 night:nrem:3");
    EXPECT_EQ(expand_schedule(spec, 10).epochs[0].last_iteration_of("wake"), 9);
    EXPECT_EQ(expand_schedule(spec, 10).epochs[0].last_iteration_of("nrem"), 12);
    EXPECT_EQ(expand_schedule(spec, 10).epochs[0].last_iteration_of("rem"), -1);
}

TEST(Schedule, TotalRemAndNremDeprivationOnChosenNightsOnly) {
    const Json total = {{"protocols", {{{"deprive", "sleep"}, {"epochs", {1}}}}}};
    EXPECT_EQ(epoch_blocks(total, 0), "day:wake:10 night:nrem:4 night:rem:2 night:nrem:4 night:rem:2");
    EXPECT_EQ(epoch_blocks(total, 1), "day:wake:10");
    EXPECT_EQ(epoch_blocks(total, 2), "day:wake:10 night:nrem:4 night:rem:2 night:nrem:4 night:rem:2");
    EXPECT_EQ(epoch_blocks({{"protocols", {{{"deprive", {"rem"}}}}}}, 1), "day:wake:10 night:nrem:8");
    EXPECT_EQ(epoch_blocks({{"protocols", {{{"deprive", {"nrem"}}, {"epochs", {-1}}}}}}, 2), "day:wake:10 night:rem:4");
    // Kept awake instead: the deprived time becomes Wake on new data.
    EXPECT_EQ(epoch_blocks({{"protocols", {{{"deprive", {"rem"}}, {"instead", "wake"}}}}}, 0),
              "day:wake:10 night:nrem:4 kept awake:wake:2 night:nrem:4 kept awake:wake:2");
    // PAD's interleaved cycle: deprivation takes the states out of the day's cycle.
    Json doc = Json::parse(R"({"schedule": {"epochs": 2, "protocols": [{"deprive": "sleep", "epochs": [1]}]}})");
    Timeline t = expand_schedule(parse_spec(doc), 5);
    EXPECT_EQ(blocks(t.epochs[0]), "day:wake+nrem+rem:5");
    EXPECT_EQ(blocks(t.epochs[1]), "day:wake:5");
}

TEST(Schedule, FragmentationInsertsArousalsAndRestartsTheCycle) {
    // Every 5 sleep mini-batches an arousal; sleep restarts with NREM, so REM (late in the cycle) shrinks.
    const Json restart = {{"protocols", {{{"fragment", {{"every", 5}, {"arousal_iterations", 2}}}}}}};
    EXPECT_EQ(
        epoch_blocks(restart, 0),
        "day:wake:10 night:nrem:4 night:rem:1 arousal:wake:2 night:nrem:4 night:rem:1 arousal:wake:2 night:nrem:2");
    // Without restarting, sleep goes on where it was interrupted: the same sleep, cut in pieces.
    const Json resume = {
        {"protocols", {{{"fragment", {{"every", 5}, {"arousal_iterations", 2}, {"restart_cycle", false}}}}}}};
    EXPECT_EQ(
        epoch_blocks(resume, 0),
        "day:wake:10 night:nrem:4 night:rem:1 arousal:wake:2 night:rem:1 night:nrem:4 arousal:wake:2 night:rem:2");
    Timeline t = expand_schedule(spec_with(restart), 10);
    EXPECT_EQ(t.epochs[0].iterations_of("nrem") + t.epochs[0].iterations_of("rem"), 12);  // total sleep is kept
    EXPECT_EQ(t.epochs[0].iterations_of("rem"), 2);
}

TEST(Schedule, RestrictionRecoveryAndRemRebound) {
    // Restricted: half the night, the late part lost.
    EXPECT_EQ(epoch_blocks({{"protocols", {{{"night_length", 0.5}}}}}, 0), "day:wake:10 night:nrem:4 night:rem:2");
    // Recovery: 1.5 times as long, in further cycles.
    EXPECT_EQ(epoch_blocks({{"protocols", {{{"night_length", 1.5}}}}}, 0),
              "day:wake:10 night:nrem:4 night:rem:2 night:nrem:4 night:rem:2 night:nrem:4 night:rem:2");
    // REM rebound: REM episodes twice as long.
    EXPECT_EQ(epoch_blocks({{"protocols", {{{"episode_scale", {{"rem", 2}}}}}}}, 0),
              "day:wake:10 night:nrem:4 night:rem:4 night:nrem:4 night:rem:4");
    // Deprivation then recovery, as the study's spec writes it.
    const Json recovery = {
        {"protocols",
         {{{"name", "deprived"}, {"epochs", {0}}, {"deprive", "sleep"}},
          {{"name", "recovery"}, {"epochs", {1, 2}}, {"night_length", 1.5}, {"episode_scale", {{"rem", 2}}}}}}};
    Timeline t = expand_schedule(spec_with(recovery), 10);
    EXPECT_EQ(blocks(t.epochs[0]), "day:wake:10");
    EXPECT_EQ(t.epochs[1].iterations_of("nrem"), 12);
    EXPECT_EQ(t.epochs[1].iterations_of("rem"), 12);  // 1.5 x 2 cycles of (4 + 4) = 24: 3 cycles
    EXPECT_EQ(t.epochs[1].protocols, (std::vector<std::string>{"recovery"}));
    EXPECT_EQ(t.describe(),
              "epoch 0 [deprived]: day wake x10  (10 mini-batches; wake 10)\n"
              "epochs 1-2 [recovery]: day wake x10 | night nrem x4, rem x4, nrem x4, rem x4, nrem x4, rem x4  (34 "
              "mini-batches; wake 10; nrem 12; rem 12)\n");
}

TEST(Schedule, ErrorsNameTheProtocolOrEpisode) {
    EXPECT_EQ(error_of({{"protocols", {{{"deprive", {"nrem", "rme"}}}}}}),
              "/schedule/protocols/0/deprive/1: unknown brain state \"rme\"; did you mean \"rem\"?");
    EXPECT_EQ(
        error_of({{"protocols", {{{"epochs", {3}}, {"deprive", "sleep"}}}}}),
        "/schedule/protocols/0/epochs/0: epoch 3 is outside the schedule's 3 epochs (0..2, or -1..-3 from the end)");
    EXPECT_EQ(error_of({{"protocols", {{{"name", "nothing"}}}}}),
              "/schedule/protocols/0: a protocol changes something: give \"deprive\", \"episode_scale\", "
              "\"night_length\", \"fragment\" or \"cue\"");
    EXPECT_EQ(error_of({{"protocols", {{{"instead", "wake"}}}}}),
              "/schedule/protocols/0/instead: \"instead\" replaces deprived sleep; give \"deprive\" too");
    EXPECT_EQ(error_of({{"protocols", {{{"fragment", {{"every", 0}}}}}}}),
              "/schedule/protocols/0/fragment/every: value 0 is out of range [1, 1073741824]");
    EXPECT_EQ(error_of({{"night", {{"episodes", {{{"state", "nrem"}}}}}}}),
              "/schedule/night/episodes/0: episode 0 needs a length: give \"iterations\" (mini-batches) or \"images\"");
    EXPECT_EQ(error_of({{"night", {{"episodes", {{{"state", "deep"}, {"iterations", 3}}}}}}}),
              "/schedule/night/episodes/0/state: unknown brain state \"deep\" (known: nrem, rem, wake)");
    EXPECT_EQ(error_of({{"night",
                         {{"cycles", 2}, {"episodes", {{{"state", "nrem"}, {"iterations", 3}, {"intensity", 2}}}}}}}),
              "/schedule/night/episodes/0/intensity: unknown key \"intensity\" (known keys: \"state\", \"iterations\", "
              "\"images\")");
    // Night protocols on a schedule without nights.
    Json doc = Json::parse(R"({"schedule": {"epochs": 2, "protocols": [{"night_length": 0.5}]}})");
    try {
        parse_spec(doc);
        ADD_FAILURE() << "no error";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/schedule/protocols/0");
        EXPECT_NE(e.message().find("the schedule has none"), std::string::npos) << e.message();
    }
}

TEST(Schedule, EveryShippedDeprivationSpecExpands) {
    // The study's conditions, with 50 mini-batches a day: sleep per night after the first.
    struct Case {
        const char* file;
        std::int64_t nrem, rem, wake;
    };
    for (const Case& c :
         {Case{"baseline", 36, 18, 50}, Case{"total_deprivation", 0, 0, 50}, Case{"rem_deprivation", 36, 0, 50},
          Case{"nrem_deprivation", 0, 18, 50}, Case{"fragmentation", 45, 9, 53}, Case{"restricted", 21, 6, 50},
          Case{"recovery", 0, 0, 50}}) {
        SCOPED_TRACE(c.file);
        auto spec =
            parse_spec(load_spec_file(test::source_path(std::string("experiments/deprivation/") + c.file + ".json")));
        Timeline t = expand_schedule(spec, 50);
        ASSERT_EQ(t.epochs.size(), 5u);
        EXPECT_EQ(t.epochs[0].iterations_of("nrem"), 36);  // the first night is undisturbed
        EXPECT_EQ(t.epochs[1].iterations_of("nrem"), c.nrem);
        EXPECT_EQ(t.epochs[1].iterations_of("rem"), c.rem);
        EXPECT_EQ(t.epochs[1].iterations_of("wake"), c.wake);
    }
}

namespace {
class NightRun : public ::testing::Test {
protected:
    static fs::path data_dir() { return test::fake_fashion_dir("night", 96, 32); }
};
}  // namespace

TEST_F(NightRun, ValidatePrintsTheTimelineAndTheLogHoldsEveryBlock) {
    auto dir = test::temp_dir("night_run");
    Json doc = test::tiny_spec(data_dir(), dir / "night.h5");
    doc["modules"] = default_modules();
    doc["modules"]["hippocampus"]["capacity"] = 8;
    doc["modules"]["hippocampus"]["replay"] = "episode";
    doc["schedule"] = Json::parse(R"({"epochs": 2, "batch_size": 16, "cycle": ["wake"],
        "night": {"cycles": 2, "episodes": [{"state": "nrem", "iterations": 3}, {"state": "rem", "iterations": 1}]},
        "protocols": [{"name": "REM deprivation", "epochs": [1], "deprive": ["rem"], "instead": "wake"}]})");
    doc["eval"] = Json::parse(
        R"({"epochs": "all", "linear_readout": {"epochs": 1, "batch_size": 16}, "pca": {"enabled": false}})");
    auto spec = test::write_spec(dir / "night.json", doc);

    auto v = test::somnus("validate " + spec.string());
    ASSERT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("timeline (96 training images, 6 mini-batches a pass):\n"
                            "  epoch 0: day wake x6 | night nrem x3, rem x1, nrem x3, rem x1  (14 mini-batches; wake "
                            "6; nrem 6; rem 2)\n"
                            "  epoch 1 [REM deprivation]: day wake x6 | night nrem x3 | kept awake wake x1 | night "
                            "nrem x3 | kept awake wake x1"
                            "  (14 mini-batches; wake 8; nrem 6)\n"),
              std::string::npos)
        << v.output;

    auto r = test::somnus("run " + spec.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("epoch 1/2  iter   14/14 night"), std::string::npos) << r.output;
    std::string check = R"PY(
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["status"] == "finished"
wake_it = list(f["states/wake/iteration"][:])
assert wake_it == list(range(6)) + list(range(6)) + [9, 13], wake_it   # epoch 1: kept awake at 9 and 13
assert list(f["states/nrem/iteration"][:]) == [6, 7, 8, 10, 11, 12] * 2
assert list(f["states/rem/iteration"][:]) == [9, 13]
assert list(f["states/rem/epoch"][:]) == [0, 0]
assert list(f["states/wake/step"][-2:]) == [14 + 9, 14 + 13]
s = f["schedule"]
assert list(s["epoch"][:]) == [0] * 5 + [1] * 5, s["epoch"][:]
assert list(s["start"][:5]) == [0, 6, 9, 10, 13] and list(s["iterations"][:5]) == [6, 3, 1, 3, 1]
parts = [p.decode() if isinstance(p, bytes) else p for p in s.attrs["part"]]
assert parts[5:] == ["day", "night", "kept awake", "night", "kept awake"], parts
protocols = [p.decode() if isinstance(p, bytes) else p for p in s.attrs["protocols"]]
assert protocols == ["", "REM deprivation"], protocols
# the hippocampus replays one of the stored episodes, not always the newest
ep = f["states/nrem/hippocampus/replayed_episode"][:]
assert len(set(ep.tolist())) > 2, ep
assert "epoch_001" in f["eval"], list(f["eval"])   # after the first day and night
print("night ok")
)PY";
    std::ofstream(dir / "check.py") << check;
    auto py = test::run_command(test::python() + " " + (dir / "check.py").string() + " " + (dir / "night.h5").string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
    EXPECT_NE(py.output.find("night ok"), std::string::npos) << py.output;
}
