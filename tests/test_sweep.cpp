// Sweeps: expansion of bases × axes × seeds into concrete specs with readable
// names, errors that point into the sweep file, the local runner (skips finished
// runs, refuses a changed spec, goes on past a failed run), `somnus summarize`,
// `somnus run --continue`, and the Slurm job array on a real single-node cluster.
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "sim/batch/pool.hpp"
#include "sim/batch/sweep.hpp"
#include "sim/results/log_reading.hpp"
#include "sim/results/manifest.hpp"
#include "tests/helpers.hpp"

namespace somnus {
namespace {

namespace fs = std::filesystem;

class Sweep : public ::testing::Test {
protected:
    static fs::path data_dir() { return test::fake_fashion_dir("sweep", 64, 32); }
    // Two base specs (one epoch of 2 mini-batches, a quick evaluation) in `dir`.
    static void write_bases(const fs::path& dir) {
        Json a = test::tiny_spec(data_dir(), dir / "unused.h5");
        a["name"] = "alpha";
        a["data"]["train_subset"] = 32;
        a["schedule"]["epochs"] = 1;
        a["threads"] = 1;
        a["eval"] = {
            {"linear_readout", {{"epochs", 1}, {"batch_size", 16}, {"seeds", {0}}, {"occlusion_levels", {0.5}}}},
            {"latent_geometry", {{"enabled", false}}},
            {"pca", {{"enabled", false}}}};
        test::write_spec(dir / "alpha.json", a);
        Json b = a;
        b["name"] = "beta";
        b["schedule"]["cycle"] = {"wake", "nrem"};
        test::write_spec(dir / "beta.json", b);
    }
    static fs::path write_sweep(const fs::path& dir, const std::string& text) {
        std::ofstream(dir / "sweep.json") << text;
        return dir / "sweep.json";
    }
};

TEST_F(Sweep, ExpandsBasesAxesZipsRangesAndSeedsIntoNamedCheckedSpecs) {
    auto dir = test::temp_dir("sweep_expand");
    write_bases(dir);
    auto file = write_sweep(dir, R"({
      "sweep": "grid", "base": "*.json", "out": ")" +
                                     (dir / "out").string() + R"(",
      "set": {"schedule.epochs": 2},
      "vary": [
        {"key": "schedule.batch_size", "values": [8, 16], "label": "batch"},
        {"zip": [{"key": "training.encoder_optimizer.lr", "range": {"from": 0.001, "to": 0.1, "count": 3, "scale": "log"}},
                 {"key": "record.progress_every", "range": {"from": 1, "to": 3, "step": 1}}]},
        {"key": "states.rem.mix_memories", "values": {"mixed": true, "single": false}, "label": "rem"}
      ],
      "seeds": "4,7"
    })");
    SweepSpec sweep = load_sweep_file(file.string());
    EXPECT_EQ(sweep.bases.size(), 2u);  // alpha.json, beta.json (the sweep itself is left out)
    auto runs = expand_sweep(sweep);
    ASSERT_EQ(runs.size(), 2u * 2 * 3 * 2 * 2);
    // The last axis varies fastest, seeds innermost.
    EXPECT_EQ(runs[0].condition, "alpha__batch=8__lr+progress_every=0.001+1__rem=mixed");
    EXPECT_EQ(runs[0].seed, 4);
    EXPECT_EQ(runs[1].seed, 7);
    EXPECT_EQ(runs[2].condition, "alpha__batch=8__lr+progress_every=0.001+1__rem=single");
    EXPECT_EQ(runs[4].condition, "alpha__batch=8__lr+progress_every=0.01+2__rem=mixed");
    EXPECT_EQ(runs.back().condition, "beta__batch=16__lr+progress_every=0.1+3__rem=single");
    const SweepRun& r = runs[7];  // alpha, batch 8, lr 0.01, progress 2, rem single, seed 7
    EXPECT_EQ(r.spec["name"], r.condition);
    EXPECT_EQ(r.spec["seed"], 7);
    EXPECT_EQ(r.spec["schedule"]["epochs"], 2);
    EXPECT_EQ(r.spec["schedule"]["batch_size"], 8);
    EXPECT_NEAR(r.spec["training"]["encoder_optimizer"]["lr"].get<double>(), 0.01, 1e-12);
    EXPECT_EQ(r.spec["record"]["progress_every"], 2);
    EXPECT_EQ(r.spec["states"]["rem"]["mix_memories"], false);
    EXPECT_EQ(r.log_path, (dir / "out" / r.condition / "seed_7.h5").string());
    EXPECT_EQ(r.spec["record"]["path"], r.log_path);
    EXPECT_EQ(r.parameters, (std::vector<std::pair<std::string, std::string>>{
                                {"batch", "8"}, {"lr+progress_every", "0.01+2"}, {"rem", "single"}}));
}

TEST_F(Sweep, ErrorsPointIntoTheSweepFile) {
    auto dir = test::temp_dir("sweep_errors");
    write_bases(dir);
    auto error = [&](const std::string& text) {
        auto file = write_sweep(dir, text);
        auto r = test::somnus("sweep " + file.string() + " --dry-run");
        EXPECT_EQ(r.exit_code, 2) << r.output;
        return r.output.substr(0, r.output.find('\n'));
    };
    const std::string at = "somnus: " + (dir / "sweep.json").string() + ": sweep error at ";
    EXPECT_EQ(error(R"({"sweep": "s", "base": "alpha.json", "vray": []})"),
              at + "/vray: unknown key \"vray\"; did you mean \"vary\"?");
    EXPECT_EQ(error(R"({"sweep": "s", "base": "gamma.json"})"),
              at + "/base: " + (dir / "gamma.json").string() + ": file not found");
    EXPECT_EQ(error(R"({"sweep": "s", "base": "alpha.json", "vary": [{"key": "schedule.epochs", "values": [1, -3]}]})"),
              at + "/vary/0/values/1: run alpha__epochs=-3 (" + (dir / "alpha.json").string() +
                  "): spec error at /schedule/epochs: value -3 is out of range [0, 1000000]");
    // A bad value from a range, a named value or a zip is blamed where it is in the sweep.
    const std::string run_at = ": run alpha__";
    EXPECT_EQ(
        error(
            R"({"sweep": "s", "base": "alpha.json", "vary": [{"key": "schedule.epochs", "range": {"from": 1, "to": -3, "count": 2}}]})"),
        at + "/vary/0/range" + run_at + "epochs=-3 (" + (dir / "alpha.json").string() +
            "): spec error at /schedule/epochs: value -3 is out of range [0, 1000000]");
    EXPECT_EQ(
        error(
            R"({"sweep": "s", "base": "alpha.json", "vary": [{"key": "schedule.epochs", "values": {"few": 1, "none/less": -3}}]})"),
        at + "/vary/0/values/none~1less" + run_at + "epochs=none_less (" + (dir / "alpha.json").string() +
            "): spec error at /schedule/epochs: value -3 is out of range [0, 1000000]");
    EXPECT_EQ(
        error(
            R"({"sweep": "s", "base": "alpha.json", "vary": [{"zip": [{"key": "schedule.batch_size", "values": [8, 16]}, {"key": "schedule.epochs", "values": [1, -3]}]}]})"),
        at + "/vary/0/zip/1/values/1" + run_at + "batch_size+epochs=16+-3 (" + (dir / "alpha.json").string() +
            "): spec error at /schedule/epochs: value -3 is out of range [0, 1000000]");
    EXPECT_EQ(
        error(
            R"({"sweep": "s", "base": "alpha.json", "vary": [{"zip": [{"key": "a.b", "values": [1, 2]}, {"key": "c", "values": [1]}]}]})"),
        at + "/vary/0/zip/1: has 1 values, the first has 2: zipped axes vary together, value by value");
    EXPECT_EQ(
        error(
            R"({"sweep": "s", "base": "alpha.json", "vary": [{"key": "states.rem", "values": [{"mix_memories": false}]}]})"),
        at + "/vary/0/values/0: an object needs a name in the run names: give the values as an object, {\"name\": "
             "value, ...}");
    EXPECT_EQ(
        error(
            R"({"sweep": "s", "base": "alpha.json", "vary": [{"key": "training.lr", "range": {"from": 1, "to": 0, "step": 0.1}}]})"),
        at + "/vary/0/range: \"to\" is below \"from\"");
    EXPECT_EQ(error(R"({"sweep": "s", "base": "alpha.json", "seeds": "3-1"})"),
              at + "/seeds: empty seed range \"3-1\"");
    EXPECT_FALSE(fs::exists(dir / "runs")) << "a bad sweep writes nothing";
}

TEST_F(Sweep, RunsHereSkipsFinishedRunsGoesOnPastAFailureAndSummarizes) {
    auto dir = test::temp_dir("sweep_local");
    write_bases(dir);
    // beta's data is truncated: its runs fail, alpha's go on.
    auto broken = test::temp_dir("sweep_local_broken_data");
    fs::copy(data_dir(), broken, fs::copy_options::overwrite_existing | fs::copy_options::recursive);
    fs::resize_file(broken / "train-images-idx3-ubyte.gz", 300);
    Json beta = Json::parse(test::read_file(dir / "beta.json"));
    beta["data"]["path"] = broken.string();
    test::write_spec(dir / "beta.json", beta);
    const std::string out = (dir / "out").string();
    auto file = write_sweep(dir, R"({"sweep": "local", "base": ["alpha.json", "beta.json"], "out": ")" + out + R"(",
      "vary": [{"key": "schedule.batch_size", "values": [8, 16], "label": "batch"}], "seeds": 2, "jobs": 2})");
    auto first = test::somnus("sweep " + file.string() + " --status-every 1");
    EXPECT_EQ(first.exit_code, 1) << first.output;
    EXPECT_NE(first.output.find("sweep local: 4 conditions x 2 seeds = 8 runs"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find("finished alpha__batch=8/seed_0"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find("FAILED   beta__batch=16/seed_1 (exit 1); see " + out + "/beta__batch=16/seed_1.txt"),
              std::string::npos);
    EXPECT_NE(test::read_file(dir / "out" / "beta__batch=16" / "seed_1.txt").find("truncated file"), std::string::npos);
    EXPECT_NE(first.output.find("somnus sweep: 4 runs did not finish; run the same command again to continue them"),
              std::string::npos);
    EXPECT_NE(first.output.find(" running, "), std::string::npos) << "status lines: " << first.output;
    EXPECT_EQ(test::log_attribute(dir / "out" / "alpha__batch=16" / "seed_1.h5", "status"), "finished");

    // The summary: the finished conditions, with the varied parameter as a column, and a plot per metric.
    const std::string md = test::read_file(dir / "out" / "summary.md");
    EXPECT_NE(md.find("| experiment      | batch | runs |"), std::string::npos) << md;
    EXPECT_NE(md.find("| alpha__batch=8  | 8     | 2    |"), std::string::npos) << md;
    EXPECT_EQ(md.find("beta"), std::string::npos) << md;
    const std::string csv = test::read_file(dir / "out" / "summary.csv");
    EXPECT_EQ(csv.rfind("experiment,batch,runs,seeds,readout_last_epoch_mean,", 0), 0u) << csv;
    EXPECT_NE(csv.find("\nalpha__batch=16,16,2,0 1,"), std::string::npos) << csv;
    const std::string svg = test::read_file(dir / "out" / "plots" / "occluded_50.svg");
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg.find(">50 % occluded</text>"), std::string::npos);
    EXPECT_NE(svg.find(">alpha__batch=16</text>"), std::string::npos);
    EXPECT_NE(first.output.find("left out " + out + "/beta__batch=8/seed_0.h5"), std::string::npos) << first.output;

    // Again: the finished runs are kept, only the failed ones run (and fail) again. --device
    // names every run's device; the device is not part of what makes a run the same.
    auto second = test::somnus("sweep " + file.string() + " --device cpu");
    EXPECT_NE(second.output.find("4 finished earlier (kept), 0 interrupted (resume from their checkpoints), 4 to run"),
              std::string::npos)
        << second.output;
    EXPECT_EQ(second.output.find("started  alpha"), std::string::npos) << second.output;
    EXPECT_EQ(Json::parse(test::read_file(dir / "out" / "beta__batch=8" / "seed_0.json"))["device"], "cpu");

    // A changed sweep does not silently keep logs of the old specs.
    auto changed = write_sweep(dir, R"({"sweep": "local", "base": ["alpha.json"], "out": ")" + out + R"(",
      "set": {"schedule.epochs": 2}, "vary": [{"key": "schedule.batch_size", "values": [8, 16], "label": "batch"}], "seeds": 2})");
    auto refused = test::somnus("sweep " + changed.string());
    EXPECT_EQ(refused.exit_code, 2) << refused.output;
    EXPECT_NE(
        refused.output.find(
            "alpha__batch=8/seed_0.h5 holds a run of a different spec (at /schedule/epochs: 1 in the log, 2 now)"),
        std::string::npos)
        << refused.output;
    EXPECT_NE(refused.output.find("give --overwrite to redo them, or --out to write elsewhere"), std::string::npos);

    // `somnus summarize` on the folder prints the same table.
    auto summary = test::somnus("summarize " + out);
    EXPECT_EQ(summary.exit_code, 0) << summary.output;
    EXPECT_NE(summary.output.find(md), std::string::npos) << summary.output;
}

TEST_F(Sweep, ContinueSkipsAFinishedRunAndResumesAnInterruptedOne) {
    auto dir = test::temp_dir("sweep_continue");
    Json doc = test::tiny_spec(data_dir(), dir / "log.h5");
    doc["schedule"]["epochs"] = 8;  // stopped long before its end
    doc["data"]["train_subset"] = 32;
    doc["eval"] = {{"linear_readout", {{"enabled", false}}},
                   {"latent_geometry", {{"enabled", false}}},
                   {"pca", {{"enabled", false}}}};
    auto spec = test::write_spec(dir / "tiny.json", doc);
    // Stopped (SIGTERM) after its first checkpoint.
    std::ofstream(dir / "stop.sh") << SOMNUS_BINARY << " run " << spec.string() << " > " << (dir / "first.txt").string()
                                   << " 2>&1 & pid=$!\nfor i in $(seq 2000); do [ -f "
                                   << (dir / "log.resume.pt").string()
                                   << " ] && break; sleep 0.01; done; kill -TERM $pid; wait $pid; echo exit=$?\n";
    auto stopped = test::run_command("bash " + (dir / "stop.sh").string());
    ASSERT_NE(stopped.output.find("exit=1"), std::string::npos) << stopped.output;
    doc["schedule"]["epochs"] = 3;  // a different spec is refused...
    auto other = test::write_spec(dir / "other.json", doc);
    auto refused = test::somnus("run " + other.string() + " --continue");
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.output.find("holds a run of a different spec (at /schedule/epochs: 8 in the log, 3 now)"),
              std::string::npos)
        << refused.output;
    auto resumed =
        test::somnus("run " + spec.string() + " --continue --set schedule.epochs=8");  // ...the same one resumes
    EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("resuming the interrupted run (status: interrupted)"), std::string::npos)
        << resumed.output;
    EXPECT_EQ(test::log_attribute(dir / "log.h5", "status"), "finished");
    auto again = test::somnus("run " + spec.string() + " --continue");
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_NE(again.output.find("finished earlier with this spec; nothing to do"), std::string::npos) << again.output;
}

TEST(ShippedSweeps, EachExpandsIntoCheckedSpecs) {
    std::map<std::string, std::size_t> runs;
    for (const auto& entry : fs::directory_iterator(test::source_path("experiments/sweeps"))) {
        SCOPED_TRACE(entry.path().string());
        SweepSpec sweep = load_sweep_file(entry.path().string());
        EXPECT_EQ(sweep.name + ".json", entry.path().filename().string()) << "a sweep's name is its file name";
        runs[sweep.name] = expand_sweep(sweep).size();
    }
    EXPECT_EQ(
        runs,
        (std::map<std::string, std::size_t>{
            {"deprivation", 21}, {"memory_across_days", 56}, {"pad_learning_curves", 20}, {"paper_variants", 44},
            {"rem_ach_dose_response", 20}, {"theories_conv", 20}, {"theories_dense", 40},
            {"theories_dense_dreams", 8}}));
}

// A real single-node Slurm cluster (tests/slurm/start_slurm.sh): the sweep as a
// job array, every task one run, then the summary of the folder.
TEST_F(Sweep, SlurmJobArrayRunsEveryRunOnASingleNodeCluster) {
    auto dir = test::temp_dir("sweep_slurm");
    const fs::path cluster = dir / "cluster";
    auto started =
        test::run_command("bash " + test::source_path("tests/slurm/start_slurm.sh") + " " + cluster.string());
    if (started.exit_code == 77) GTEST_SKIP() << started.output;
    struct StopCluster {  // also when an assertion ends the test early
        fs::path dir;
        ~StopCluster() {
            test::run_command("bash " + test::source_path("tests/slurm/stop_slurm.sh") + " " + dir.string());
        }
    } stop_cluster{cluster};
    ASSERT_EQ(started.exit_code, 0) << started.output;
    const std::string env = "SLURM_CONF=" + (cluster / "slurm.conf").string() + " ";
    write_bases(dir);
    const std::string out = (dir / "out").string();
    auto file =
        write_sweep(dir, R"({"sweep": "array", "base": ["alpha.json", "beta.json"], "out": ")" + out + R"(", "seeds": 2,
      "slurm": {"cpus_per_task": 1, "mem": "1G", "time": "00:10:00"}})");
    auto submitted = test::run_command(env + SOMNUS_BINARY + " sweep " + file.string() + " --slurm --submit");
    EXPECT_EQ(submitted.exit_code, 0) << submitted.output;
    EXPECT_NE(submitted.output.find("a job array of 4 tasks (1 CPUs, 1G, 00:10:00 each)"), std::string::npos)
        << submitted.output;
    const std::string script = test::read_file(dir / "out" / "slurm" / "sweep.sbatch");
    EXPECT_NE(script.find("#SBATCH --array=0-3\n"), std::string::npos) << script;
    bool done = false;
    for (int i = 0; i < 600 && !done; ++i) {  // up to 5 minutes
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        auto queue = test::run_command(env + "squeue -h -n somnus-array");
        done = queue.exit_code == 0 && queue.output.empty();
    }
    EXPECT_TRUE(done) << test::run_command(env + "squeue").output;
    for (const char* condition : {"alpha", "beta"})
        for (int seed : {0, 1}) {
            const fs::path log = dir / "out" / condition / ("seed_" + std::to_string(seed) + ".h5");
            EXPECT_EQ(test::log_attribute(log, "status"), "finished")
                << log << "\n"
                << test::read_file(fs::path(log).replace_extension(".txt"));
        }
    // Submitting again: every task finds its run finished.
    auto again = test::run_command(env + SOMNUS_BINARY + " sweep " + file.string() + " --slurm");
    EXPECT_NE(again.output.find("4 finished earlier (kept)"), std::string::npos) << again.output;
    auto summary = test::somnus("summarize " + out);
    EXPECT_EQ(summary.exit_code, 0) << summary.output;
    EXPECT_NE(summary.output.find("| alpha      | 2    |"), std::string::npos) << summary.output;
    EXPECT_NE(summary.output.find("| beta       | 2    |"), std::string::npos) << summary.output;
}

TEST_F(Sweep, EveryRunStaysInsideTheBatchFolderWhateverItsSpecIsNamed) {
    auto dir = test::temp_dir("sweep_names");
    write_bases(dir);
    Json doc = Json::parse(test::read_file(dir / "alpha.json"));
    std::vector<std::string> specs;
    for (const char* name : {"../../x", "..", "."}) {
        doc["name"] = name;
        specs.push_back(test::write_spec(dir / (std::to_string(specs.size()) + ".json"), doc).string());
    }
    const fs::path out = dir / "out";
    const auto runs = expand_sweep(replicate_sweep(specs, {0}, out.string()));
    ASSERT_EQ(runs.size(), 3u);
    EXPECT_EQ(runs[0].condition, ".._.._x");
    EXPECT_EQ(runs[1].condition, "__");
    EXPECT_EQ(runs[2].condition, "_");
    for (const auto& run : runs) {
        const fs::path inside = fs::path(run.log_path).lexically_relative(out);
        EXPECT_EQ(std::distance(inside.begin(), inside.end()), 2) << run.log_path;  // OUT/<condition>/seed_0.h5
        EXPECT_NE(*inside.begin(), "..") << run.log_path;
        EXPECT_NE(*inside.begin(), ".") << run.log_path;
    }
}

TEST_F(Sweep, ADataSetTooSmallForTheSpecIsASpecErrorBeforeAnythingRuns) {
    auto dir = test::temp_dir("sweep_small_data");
    write_bases(dir);  // 64 training images
    const std::string out = (dir / "out").string();
    auto subset = test::somnus("replicate " + (dir / "alpha.json").string() + " --seeds 1 --set data.train_subset=100 --out " + out);
    EXPECT_EQ(subset.exit_code, 2) << subset.output;
    EXPECT_NE(subset.output.find("somnus: spec error at /data/train_subset: train_subset 100 is larger than the training set (64 "
                                 "images of fashion-mnist in " + data_dir().string() + ")"),
              std::string::npos)
        << subset.output;
    auto batch = test::somnus("validate " + (dir / "alpha.json").string() + " --set schedule.batch_size=40");
    EXPECT_EQ(batch.exit_code, 2) << batch.output;
    EXPECT_NE(batch.output.find("somnus: spec error at /schedule/batch_size: batch_size 40 is larger than the 32 training "
                                "images of data.train_subset: not one mini-batch a pass"),
              std::string::npos)
        << batch.output;
    EXPECT_FALSE(fs::exists(out)) << "nothing written";
    auto device = test::somnus("validate /dev/zero");
    EXPECT_EQ(device.exit_code, 2) << device.output;
    EXPECT_NE(device.output.find("somnus: spec error at /: /dev/zero is not a regular file (a device, a pipe or a socket), not a "
                                 "spec file"),
              std::string::npos)
        << device.output;
}

}  // namespace
// A manifest that is not one is an input error naming the file and where, not the JSON library's text.
TEST(Manifest, AManifestThatIsNotOneIsAnInputErrorNamingTheFile) {
    const auto dir = test::temp_dir("bad_manifest");
    auto error_of = [&](const std::string& text) {
        const auto path = (dir / "sweep.json").string();
        std::ofstream(path) << text;
        try {
            read_manifest(path);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string path = (dir / "sweep.json").string();
    EXPECT_EQ(error_of("{\"runs\": [1,"), path + ": not a sweep manifest: not JSON (at byte 13)");
    EXPECT_EQ(error_of("{\"runs\": [{\"log\": \"a.h5\"}]}"),
              path + ": not a sweep manifest (it has no \"runs\" list whose entries give condition, log, seed and the "
                     "\"parameters\" it names)");
    EXPECT_EQ(error_of("[]").find(": not a sweep manifest ("), path.size());
    try {
        read_manifest((dir / "missing.json").string());
        FAIL() << "a missing manifest was read";
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()), (dir / "missing.json").string() + ": cannot open it (No such file or directory)");
    }
}

}  // namespace somnus
