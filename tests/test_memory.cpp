// Memory across days: days that differ, a hippocampus that spans them, retention
// tests after every night, cued replay (TMR) and synaptic homeostasis.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <numeric>
#include <set>

#include "data/datasets.hpp"
#include "sim/eval/retention.hpp"
#include "sim/record/hdf5_recorder.hpp"
#include "sim/run/runner.hpp"
#include "sim/run/schedule.hpp"
#include "sim/states/brain_state.hpp"
#include "tests/helpers.hpp"
#include "tests/run_logged.hpp"

using namespace somnus;
namespace fs = std::filesystem;

namespace {

class Memory : public ::testing::Test {
protected:
    // 400 training images, 40 a class: a split day shows 80.
    static fs::path data_dir() { return test::fake_fashion_dir("memory", 400, 200); }
};

// Split days over the fake data: 5 days of 2 classes, 5 mini-batches of Wake a day,
// nights of 3 NREM + 3 REM replaying single memories from a store spanning the days.
Json memory_spec(const fs::path& data, const fs::path& log) {
    Json spec = test::tiny_spec(data, log);
    spec["name"] = "tiny_memory";
    spec["data"]["train_subset"] = 0;
    Json modules = default_modules();
    modules["hippocampus"] = {{"type", "hippocampus"}, {"capacity", 12}, {"partner", "random"}, {"replay", "memories"},
                              {"keep", "reservoir"}};
    spec["modules"] = modules;
    spec["schedule"] = Json::parse(R"({"epochs": 5, "batch_size": 16, "cycle": ["wake"], "days": "split",
        "day_iterations": 5, "night": {"episodes": [{"state": "nrem", "iterations": 3}, {"state": "rem", "iterations": 3}]}})");
    spec["record"] = Json::parse(R"({"progress_every": 100, "checkpoint": false, "activity": {"enabled": false},
        "dreams": {"enabled": false}, "plasticity": {"enabled": false}, "hippocampus": true})");
    spec["record"]["path"] = log.string();
    spec["eval"] = Json::parse(R"({"epochs": "all", "linear_readout": {"enabled": false},
        "latent_geometry": {"enabled": false}, "pca": {"enabled": false},
        "retention": {"enabled": true, "seeds": [0], "epochs": 3, "batch_size": 16, "train_images": 0,
                      "reconstruction_images": 10}})");
    return spec;
}

// Rows of a (steps, columns) series of a log.
std::vector<std::vector<double>> rows_of(const fs::path& log, const std::string& path, std::size_t columns) {
    const auto flat = test::log_series(log, path);
    std::vector<std::vector<double>> rows;
    for (std::size_t i = 0; i + columns <= flat.size(); i += columns)
        rows.emplace_back(flat.begin() + std::ptrdiff_t(i), flat.begin() + std::ptrdiff_t(i + columns));
    return rows;
}

}  // namespace

TEST_F(Memory, EachDayShowsItsClassesAndTheNightsReplayEveryDaySoFar) {
    const auto dir = test::temp_dir("memory_days");
    const ExperimentSpec spec = parse_spec(memory_spec(data_dir(), dir / "days.h5"));
    ASSERT_EQ(spec.schedule.day_classes,
              (std::vector<std::vector<std::int64_t>>{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}}));
    const Timeline timeline = timeline_of(spec);
    EXPECT_EQ(timeline.epochs.at(2).classes, (std::vector<std::int64_t>{4, 5}));
    EXPECT_EQ(timeline.epochs.at(2).images, 80);
    EXPECT_NE(timeline.describe().find("epoch 0 (classes 0,1: 80 images): day wake x5 | night nrem x3, rem x3"),
              std::string::npos)
        << timeline.describe();

    ASSERT_EQ(test::run_logged(spec).status, RunStatus::finished);
    const fs::path log = dir / "days.h5";
    EXPECT_EQ(test::log_series(log, "/schedule/day_classes"),
              (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(test::log_series(log, "/schedule/day_images"), (std::vector<double>{80, 80, 80, 80, 80}));
    // Each night replays memories of that day and the days before, never of a later one,
    // and (a reservoir of the days) by the last night more than one day's.
    const auto epochs = test::log_series(log, "/states/nrem/epoch");
    const auto days = rows_of(log, "/states/nrem/hippocampus/replayed_days", 5);
    ASSERT_EQ(days.size(), epochs.size());
    std::set<std::size_t> last_night;
    for (std::size_t i = 0; i < days.size(); ++i) {
        EXPECT_EQ(std::accumulate(days[i].begin(), days[i].end(), 0.0), 16.0);  // a mini-batch of memories
        for (std::size_t d = std::size_t(epochs[i]) + 1; d < 5; ++d) EXPECT_EQ(days[i][d], 0.0) << "step " << i;
        if (epochs[i] == 4)
            for (std::size_t d = 0; d < 5; ++d)
                if (days[i][d] > 0) last_night.insert(d);
    }
    EXPECT_GE(last_night.size(), 2u);
}

TEST_F(Memory, RetentionIsTestedAfterDayOnesWakeAndAfterEveryNight) {
    const auto dir = test::temp_dir("memory_retention");
    ASSERT_EQ(test::run_logged(parse_spec(memory_spec(data_dir(), dir / "r.h5"))).status, RunStatus::finished);
    const fs::path log = dir / "r.h5";
    EXPECT_EQ(test::log_series(log, "/retention/nights"), (std::vector<double>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(test::log_series(log, "/retention/days_trained"), (std::vector<double>{1, 1, 2, 3, 4, 5}));
    const auto accuracy = rows_of(log, "/retention/accuracy", 5);
    ASSERT_EQ(accuracy.size(), 6u);
    for (const auto& row : accuracy)
        for (double a : row) EXPECT_TRUE(a >= 0.0 && a <= 1.0) << a;
    // Each task's readout tells its two classes apart (chance 0.5) from its 80 training images.
    for (double a : accuracy.back()) EXPECT_GT(a, 0.6);
    EXPECT_EQ(test::log_series(log, "/eval/retention/train_images"), (std::vector<double>{80, 80, 80, 80, 80}));
    EXPECT_EQ(test::log_series(log, "/eval/retention/test_images"), (std::vector<double>{40, 40, 40, 40, 40}));
    EXPECT_EQ(test::log_series(log, "/eval/day_001/retention/train_images").size(), 5u);
    const auto error = test::log_series(log, "/eval/retention/reconstruction_error");
    ASSERT_EQ(error.size(), 5u);
    for (double e : error) EXPECT_TRUE(e > 0 && std::isfinite(e));
    EXPECT_EQ(test::log_series(log, "/eval/retention/class_accuracy").size(), 10u);
}

TEST(Retention, TheSummariesOfAHandCheckedMatrix) {
    // Three tasks, tested after day 1's Wake (0 nights) and after nights 1, 2 and 3.
    const std::vector<std::vector<double>> r{
        {0.9, 0.5, 0.5}, {0.8, 0.6, 0.5}, {0.7, 0.9, 0.6}, {0.6, 0.8, 0.95}};
    const RetentionSummary s = summarize_retention(r, {0, 1, 2, 3});
    EXPECT_NEAR(s.average_accuracy, (0.6 + 0.8 + 0.95) / 3, 1e-12);
    ASSERT_EQ(s.forgetting.size(), 3u);
    EXPECT_NEAR(s.forgetting[0], 0.8 - 0.6, 1e-12);  // best after nights 1-2, minus the last
    EXPECT_NEAR(s.forgetting[1], 0.9 - 0.8, 1e-12);  // after night 2 only
    EXPECT_TRUE(std::isnan(s.forgetting[2]));        // the last task has nothing to forget yet
    EXPECT_NEAR(s.mean_forgetting, 0.15, 1e-12);
    EXPECT_NEAR(s.backward_transfer, ((0.6 - 0.8) + (0.8 - 0.9)) / 2, 1e-12);  // last minus right after its night
}

TEST_F(Memory, ACueDrawsTheNightsReplayTowardsTheCuedMemories) {
    const auto dir = test::temp_dir("memory_tmr");
    Json plain = memory_spec(data_dir(), dir / "plain.h5");
    plain["eval"]["retention"]["enabled"] = false;
    plain["eval"]["epochs"] = Json::array();
    Json cued = plain;
    cued["record"]["path"] = (dir / "cued.h5").string();
    cued["schedule"]["protocols"] = Json::parse(R"([{"name": "cue day 1", "epochs": [2, 3, 4], "cue": {"day": 0, "factor": 20}}])");
    for (const Json* doc : {&plain, &cued}) ASSERT_EQ(test::run_logged(parse_spec(*doc)).status, RunStatus::finished);
    // The share of day 1's memories among those replayed in nights 3-5.
    auto day_one_share = [&](const fs::path& log) {
        const auto epochs = test::log_series(log, "/states/rem/epoch");
        const auto days = rows_of(log, "/states/rem/hippocampus/replayed_days", 5);
        double first = 0, all = 0;
        for (std::size_t i = 0; i < days.size(); ++i)
            if (epochs[i] >= 2) {
                first += days[i][0];
                all += std::accumulate(days[i].begin(), days[i].end(), 0.0);
            }
        return first / all;
    };
    const double without = day_one_share(dir / "plain.h5"), with = day_one_share(dir / "cued.h5");
    EXPECT_GT(with, without + 0.2) << "without cue " << without << ", with " << with;
    // The log says which replayed memories were cued: day 1's, in the cued nights only.
    const auto epochs = test::log_series(dir / "cued.h5", "/states/rem/epoch");
    const auto share = test::log_series(dir / "cued.h5", "/states/rem/hippocampus/replayed_cued");
    const auto days = rows_of(dir / "cued.h5", "/states/rem/hippocampus/replayed_days", 5);
    for (std::size_t i = 0; i < share.size(); ++i)
        EXPECT_NEAR(share[i], epochs[i] >= 2 ? days[i][0] / 16.0 : 0.0, 1e-6) << "step " << i;
}

TEST_F(Memory, SynapticHomeostasisScalesTheDaysGainBackDown) {
    Json doc = memory_spec(data_dir(), test::temp_dir("memory_shy") / "x.h5");
    doc["modules"]["conductor"]["levels"]["shy"] = {{"ach", 0.0}, {"na", 0.0}};
    doc["states"] = default_states();
    doc["states"]["shy"] = {{"type", "synaptic_homeostasis"}, {"target", "day_norm"}, {"rate", 0.1}};
    doc["states"]["gain"] = {{"type", "synaptic_homeostasis"}, {"target", "day_gain"}, {"rate", 0.25}};
    doc["modules"]["conductor"]["levels"]["gain"] = {{"ach", 0.0}, {"na", 0.0}};
    doc["schedule"]["night"]["episodes"].push_back({{"state", "shy"}, {"iterations", 1}});
    doc["schedule"]["night"]["episodes"].push_back({{"state", "gain"}, {"iterations", 1}});
    const ExperimentSpec spec = parse_spec(doc);
    Model model(spec, test::device());
    model.mark_day_start();
    const auto start = model.day_start_weights();
    torch::NoGradGuard no_grad;
    for (auto& w : model.feedforward_weights()) w.mul_(1.5);  // the day potentiated every synapse by half
    auto shy = find_state_type("synaptic_homeostasis")->make(*spec.state("shy"));
    const Modulation m = model.conductor.modulation("shy", DoseTime{0, 0.5, 5});
    // day_norm: at most 10 % down per mini-batch, then exactly back at the day's norm, and no further.
    for (int step = 1; step <= 6; ++step) {
        shy->step(model, torch::Tensor(), m, StepClock{});
        const auto weights = model.feedforward_weights();
        for (std::size_t i = 0; i < weights.size(); ++i) {
            const double expected = std::max(1.5 * std::pow(0.9, step), 1.0) * start[i].norm().item<double>();
            EXPECT_NEAR(weights[i].norm().item<double>(), expected, 1e-4 * expected) << "tensor " << i << " step " << step;
        }
    }
    // day_gain: each weight gives back a quarter of the magnitude it gained; one that lost gives back nothing.
    auto weights = model.feedforward_weights();
    const auto before = weights[0].clone();
    weights[0].copy_(start[0] * 2.0);
    weights[0][0].copy_(start[0][0] * 0.5);  // these weights lost magnitude during the "day"
    const auto set = weights[0].clone();
    auto gain = find_state_type("synaptic_homeostasis")->make(*spec.state("gain"));
    gain->step(model, torch::Tensor(), m, StepClock{});
    auto expected = set - 0.25 * set.sign() * (set.abs() - start[0].abs()).clamp_min(0);
    EXPECT_TRUE(torch::allclose(model.feedforward_weights()[0], expected, 1e-6, 1e-7));
    EXPECT_TRUE(torch::equal(model.feedforward_weights()[0][0], set[0]));  // the weights that lost: as they were
    (void)before;
}

TEST(Hippocampus, AReservoirKeepsEveryDaysEpisodesAlikeAndOldestOutKeepsTheLast) {
    HippocampusParams p;
    p.capacity = 100;
    p.keep = Retention::reservoir;
    Hippocampus reservoir(p);
    p.keep = Retention::oldest;
    Hippocampus fifo(p);
    torch::manual_seed(7);
    for (int i = 0; i < 1000; ++i) {
        const auto z = torch::full({2, 3}, float(i));
        reservoir.set_source(torch::tensor({0, 1}, torch::kInt64), i / 200);  // five "days" of 200 episodes
        reservoir.store(z, i);
        fifo.store(z, i);
    }
    ASSERT_EQ(reservoir.occupancy(), 100);
    ASSERT_EQ(fifo.occupancy(), 100);
    // Oldest out: the last 100 episodes.
    EXPECT_FLOAT_EQ(fifo.stored_latents().min().item<float>(), 900.0f);
    // A reservoir: each of the 1000 held with probability 1/10, so about 20 of each day's 200.
    const auto ids = reservoir.stored_latents().select(1, 0).slice(0, 0, 200, 2);  // one row per episode
    for (int day = 0; day < 5; ++day) {
        const auto of_day = ((ids >= 200.0f * day) & (ids < 200.0f * (day + 1))).sum().item<std::int64_t>();
        EXPECT_GE(of_day, 8) << "day " << day;
        EXPECT_LE(of_day, 34) << "day " << day;
    }
}

namespace {
// Sets `stop` once `after` mini-batches are done, as SIGTERM would between two of them.
struct StopAfter : Observer {
    std::atomic<bool>* stop;
    int after, steps = 0;
    StopAfter(std::atomic<bool>* s, int n) : stop(s), after(n) {}
    void step_done(const StepEvent&) override {
        if (++steps == after) stop->store(true);
    }
};
}  // namespace

TEST_F(Memory, AStoppedRunResumesToTheLogOfARunNeverStopped) {
    // Everything memory across days keeps between mini-batches: each day's stream of
    // images, a reservoir store (its draws from the global generator), the day's start
    // weights of synaptic homeostasis, a cue, and the retention tests.
    const auto dir = test::temp_dir("memory_resume");
    Json doc = memory_spec(data_dir(), dir / "whole.h5");
    doc["modules"]["conductor"]["levels"]["shy"] = {{"ach", 0.0}, {"na", 0.0}};
    doc["states"] = default_states();
    doc["states"]["shy"] = {{"type", "synaptic_homeostasis"}, {"rate", 0.05}};
    doc["schedule"]["night"]["episodes"].push_back({{"state", "shy"}, {"iterations", 2}});
    doc["schedule"]["protocols"] = Json::parse(R"([{"name": "cue day 1", "epochs": [1, 2, 3, 4], "cue": {"day": 0}}])");
    doc["record"]["checkpoint_every"] = 4;
    ASSERT_EQ(test::run_logged(parse_spec(doc)).status, RunStatus::finished);

    // The same run stopped in epoch 1's night (5 + 3 + 3 + 2 = 13 mini-batches an epoch), then resumed.
    doc["record"]["path"] = (dir / "stopped.h5").string();
    const ExperimentSpec spec = parse_spec(doc);
    {
        std::atomic<bool> stop{false};
        Runner runner(spec);
        Hdf5Recorder recorder(spec.record.path);
        StopAfter stopper(&stop, 23);
        runner.attach(recorder);
        runner.attach(stopper);
        EXPECT_EQ(runner.run(&stop).status, RunStatus::interrupted);
    }
    {
        Runner runner(spec);
        Hdf5Recorder recorder(spec.record.path, /*resume=*/true);
        runner.attach(recorder);
        EXPECT_EQ(runner.run(nullptr, /*resume=*/true).status, RunStatus::finished);
    }
    // Every dataset of the two logs equal, clocks aside.
    const auto compare = test::run_command(
        test::python() + " -c \"import h5py, numpy as np, sys\n"
                         "a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')\n"
                         "names = []\n"
                         "a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)\n"
                         "clock = lambda n: n.split('/')[-1] in ('time', 'seconds', 'wall_seconds', 'images_per_second')\n"
                         "differ = [n for n in names if not clock(n) and (n not in b or not np.array_equal(a[n][()], b[n][()], equal_nan=a[n].dtype.kind == 'f'))]\n"
                         "print(len(names), 'datasets; differ:', differ)\" " +
        (dir / "whole.h5").string() + " " + (dir / "stopped.h5").string());
    EXPECT_NE(compare.output.find("datasets; differ: []"), std::string::npos) << compare.output;
    EXPECT_EQ(test::log_series(dir / "stopped.h5", "/retention/nights"), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}
