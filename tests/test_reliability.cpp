// When things go wrong: a run killed (SIGKILL) or stopped (SIGTERM) resumes to
// the same log as a run never stopped, bit for bit; divergence stops a run naming
// where; an existing log is not overwritten by accident; a run that fails early
// leaves the path as it was; a full disk (a file-size limit, a small tmpfs) is a
// clear error, the log keeps what it had and the run resumes once there is room.
#include <unistd.h>

#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "sim/model/model.hpp"
#include "sim/results/log_reading.hpp"
#include "tests/helpers.hpp"

namespace somnus {
namespace {

namespace fs = std::filesystem;

class Reliability : public ::testing::Test {
protected:
    static fs::path data_dir() { return test::fake_fashion_dir("reliability", 160, 64); }
    // 4 epochs of 6 mini-batches, a resumable checkpoint every 3 (mid-epoch); no evaluation.
    static fs::path spec_for(const fs::path& dir, const std::string& log) {
        Json doc = test::tiny_spec(data_dir(), dir / log);
        doc["schedule"]["epochs"] = 4;
        doc["record"]["checkpoint_every"] = 3;
        doc["eval"] = {{"linear_readout", {{"enabled", false}}},
                       {"latent_geometry", {{"enabled", false}}},
                       {"pca", {{"enabled", false}}}};
        return test::write_spec(dir / (log + ".json"), doc);
    }
};

// Starts a run, waits until its first resumable checkpoint exists, then sends `signal`.
test::CommandResult start_and_stop(const fs::path& dir, const fs::path& spec, const fs::path& log, const char* signal) {
    const fs::path resume = fs::path(log).replace_extension(".resume.pt");
    const std::string script = std::string(SOMNUS_BINARY) + " run " + spec.string() + " > " +
                               (dir / "first.txt").string() + " 2>&1 & pid=$!; for i in $(seq 2000); do [ -f " +
                               resume.string() + " ] && break; sleep 0.01; done; kill -" + signal +
                               " $pid; wait $pid; echo exit=$?";
    std::ofstream(dir / "stop.sh") << script << "\n";
    return test::run_command("bash " + (dir / "stop.sh").string());
}

TEST_F(Reliability, KilledOrStoppedRunsResumeToTheLogOfAnUninterruptedRun) {
    auto dir = test::temp_dir("reliability_resume");
    auto whole = test::somnus("run " + spec_for(dir, "whole.h5").string());
    ASSERT_EQ(whole.exit_code, 0) << whole.output;
    EXPECT_FALSE(fs::exists(dir / "whole.resume.pt")) << "a finished run deletes its resumable checkpoint";

    for (const char* signal : {"KILL", "TERM"}) {
        SCOPED_TRACE(signal);
        const std::string name = std::string("stopped_") + signal + ".h5";
        const fs::path log = dir / name;
        auto stopped = start_and_stop(dir, spec_for(dir, name), log, signal);
        if (stopped.output.find("exit=0") != std::string::npos) GTEST_SKIP() << "the run finished before the signal";
        if (std::string(signal) == "TERM") {
            std::ifstream first(dir / "first.txt");
            std::string text((std::istreambuf_iterator<char>(first)), {});
            EXPECT_NE(text.find("continue it with: somnus run --resume " + log.string()), std::string::npos) << text;
            EXPECT_EQ(test::log_attribute(log, "status"), "interrupted");
        }
        auto resumed = test::somnus("run --resume " + log.string());
        ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
        EXPECT_EQ(test::log_attribute(log, "status"), "finished");
        // Every epoch exactly once, every step's numbers as in the run never stopped.
        EXPECT_EQ(test::log_series(log, "/epochs/epoch"), test::log_series(dir / "whole.h5", "/epochs/epoch"));
        for (const char* path :
             {"/states/wake/step", "/states/wake/losses/kl", "/states/wake/losses/reconstruction",
              "/states/nrem/losses/latent_reconstruction", "/states/rem/losses/fake",
              "/states/rem/hippocampus/replayed_episode", "/plasticity/feedforward/weight_change_norm"}) {
            auto expected = test::log_series(dir / "whole.h5", path);
            ASSERT_FALSE(expected.empty()) << path;
            EXPECT_EQ(test::log_series(log, path), expected) << path;
        }
        auto again = test::somnus("run --resume " + log.string());
        EXPECT_EQ(again.exit_code, 1);
        EXPECT_NE(again.output.find("the run finished; there is nothing to resume"), std::string::npos) << again.output;
    }
}

// The dreams' Fréchet distance judges every dream a state dreamed since the run began
// (1,000 kept, fewer dreamed): the kept dreams travel in the resumable checkpoint, so a
// run stopped mid-epoch judges the same 96 dreams per state as the run never stopped.
TEST_F(Reliability, TheDreamsJudgedAfterAResumeAreThoseOfAnUninterruptedRun) {
    auto dir = test::temp_dir("reliability_dreams");
    const auto plain = spec_for(dir, "plain.h5");
    auto trained = test::somnus("train-classifier " + plain.string() + " --epochs 1 --out " + (dir / "c.pt").string());
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    auto judged = [&](const std::string& log) {
        Json doc = Json::parse(test::read_file(spec_for(dir, log)));
        doc["schedule"]["epochs"] = 2;
        doc["eval"]["epochs"] = "all";
        doc["eval"]["generated_images"] = Json{{"enabled", true}, {"classifier", (dir / "c.pt").string()},
                                               {"images", 40}, {"samples", 30}, {"dreams", 1000}};
        return test::write_spec(dir / (log + ".json"), doc);
    };
    auto whole = test::somnus("run " + judged("whole.h5").string());
    ASSERT_EQ(whole.exit_code, 0) << whole.output;
    EXPECT_NE(whole.output.find("Fréchet distance, rem dreams:"), std::string::npos) << whole.output;
    const fs::path log = dir / "stopped.h5";
    auto stopped = start_and_stop(dir, judged("stopped.h5"), log, "TERM");
    if (stopped.output.find("exit=0") != std::string::npos) GTEST_SKIP() << "the run finished before the signal";
    auto resumed = test::somnus("run --resume " + log.string());
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    // After epoch 1 (6 mini-batches of 16) and epoch 2: every dream kept; equal after the resume;
    // only sleeping states dream; read back by h5py.
    auto py = test::run_command(
        test::python() +
        " -c \"import h5py,sys; a=h5py.File(sys.argv[1]); b=h5py.File(sys.argv[2]); "
        "ga=a['eval/epoch_001/generated_images/dreams']; gb=b['eval/epoch_001/generated_images/dreams']; "
        "assert sorted(ga) == ['nrem', 'rem'], sorted(ga); "
        "assert [ga[s].attrs['dreams'] for s in ga] == [96, 96]; "
        "assert all(ga[s]['class_counts'][()].sum() == 96 and ga[s].attrs['fid'] > 0 for s in ga); "
        "assert a['eval/generated_images/dreams/rem'].attrs['dreams'] == 192; "
        "assert [gb[s].attrs['fid'] for s in gb] == [ga[s].attrs['fid'] for s in ga]; "
        "assert b['eval/generated_images/dreams/rem'].attrs['fid'] == a['eval/generated_images/dreams/rem'].attrs['fid']; "
        "print('ok')\" " +
        (dir / "whole.h5").string() + " " + log.string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
    auto table = test::somnus("table " + log.string());
    EXPECT_NE(table.output.find("FID rem dreams"), std::string::npos) << table.output;
}

TEST(Divergence, TheFirstNonFiniteParameterIsNamedInItsPathway) {
    Model model(parse_spec(Json::object()), torch::kCPU);
    EXPECT_EQ(model.first_non_finite(true, true), "");
    auto params = model.generator->named_parameters();
    const std::string key = params.keys()[params.size() / 2];
    {
        torch::NoGradGuard no_grad;
        params[key].view(-1)[0] = std::numeric_limits<float>::infinity();
    }
    EXPECT_EQ(model.first_non_finite(true, false), "") << "the feedforward pathway is finite";
    EXPECT_EQ(model.first_non_finite(true, true), "V1_generator." + key);
}

TEST_F(Reliability, DivergenceStopsTheRunNamingStateTimeAndCause) {
    auto dir = test::temp_dir("reliability_diverge");
    // Identical images: the latents have no spread, so Wake's KL (log of their std) is infinite.
    std::vector<std::uint8_t> pixels(160 * 28 * 28, 100), labels(160, 1);
    for (bool train : {true, false}) {
        const int n = train ? 160 : 64;
        test::write_file(
            dir / (std::string(train ? "train" : "t10k") + "-images-idx3-ubyte"),
            test::idx_bytes({n, 28, 28}, std::vector<std::uint8_t>(pixels.begin(), pixels.begin() + n * 28 * 28)),
            false);
        test::write_file(dir / (std::string(train ? "train" : "t10k") + "-labels-idx1-ubyte"),
                         test::idx_bytes({n}, std::vector<std::uint8_t>(labels.begin(), labels.begin() + n)), false);
    }
    // Read each step as it ends (the CPU's default), or in windows of 4 mini-batches
    // as a GPU run does: the same step is named, and the log holds no step from it on.
    for (const char* read_every : {"0", "4"}) {
        auto spec = test::write_spec(dir / "flat.json", test::tiny_spec(dir, dir / "log.h5"));
        auto r = test::somnus("run " + spec.string() + " --overwrite --set record.read_every=" + read_every);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find("somnus: error: diverged in state wake at epoch 0, iteration 0 (step 0): loss \"kl\" "
                                "is infinite"),
                  std::string::npos)
            << "read_every " << read_every << ": " << r.output;
        EXPECT_EQ(test::log_attribute(dir / "log.h5", "status").rfind("diverged: ", 0), 0u);
        auto py = test::run_command(test::python() +
                                    " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                                    "assert 'states/wake/step' not in f, f['states/wake/step'][:]\" " +
                                    (dir / "log.h5").string());
        EXPECT_EQ(py.exit_code, 0) << "read_every " << read_every << ": " << py.output;
    }
}

TEST_F(Reliability, AnExistingLogIsReplacedOnlyWithOverwriteAndAFailedRunKeepsIt) {
    auto dir = test::temp_dir("reliability_overwrite");
    Json doc = test::tiny_spec(data_dir(), dir / "log.h5");
    doc["schedule"]["epochs"] = 1;
    auto spec = test::write_spec(dir / "tiny.json", doc);
    ASSERT_EQ(test::somnus("run " + spec.string()).exit_code, 0);
    const auto size = fs::file_size(dir / "log.h5");
    const auto written = fs::last_write_time(dir / "log.h5");

    auto refused = test::somnus("run " + spec.string());
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.output.find((dir / "log.h5").string() + " exists; give --overwrite to replace it"),
              std::string::npos)
        << refused.output;
    // --overwrite, but the data are missing: the run fails before it starts and the old log stays.
    doc["data"]["path"] = (dir / "no_data").string();
    auto failing = test::somnus("run " + test::write_spec(dir / "bad_data.json", doc).string() + " --overwrite");
    EXPECT_EQ(failing.exit_code, 1) << failing.output;
    EXPECT_EQ(fs::file_size(dir / "log.h5"), size);
    EXPECT_EQ(fs::last_write_time(dir / "log.h5"), written);
    EXPECT_EQ(test::log_attribute(dir / "log.h5", "status"), "finished");
    EXPECT_EQ(test::somnus("run " + spec.string() + " --overwrite").exit_code, 0);
}

TEST_F(Reliability, AFullDiskIsAClearErrorAndTheLogKeepsWhatItHad) {
    auto dir = test::temp_dir("reliability_disk_full");
    Json doc = test::tiny_spec(data_dir(), dir / "log.h5");
    doc["schedule"]["epochs"] = 40;
    doc["data"]["train_subset"] = 160;
    doc["record"]["activity"]["probe_images"] = 16;
    auto spec = test::write_spec(dir / "tiny.json", doc);
    // ulimit -f (1 KiB blocks) makes the disk "full" for this process's files only.
    auto r = test::run_command("bash -c 'ulimit -f 1200; exec " + std::string(SOMNUS_BINARY) + " run " + spec.string() +
                               "'");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const bool clear =
        r.output.find("cannot write") != std::string::npos || r.output.find("file-size limit") != std::string::npos;
    EXPECT_TRUE(clear) << r.output;
    EXPECT_EQ(r.output.find("Segmentation"), std::string::npos) << r.output;
    if (fs::exists(dir / "log.h5")) {  // what it wrote before the disk filled still opens
        EXPECT_FALSE(test::log_attribute(dir / "log.h5", "status").empty());
        EXPECT_FALSE(test::log_series(dir / "log.h5", "/states/wake/step").empty());
    }
    EXPECT_FALSE(fs::exists(dir / "log.h5.flushing"));
    EXPECT_FALSE(fs::exists(dir / "log.resume.pt.partial"));
}

// A real full disk: a 100 MiB tmpfs in a private mount namespace. The first
// checkpoint fits, the second does not: the run stops, the log and the previous
// checkpoint are intact, and once the disk has room the run resumes to the end.
TEST_F(Reliability, AFullDiskStopsTheRunAndItResumesOnceThereIsRoom) {
    auto dir = test::temp_dir("reliability_tmpfs");
    fs::create_directories(dir / "disk");
    if (test::run_command("unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs " + (dir / "disk").string() + "'")
            .exit_code != 0)
        GTEST_SKIP() << "cannot mount a tmpfs in a private mount namespace here (unshare -m needs CAP_SYS_ADMIN)";
    Json doc = test::tiny_spec(data_dir(), dir / "disk" / "log.h5");
    doc["schedule"]["epochs"] = 4;
    doc["record"]["plasticity"]["enabled"] = false;  // a 55 MB checkpoint: one fits in 100 MiB, two do not
    doc["eval"] = {{"linear_readout", {{"enabled", false}}},
                   {"latent_geometry", {{"enabled", false}}},
                   {"pca", {{"enabled", false}}}};
    auto spec = test::write_spec(dir / "tiny.json", doc);
    const std::string disk = (dir / "disk").string(), log = (dir / "disk" / "log.h5").string();
    const std::string script = "mount -t tmpfs -o size=100m tmpfs " + disk + " || exit 9\n" + SOMNUS_BINARY + " run " +
                               spec.string() + " > " + (dir / "first.txt").string() + " 2>&1; echo first=$?\n" + "cp " +
                               log + " " + (dir / "first.h5").string() + "\n" + "mount -o remount,size=400m " + disk +
                               "\n" + SOMNUS_BINARY + " run --resume " + log + "; echo second=$?\n" + "cp " + log +
                               " " + (dir / "final.h5").string() + "\n";
    std::ofstream(dir / "disk.sh") << script;
    auto r = test::run_command("unshare -m bash " + (dir / "disk.sh").string());
    std::ifstream first_file(dir / "first.txt");
    const std::string first((std::istreambuf_iterator<char>(first_file)), {});
    EXPECT_NE(r.output.find("first=1"), std::string::npos) << r.output << first;
    EXPECT_NE(first.find("log.resume.pt: cannot write (No space left on device, after "), std::string::npos) << first;
    EXPECT_NE(first.find("the previous file there is kept"), std::string::npos) << first;
    EXPECT_NE(first.find("once the cause is fixed, continue with: somnus run --resume " + log), std::string::npos)
        << first;
    EXPECT_EQ(first.find("Segmentation"), std::string::npos) << first;
    // The stopped run's log: its finished epochs, its status says why.
    EXPECT_EQ(test::log_attribute(dir / "first.h5", "status").rfind("failed: ", 0), 0u);
    EXPECT_FALSE(test::log_series(dir / "first.h5", "/epochs/epoch").empty());
    // Resumed with room: every epoch exactly once.
    EXPECT_NE(r.output.find("second=0"), std::string::npos) << r.output;
    EXPECT_EQ(test::log_attribute(dir / "final.h5", "status"), "finished");
    EXPECT_EQ(test::log_series(dir / "final.h5", "/epochs/epoch"), (std::vector<double>{0, 1, 2, 3}));
    std::vector<double> steps(4 * 6);  // 4 epochs of 6 mini-batches, each step once
    for (std::size_t i = 0; i < steps.size(); ++i) steps[i] = static_cast<double>(i);
    EXPECT_EQ(test::log_series(dir / "final.h5", "/states/wake/step"), steps);
}

TEST_F(Reliability, AReadOnlyFolderIsRefusedBeforeAnyWork) {
    // Permissions do not stop root: as root, run somnus as the user nobody.
    std::string as_user;
    if (geteuid() == 0) {
        if (test::run_command("setpriv --reuid=65534 --regid=65534 --clear-groups true").exit_code != 0)
            GTEST_SKIP() << "running as root without setpriv: permissions cannot be tested";
        as_user = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    }
    auto dir = test::temp_dir("reliability_read_only");
    fs::create_directories(dir / "locked");
    const auto read_and_enter = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(dir / "locked", read_and_enter);
    auto spec = test::write_spec(dir / "tiny.json", test::tiny_spec(data_dir(), dir / "locked" / "log.h5"));
    if (!as_user
             .empty()) {  // nobody must reach the binary, the spec and the data (a checkout under /root does not allow it)
        auto probe = test::run_command(as_user + SOMNUS_BINARY + " validate " + spec.string() + " && " + as_user +
                                       "head -c1 " + (data_dir() / "t10k-labels-idx1-ubyte").string());
        if (probe.exit_code != 0)
            GTEST_SKIP() << "the user nobody cannot run somnus on the test files here: " << probe.output;
    }
    auto r = test::run_command(as_user + SOMNUS_BINARY + " run " + spec.string());
    fs::permissions(dir / "locked", fs::perms::owner_all);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find((dir / "locked").string() + " is not writable"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::is_empty(dir / "locked"));
}

}  // namespace
}  // namespace somnus
