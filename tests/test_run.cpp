// End to end: the somnus binary on tiny data in the real file formats, the HDF5
// log read back with h5py, and the errors a user sees for bad input.
#include <unistd.h>

#include <sstream>
#include <utility>

#include <gtest/gtest.h>

#include "data/datasets.hpp"
#include "sim/eval/dream_content.hpp"
#include "sim/model/model.hpp"
#include "sim/record/hdf5_recorder.hpp"
#include "sim/record/status_file.hpp"
#include "sim/run/runner.hpp"
#include "tests/helpers.hpp"

using namespace somnus;
namespace fs = std::filesystem;

namespace {

class Run : public ::testing::Test {
protected:
    static fs::path data_dir() { return test::fake_fashion_dir("run", 160, 64); }
};

// Collects every loss of a run, in order.
struct LossTape : Observer {
    std::vector<double> values;
    void step_read(const StepEvent& e) override {
        for (const auto& [term, value] : e.values->losses) values.push_back(value);
    }
};

}  // namespace

TEST_F(Run, WritesAnHdf5LogThatH5pyReads) {
    auto dir = test::temp_dir("run_h5py");
    auto log = dir / "out" / "tiny.h5";  // the folder is created
    auto spec = test::write_spec(dir / "tiny.json", test::tiny_spec(data_dir(), dir / "ignored.h5"));
    // Run from a folder outside the checkout, as a user would.
    auto r = test::run_command("cd " + dir.string() + " && " + SOMNUS_BINARY + " run " + spec.string() + " --out " +
                               log.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("linear readout (trained encoder, raw latents, 2 seeds, 160 train / 64 test images)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("epoch 2/2  iter    6/6"), std::string::npos) << r.output;
    ASSERT_TRUE(fs::exists(dir / "out" / "tiny.pt"));
    // What to do next with the log, in two lines: this binary lies in the checkout's
    // build folder, off PATH, so both commands name their paths.
    EXPECT_NE(r.output.find("next: " + std::string(SOMNUS_BINARY) + " inspect " + log.string() +
                            "   (what the log holds; docs/analysis.md)\n"
                            "      PYTHONPATH=" +
                            test::source_path("analysis/python") + " /usr/bin/python3 -m somnus_analysis figures " +
                            log.string() + " figures/   (PNG figures)\n"),
              std::string::npos)
        << r.output;

    // 96 images / batch 16 = 6 iterations per epoch, 2 epochs: 12 steps per state.
    std::string check = R"PY(
import json, sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["status"] == "finished", f.attrs["status"]
assert json.loads(f.attrs["spec"])["schedule"]["batch_size"] == 16
assert f.attrs["seed"] == 3 and f.attrs["device"] == "cpu"
assert f.attrs["torch_version"] == sys.argv[2]  # the LibTorch somnus was built with
assert f.attrs["git_commit"] == sys.argv[3] and f.attrs["cuda"] == sys.argv[4]  # as `somnus --version` says
for state in ("wake", "nrem", "rem"):
    step = f["states/%s/step" % state][:]
    assert step.dtype == np.int64 and list(step) == list(range(12)), step
    assert list(f["states/%s/epoch" % state][:]) == [0] * 6 + [1] * 6
for term in ("kl", "real", "reconstruction"):
    x = f["states/wake/losses/" + term][:]
    assert x.shape == (12,) and np.all(np.isfinite(x)), term
assert f["states/wake/losses/reconstruction"].attrs["unit"] == "1"
assert np.all(f["states/rem/conductor/feedback_sign"][:] == -1.0)
tile = f["states/nrem/observables/occlusion_tile"][:]
assert tile.shape == (12,) and tile.min() >= 1 and tile.max() <= 8
assert f["states/nrem/observables/occlusion_tile"].attrs["unit"] == "px"
assert np.all(f["states/nrem/conductor/discriminator_gate"][:] == 0.0)
assert np.all(f["states/wake/neuromodulators/na"][:] == 1.0)
assert f["states/rem/neuromodulators/ach"].attrs["unit"] == "fraction of maximum"
assert list(f["epochs/epoch"][:]) == [0, 1]
acc = f["eval/linear_readout/test_accuracy"][:]
assert acc.shape == (2, 2), acc.shape
assert np.all((acc >= 0) & (acc <= 1))
assert f["eval"].attrs["encoder"] == "trained"
print("h5py ok", acc[:, -1])
)PY";
    std::ofstream(dir / "check.py") << check;
    // `somnus --version`: "somnus V", "git commit C", "LibTorch T", "CUDA ..."; the log records the same.
    auto version = test::somnus("--version");
    ASSERT_EQ(version.exit_code, 0) << version.output;
    std::istringstream lines(version.output);
    std::string name, commit, torch, cuda;
    std::getline(lines, name);
    std::getline(lines, commit);
    std::getline(lines, torch);
    std::getline(lines, cuda);
    EXPECT_EQ(name, std::string("somnus ") + SOMNUS_VERSION);
    ASSERT_EQ(commit.rfind("git commit ", 0), 0u) << version.output;
    EXPECT_EQ(torch, std::string("LibTorch ") + TORCH_VERSION);
    ASSERT_EQ(cuda.rfind("CUDA ", 0), 0u) << version.output;
    auto py = test::run_command(test::python() + " " + (dir / "check.py").string() + " " + log.string() + " " +
                                TORCH_VERSION + " '" + commit.substr(11) + "' '" + cuda.substr(5) + "'");
    EXPECT_EQ(py.exit_code, 0) << py.output;
    EXPECT_NE(py.output.find("h5py ok"), std::string::npos) << py.output;

    auto summary = test::somnus("table " + log.string() + " " + log.string());
    EXPECT_EQ(summary.exit_code, 0) << summary.output;
    EXPECT_NE(summary.output.find("| tiny       | 2    |"), std::string::npos) << summary.output;
}

TEST_F(Run, SameSeedSameLosses) {
    auto dir = test::temp_dir("run_determinism");
    Json doc = test::tiny_spec(data_dir(), dir / "a.h5");
    doc["schedule"]["epochs"] = 1;
    doc["eval"]["linear_readout"]["enabled"] = false;
    doc["record"]["checkpoint"] = false;
    ExperimentSpec spec = parse_spec(doc);
    LossTape first, second;
    Runner a(spec);
    a.attach(first);
    a.run();
    Runner b(spec);
    b.attach(second);
    b.run();
    ASSERT_EQ(first.values.size(), 6u * (3 + 1 + 1));  // wake kl/real/reconstruction, nrem, rem
    EXPECT_EQ(first.values, second.values);
    // The first Wake step: KL and BCE of an untrained encoder, reconstruction of noisy images.
    EXPECT_GT(first.values[0], 0.0);
    EXPECT_NEAR(first.values[1], std::log(2.0), 0.05);  // d ~ 0.5 at init: BCE(d, 1) ~ ln 2
    EXPECT_GT(first.values[2], 0.1);

    doc["seed"] = 4;
    LossTape third;
    Runner c(parse_spec(doc));
    c.attach(third);
    c.run();
    EXPECT_NE(first.values, third.values);
}

// The runner says when an evaluation begins: the status file shows "evaluating"
// while it runs, and only then.
TEST_F(Run, TheStatusFileSaysEvaluatingWhileTheEncoderIsEvaluated) {
    auto dir = test::temp_dir("run_evaluation_events");
    Json doc = test::tiny_spec(data_dir(), dir / "a.h5");
    doc["eval"]["epochs"] = {0};
    doc["eval"]["linear_readout"]["seeds"] = {0};
    doc["record"]["checkpoint"] = false;
    const ExperimentSpec spec = parse_spec(doc);
    struct Events : Observer {
        std::string status_path;
        std::vector<std::string> seen;
        std::string status() const {
            auto s = read_status_file(status_path);
            return s && s->evaluating ? " (status: evaluating)" : " (status: training)";
        }
        void epoch_done(const EpochEvent& e) override { seen.push_back("epoch " + std::to_string(e.epoch) + status()); }
        void evaluation_starting() override { seen.push_back("evaluation starts" + status()); }
        void evaluation_done(const EvaluationReport& r) override {
            seen.push_back("evaluated after " + std::to_string(r.trained_epochs) + " epochs");
        }
    } events;
    events.status_path = status_path_for(spec.record.path);
    Runner runner(spec);
    StatusFileWriter status_file(spec.record.path);  // notified first
    runner.attach(status_file);
    runner.attach(events);
    runner.run();
    EXPECT_EQ(events.seen,
              (std::vector<std::string>{"epoch 0 (status: training)", "evaluation starts (status: evaluating)",
                                        "evaluated after 1 epochs", "epoch 1 (status: training)",
                                        "evaluation starts (status: evaluating)", "evaluated after 2 epochs"}));
    const auto last = read_status_file(events.status_path);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->status.kind, RunStatus::finished);
    EXPECT_FALSE(last->evaluating);
}

TEST_F(Run, UntrainedEncoderEvaluation) {
    auto dir = test::temp_dir("run_eval");
    auto spec = test::write_spec(dir / "tiny.json", test::tiny_spec(data_dir(), dir / "x.h5"));
    auto r =
        test::somnus("eval " + spec.string() + " --untrained --set eval.linear_readout.features=standardized --out " +
                     (dir / "eval.h5").string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("linear readout (untrained encoder, standardized latents"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::exists(dir / "eval.h5"));
    auto missing = test::somnus("eval " + spec.string());
    EXPECT_EQ(missing.exit_code, 2) << missing.output;
}

TEST_F(Run, ValidateAndGraphCommands) {
    auto ok = test::somnus("validate " + test::source_path("experiments/pad.json"));
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("ok (5 modules, 7 pathways, cycle wake -> nrem -> rem"), std::string::npos) << ok.output;
    auto dot = test::somnus("graph " + test::source_path("experiments/pad.json"));
    EXPECT_EQ(dot.exit_code, 0);
    EXPECT_NE(dot.output.find("digraph"), std::string::npos);
    auto usage = test::somnus("frobnicate");
    EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

TEST_F(Run, SpecErrorsExitWithTwoAndNameThePointer) {
    auto r = test::somnus("validate " + test::source_path("experiments/pad.json") + " --set schedule.epocs=3");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("spec error at /schedule/epocs: unknown key \"epocs\"; did you mean \"epochs\"?"),
              std::string::npos)
        << r.output;
    auto run = test::somnus("run " + test::source_path("experiments/pad.json") + " --set states.nrem.max_tile=0");
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.output.find("/states/nrem/max_tile"), std::string::npos) << run.output;
}

TEST_F(Run, CudaOnAMachineWithoutOneIsAClearErrorAndWritesNothing) {
    if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has a CUDA GPU";
    auto dir = test::temp_dir("run_no_cuda");
    auto log = dir / "pad.h5";
    auto r = test::somnus("run " + test::source_path("experiments/pad.json") + " --device cuda --out " + log.string());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("device \"cuda\" requested, but this LibTorch build sees no CUDA GPU"), std::string::npos)
        << r.output;
    EXPECT_FALSE(std::filesystem::exists(log));
    auto spec = test::somnus("validate " + test::source_path("experiments/pad.json") + " --set device=cuda:x");
    EXPECT_EQ(spec.exit_code, 2) << spec.output;
}

TEST_F(Run, MissingTruncatedDataAndUnwritableLogAreRuntimeErrors) {
    auto dir = test::temp_dir("run_bad_input");
    auto spec = test::write_spec(dir / "tiny.json", test::tiny_spec(dir / "no_such_folder", dir / "log.h5"));
    auto missing = test::somnus("run " + spec.string());
    EXPECT_EQ(missing.exit_code, 1) << missing.output;
    EXPECT_NE(missing.output.find("no_such_folder/train-images-idx3-ubyte(.gz): file not found"), std::string::npos)
        << missing.output;
    EXPECT_NE(missing.output.find("dataset-fashion-mnist"), std::string::npos);
    auto validate = test::somnus("validate " + spec.string());  // validate looks for the data too
    EXPECT_EQ(validate.exit_code, 1) << validate.output;
    EXPECT_NE(validate.output.find("no_such_folder/train-images-idx3-ubyte(.gz): file not found"), std::string::npos);

    // Truncate the training labels (gzip) to half.
    fs::path broken = dir / "broken";
    fs::create_directories(broken);
    test::write_fake_fashion(broken, 160, 64);
    auto labels = test::idx_bytes({160}, std::vector<std::uint8_t>(80, 1));
    test::write_file(broken / "train-labels-idx1-ubyte.gz", labels, true);
    spec = test::write_spec(dir / "broken.json", test::tiny_spec(broken, dir / "log2.h5"));
    auto truncated = test::somnus("run " + spec.string());
    EXPECT_EQ(truncated.exit_code, 1) << truncated.output;
    EXPECT_NE(truncated.output.find(
                  "train-labels-idx1-ubyte.gz: truncated file: the data ends at byte 88, expected 168 bytes"),
              std::string::npos)
        << truncated.output;

    spec = test::write_spec(dir / "tiny2.json", test::tiny_spec(data_dir(), "/proc/somnus/log.h5"));
    auto unwritable = test::somnus("run " + spec.string());
    EXPECT_EQ(unwritable.exit_code, 1) << unwritable.output;
    EXPECT_NE(unwritable.output.find("/proc/somnus/log.h5: cannot create the folder /proc/somnus"), std::string::npos)
        << unwritable.output;
    // Runs that fail on their data leave no log behind.
    EXPECT_FALSE(fs::exists(dir / "log.h5"));
    EXPECT_FALSE(fs::exists(dir / "log2.h5"));
}

TEST_F(Run, InterruptKeepsFinishedEpochs) {
    auto dir = test::temp_dir("run_interrupt");
    Json doc = test::tiny_spec(data_dir(), dir / "log.h5");
    doc["schedule"]["epochs"] = 200;
    doc["data"]["train_subset"] = 32;  // 2 iterations per epoch
    auto spec = test::write_spec(dir / "long.json", doc);
    // Interrupt once two epochs are done, as Ctrl-C would.
    auto out = dir / "out.txt";
    std::string script = std::string(SOMNUS_BINARY) + " run " + spec.string() + " > " + out.string() +
                         " 2>&1 & pid=$!; for i in $(seq 1200); do grep -q 'epoch 2 done' " + out.string() +
                         " && break; sleep 0.1; done; kill -INT $pid; wait $pid; echo exit=$?; cat " + out.string();
    std::ofstream(dir / "interrupt.sh") << script << "\n";
    auto r = test::run_command("bash " + (dir / "interrupt.sh").string());
    EXPECT_NE(r.output.find("exit=1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("run interrupted; the log keeps every step so far; continue it with: somnus run --resume"),
              std::string::npos)
        << r.output;
    auto py = test::run_command(test::python() +
                                " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                                "n=len(f['epochs/epoch']); assert f.attrs['status']=='interrupted'; "
                                "assert n >= 2 and len(f['states/wake/step']) >= 2*n; print('epochs', n)\" " +
                                (dir / "log.h5").string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
}

TEST_F(Run, ReadoutUnderOcclusion) {
    auto dir = test::temp_dir("run_occlusion");
    Json doc = test::tiny_spec(data_dir(), dir / "x.h5");
    doc["eval"]["linear_readout"]["occlusion_levels"] = Json::parse("[0.0, 0.5, 1.0]");
    Runner runner(parse_spec(doc));
    EvaluationReport e = runner.evaluate("");  // untrained encoder
    ASSERT_TRUE(e.readout);
    const ReadoutReport& r = *e.readout;
    ASSERT_EQ(r.occlusion_levels.size(), 3u);
    EXPECT_EQ(r.occlusion_tile, 4);
    for (const auto& s : r.seeds) {
        ASSERT_EQ(s.occluded_accuracy.size(), 3u);
        EXPECT_DOUBLE_EQ(s.occluded_accuracy[0], s.last());  // nothing dropped: the clean test accuracy
        // Everything dropped: every image is uniform grey, one latent, one predicted class: 1 in 10 of the balanced labels.
        EXPECT_NEAR(s.occluded_accuracy[2], 0.1, 0.02);
    }
    doc["eval"]["linear_readout"]["occlusion_levels"] = Json::parse("[0.5, 1.5]");
    try {
        parse_spec(doc);
        ADD_FAILURE() << "a level above 1 must be rejected";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/eval/linear_readout/occlusion_levels/1");
    }
}

TEST_F(Run, ReadoutUnderPerturbationsAndTheKnnReadoutAreLoggedReadAndTabled) {
    auto dir = test::temp_dir("run_perturbed");
    Json doc = test::tiny_spec(data_dir(), dir / "x.h5");
    doc["eval"]["linear_readout"]["noise_sigmas"] = Json::parse("[0.0, 0.5]");
    doc["eval"]["linear_readout"]["blur_sigmas"] = Json::parse("[1.0]");
    doc["eval"]["linear_readout"]["shift_pixels"] = Json::parse("[0, 3]");
    doc["eval"]["knn_readout"] = Json::parse(R"({"enabled": true, "k": [1, 3], "train_images": 0})");
    EvaluationReport e = Runner(parse_spec(doc)).evaluate("");  // untrained encoder
    ASSERT_TRUE(e.readout && e.knn);
    const ReadoutReport& r = *e.readout;
    ASSERT_EQ(r.perturbed.size(), 3u);
    EXPECT_EQ(r.perturbed[0].name, "noise");
    EXPECT_EQ(r.perturbed[1].name, "blur");
    EXPECT_EQ(r.perturbed[2].name, "shift");
    EXPECT_EQ(r.perturbed[2].levels, (std::vector<double>{0, 3}));
    for (std::size_t s = 0; s < r.seeds.size(); ++s) {
        // No noise and no shift: the clean test images, the clean accuracy.
        EXPECT_DOUBLE_EQ(r.perturbed[0].accuracy[s][0], r.seeds[s].last());
        EXPECT_DOUBLE_EQ(r.perturbed[2].accuracy[s][0], r.seeds[s].last());
        EXPECT_EQ(r.perturbed[1].accuracy[s].size(), 1u);
    }
    EXPECT_EQ(e.knn->k, (std::vector<std::int64_t>{1, 3}));
    ASSERT_EQ(e.knn->accuracy.size(), 2u);
    for (double a : e.knn->accuracy) EXPECT_TRUE(a >= 0 && a <= 1) << a;

    // The log, read back by h5py, and the table.
    const auto spec = test::write_spec(dir / "perturbed.json", doc);
    auto run = test::somnus("run " + spec.string() + " --out " + (dir / "x.h5").string());
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("under Gaussian blur (last-epoch classifier):"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("k-nearest-neighbour readout (standardized latents"), std::string::npos) << run.output;
    auto py = test::run_command(test::python() + " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); e=f['eval']; "
                                "assert list(e['knn_readout/k'][:]) == [1, 3]; assert e['knn_readout/accuracy'].shape == (2,); "
                                "assert e['linear_readout/perturbed/noise/accuracy'].shape == (2, 2); "
                                "assert list(e['linear_readout/perturbed/shift/levels'][:]) == [0, 3]; "
                                "assert e['linear_readout/perturbed/blur/levels'].attrs['unit'] == 'pixels'; "
                                "assert e['linear_readout/perturbed/noise/levels'].attrs['unit'] == 'pixel intensity'; print('ok')\" " +
                                (dir / "x.h5").string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
    auto table = test::somnus("table " + (dir / "x.h5").string());
    ASSERT_EQ(table.exit_code, 0) << table.output;
    for (const char* heading : {"noise σ 0.5 %", "blur σ 1 px %", "shift 3 px %", "kNN k=1 %", "kNN k=3 %"})
        EXPECT_NE(table.output.find(heading), std::string::npos) << heading << "\n" << table.output;

    doc["eval"]["knn_readout"]["train_images"] = 2;
    try {
        parse_spec(doc);
        ADD_FAILURE() << "k above the training images must be rejected";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/eval/knn_readout/k/1");
        EXPECT_EQ(e.message(), "k = 3 neighbours, but the readout has 2 training images (train_images)");
    }
}

TEST_F(Run, AConvergedReadoutHoldsOutAValidationSplitAndReportsItsBestEpoch) {
    auto dir = test::temp_dir("run_converged");
    Json doc = test::tiny_spec(data_dir(), dir / "x.h5");
    doc["schedule"]["epochs"] = 0;  // the initialised areas: the readout alone is under test
    doc["eval"]["linear_readout"] = Json::parse(
        R"({"epochs": 60, "batch_size": 16, "seeds": [0, 1], "features": "standardized", "validation_images": 48,
            "patience": 3, "occlusion_levels": [0.5]})");
    EvaluationReport e = Runner(parse_spec(doc)).evaluate("");
    ASSERT_TRUE(e.readout);
    const ReadoutReport& r = *e.readout;
    EXPECT_EQ(r.train_images, 160);
    EXPECT_EQ(r.validation_images, 48);
    for (const ReadoutSeed& s : r.seeds) {
        ASSERT_TRUE(s.validated());
        const auto epochs = std::int64_t(s.test_accuracy.size());
        EXPECT_LE(epochs, 60);
        // Stopped by patience: 3 epochs after its best; the record ends there.
        if (s.stopped_epoch >= 0) {
            EXPECT_EQ(s.stopped_epoch - s.best_epoch, 3);
            EXPECT_EQ(std::int64_t(s.validation_loss.size()), s.stopped_epoch + 1);
        }
        // No later epoch lowered its loss by more than min_improvement (1e-4 nats).
        for (std::size_t i = std::size_t(s.best_epoch) + 1; i < s.validation_loss.size(); ++i)
            EXPECT_GE(s.validation_loss[i], s.validation_loss[std::size_t(s.best_epoch)] - 1e-4) << i;
        EXPECT_DOUBLE_EQ(s.reported(), s.test_accuracy[std::size_t(s.best_epoch)]);
    }

    // The log: the validation record beside the per-epoch curves; the table's column; the progress line.
    auto run = test::somnus("run " + test::write_spec(dir / "converged.json", doc).string());
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("  test accuracy, best validation epoch: "), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("under occlusion (4x4 squares, validated classifier):"), std::string::npos) << run.output;
    auto py = test::run_command(
        test::python() +
        " -c \"import h5py,sys,numpy as np; r=h5py.File(sys.argv[1])['eval/linear_readout']; "
        "c=r['test_accuracy'][()]; b=r['best_epoch'][()].astype(int); v=r['validation_loss'][()]; "
        "assert c.shape == v.shape and c.shape[0] == 2; "
        "assert np.array_equal(r['validated_accuracy'][()], c[[0, 1], b]); "
        "assert all(np.nanmin(v[i, b[i]:]) >= v[i, b[i]] - 1e-4 for i in range(2)); "
        "assert r.attrs['validation_images'] == 48 and r.attrs['patience'] == 3; "
        "assert r['validation_loss'].attrs['unit'] == 'nats'; print('ok')\" " +
        (dir / "x.h5").string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
    auto table = test::somnus("table " + (dir / "x.h5").string());
    EXPECT_NE(table.output.find("readout converged %"), std::string::npos) << table.output;

    // A held-out split that leaves less than one mini-batch to train on.
    doc["eval"]["linear_readout"]["train_images"] = 60;
    try {
        parse_spec(doc);
        ADD_FAILURE() << "a validation split leaving less than a mini-batch must be rejected";
    } catch (const SpecError& err) {
        EXPECT_EQ(err.pointer(), "/eval/linear_readout/validation_images");
        EXPECT_EQ(err.message(),
                  "holding out 48 of the 60 training images (train_images) leaves fewer than one mini-batch of 16 to "
                  "train on");
    }
}

TEST_F(Run, GeneratedImagesAreJudgedByAFixedClassifierThatChangesNothingInTraining) {
    auto dir = test::temp_dir("run_generated");
    Json doc = test::tiny_spec(data_dir(), dir / "plain.h5");
    const auto plain_spec = test::write_spec(dir / "plain.json", doc);
    // The classifier, trained by the subcommand on the spec's data.
    auto trained = test::somnus("train-classifier " + plain_spec.string() + " --epochs 1 --out " + (dir / "c.pt").string());
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    EXPECT_NE(trained.output.find("epoch 1: test accuracy"), std::string::npos) << trained.output;
    auto again = test::somnus("train-classifier " + plain_spec.string() + " --out " + (dir / "c.pt").string());
    EXPECT_EQ(again.exit_code, 2);
    EXPECT_NE(again.output.find("exists; give --overwrite to replace it"), std::string::npos) << again.output;

    doc["eval"]["generated_images"] =
        Json{{"enabled", true}, {"classifier", (dir / "c.pt").string()}, {"images", 40}, {"samples", 30}};
    doc["record"]["path"] = (dir / "judged.h5").string();
    const auto judged_spec = test::write_spec(dir / "judged.json", doc);
    auto plain = test::somnus("run " + plain_spec.string());
    auto judged = test::somnus("run " + judged_spec.string());
    ASSERT_EQ(plain.exit_code, 0) << plain.output;
    ASSERT_EQ(judged.exit_code, 0) << judged.output;
    EXPECT_NE(judged.output.find("reconstructions that keep the class:"), std::string::npos) << judged.output;
    // The same training with the evaluation on or off; its values in the log, where h5py reads them.
    auto py = test::run_command(test::python() + " -c \"import h5py,sys,numpy as np; a=h5py.File(sys.argv[1]); b=h5py.File(sys.argv[2]); "
                                "[np.testing.assert_array_equal(a['states/'+s+'/losses/'+k][()], b['states/'+s+'/losses/'+k][()]) "
                                "for s in a['states'] for k in a['states/'+s+'/losses']]; "
                                "g=b['eval/generated_images'].attrs; assert g['images'] == 40 and g['samples'] == 30; "
                                "assert 0 <= g['reconstruction_class_kept'] <= 1 and g['fid_floor'] >= 0 and g['fid_samples'] > 0; "
                                "assert b['eval/generated_images/sample_class_counts'][()].sum() == 30; print('ok')\" " +
                                (dir / "plain.h5").string() + " " + (dir / "judged.h5").string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
    auto table = test::somnus("table " + (dir / "judged.h5").string());
    for (const char* heading : {"reconstruction MSE", "class kept %", "FID reconstructions", "FID samples", "FID floor"})
        EXPECT_NE(table.output.find(heading), std::string::npos) << heading << "\n" << table.output;

    // The same judgement of a run whose data are normalised otherwise (through pixel intensities).
    doc["data"]["mean"] = 0.0;
    doc["data"]["std"] = 1.0;
    doc["record"]["path"] = (dir / "unit.h5").string();
    auto unit = test::somnus("run " + test::write_spec(dir / "unit.json", doc).string());
    EXPECT_EQ(unit.exit_code, 0) << unit.output;
    // A classifier of other data is refused before training; a missing one at its key.
    doc["data"]["dataset"] = "mnist";  // the same fake files, named as another data set
    doc["record"]["path"] = (dir / "other.h5").string();
    auto other = test::somnus("run " + test::write_spec(dir / "other.json", doc).string());
    EXPECT_EQ(other.exit_code, 2);
    EXPECT_NE(other.output.find((dir / "c.pt").string() + ": an image classifier of fashion-mnist, but the spec's data are mnist; train one for them"),
              std::string::npos)
        << other.output;
    EXPECT_FALSE(fs::exists(dir / "other.h5"));
    doc["eval"]["generated_images"]["classifier"] = (dir / "none.pt").string();
    try {
        parse_spec(doc);
        ADD_FAILURE() << "a missing classifier file must be a spec error";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/eval/generated_images/classifier");
    }
    // The shipped classifier, named as the default names it, is found from any working directory.
    doc["eval"]["generated_images"].erase("classifier");
    doc["data"]["dataset"] = "fashion-mnist";
    const fs::path here = fs::current_path();
    fs::current_path(dir);
    std::string found;
    try {
        found = parse_spec(doc).eval.generated_images.classifier;
    } catch (const SpecError& e) {
        ADD_FAILURE() << e.what();
    }
    fs::current_path(here);
    EXPECT_TRUE(fs::is_regular_file(found)) << found;
    EXPECT_EQ(fs::path(found).filename(), "fashion-mnist.pt");
}

namespace {
struct EvaluationTape : Observer {
    std::vector<EvaluationReport> reports;
    void evaluation_done(const EvaluationReport& e) override { reports.push_back(e); }
};

// A run of `doc` with its losses and evaluations taped, and its log written when `logged`.
struct TapedRun {
    LossTape losses;
    EvaluationTape evaluations;
    RunResult result;
};
std::unique_ptr<TapedRun> run_taped(const Json& doc, bool logged) {
    auto taped = std::make_unique<TapedRun>();
    const ExperimentSpec spec = parse_spec(doc);
    Runner runner(spec);
    runner.attach(taped->losses);
    runner.attach(taped->evaluations);
    std::optional<Hdf5Recorder> recorder;
    if (logged) runner.attach(recorder.emplace(spec.record.path));
    taped->result = runner.run();
    return taped;
}
}  // namespace

// Reading the steps' losses to the host in windows, as a GPU run does, changes no
// value and no row of the log: the same losses in the same order, and every
// dataset bit for bit, as reading each step as it ends (the CPU's default).
TEST_F(Run, ReadingTheLossesInWindowsChangesNoValue) {
    auto dir = test::temp_dir("run_read_windows");
    Json doc = test::tiny_spec(data_dir(), dir / "each.h5");
    doc["eval"]["linear_readout"]["enabled"] = false;
    doc["record"]["checkpoint"] = false;
    doc["record"]["read_every"] = 1;
    auto each = run_taped(doc, true);
    doc["record"]["path"] = (dir / "windows.h5").string();
    doc["record"]["read_every"] = 4;        // 6 mini-batches an epoch: windows of 4, then 2 at the epoch's end
    doc["record"]["progress_every"] = 3;    // progress lines inside a window
    doc["record"]["checkpoint_every"] = 5;  // a resumable checkpoint inside a window reads the window first
    // When the steps reach the observers: how many were read before each mini-batch's iteration_done.
    struct ReadPattern : Observer {
        int unseen = 0;
        std::vector<int> per_iteration;
        void step_read(const StepEvent&) override { ++unseen; }
        void iteration_done(const StepClock&) override { per_iteration.push_back(std::exchange(unseen, 0)); }
    } pattern;
    const ExperimentSpec windowed = parse_spec(doc);
    Runner runner(windowed);
    LossTape tape;
    Hdf5Recorder recorder(windowed.record.path);
    runner.attach(tape);
    runner.attach(pattern);
    runner.attach(recorder);
    runner.run();
    // Windows of 4 mini-batches x 3 states; the checkpoint after step 4 reads the
    // 5th mini-batch early, so the epoch's end reads 6 steps; in epoch 1 the
    // checkpoint after step 9 falls on a window's end.
    EXPECT_EQ(pattern.per_iteration, (std::vector<int>{0, 0, 0, 12, 0, 6, 0, 0, 0, 12, 0, 6}));
    ASSERT_EQ(each->losses.values.size(), 2u * 6u * 5u);  // 2 epochs x 6 mini-batches x (3 + 1 + 1) terms
    EXPECT_EQ(each->losses.values, tape.values);

    const std::string compare = R"PY(
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
def datasets(f):
    names = []
    f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return names
names = datasets(a)
assert names == datasets(b), set(names) ^ set(datasets(b))
clocked = ("/time", "/seconds", "wall_seconds", "images_per_second")
compared = [n for n in names if not n.endswith(clocked)]
for n in compared:
    x, y = a[n][()], b[n][()]
    same = np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
    assert x.shape == y.shape and same, n
assert "states/rem/hippocampus/replayed_salience" in compared and "states/wake/plasticity/feedforward_gradient_norm" in compared
print("datasets alike:", len(compared))
)PY";
    std::ofstream(dir / "compare.py") << compare;
    auto py = test::run_command(test::python() + " " + (dir / "compare.py").string() + " " +
                                (dir / "each.h5").string() + " " + (dir / "windows.h5").string());
    EXPECT_EQ(py.exit_code, 0) << py.output;
}

TEST_F(Run, EvaluatesAtChosenEpochsWithoutChangingTheTraining) {
    auto dir = test::temp_dir("run_eval_epochs");
    Json doc = test::tiny_spec(data_dir(), dir / "a.h5");
    doc["schedule"]["epochs"] = 3;
    auto plain = run_taped(doc, false);
    const auto& plain_losses = plain->losses;
    const RunResult& plain_result = plain->result;

    doc["eval"]["epochs"] = "all";
    doc["eval"]["initial"] = true;
    doc["record"]["path"] = (dir / "b.h5").string();
    auto taped = run_taped(doc, true);
    const auto& losses = taped->losses;
    const auto& evaluations = taped->evaluations;
    const RunResult& result = taped->result;
    // Evaluating in between (the readout reseeds LibTorch) leaves the training stream as it was.
    EXPECT_EQ(losses.values, plain_losses.values);
    ASSERT_EQ(evaluations.reports.size(), 4u);  // before training, after epochs 1 and 2, and at the end
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(evaluations.reports[i].trained_epochs, std::int64_t(i));
        EXPECT_EQ(evaluations.reports[i].final, i == 3);
    }
    EXPECT_EQ(evaluations.reports[0].encoder, "untrained");
    ASSERT_TRUE(result.evaluation && plain_result.evaluation);
    EXPECT_EQ(result.evaluation->readout->seeds[0].test_accuracy,
              plain_result.evaluation->readout->seeds[0].test_accuracy);

    const LatentGeometry& g = *result.evaluation->geometry;
    EXPECT_EQ(g.intra_class.size(), 10u);
    EXPECT_GT(g.inter, 0.0);
    EXPECT_GT(g.intra_inter_ratio(), 0.0);
    EXPECT_LT(g.intra_inter_ratio(), 1.5);
    EXPECT_GT(g.clean_occluded, 0.0);  // 30 % of the squares dropped changes the latent
    const LatentPca& pca = *result.evaluation->pca;
    EXPECT_EQ(pca.images, 64);  // the whole (tiny) test set
    EXPECT_EQ(pca.projection.size(), 128u);
    EXPECT_GE(pca.explained_variance[0], pca.explained_variance[1]);
    double total = 0;
    for (double v : pca.explained_variance) total += v;
    EXPECT_LE(total, 1.0 + 1e-9);

    auto py = test::run_command(test::python() +
                                " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                                "assert f['eval'].attrs['trained_epochs']==3; "
                                "assert f['eval/epoch_001'].attrs['trained_epochs']==1; "
                                "assert f['eval/epoch_000/linear_readout/last_epoch_accuracy'].shape==(2,); "
                                "g=f['eval/latent_geometry']; r=g.attrs['intra_inter_ratio']; "
                                "assert abs(r-g.attrs['intra_class_distance']/g.attrs['inter_class_distance'])<1e-12; "
                                "assert f['eval/pca/projection'].shape==(64,2); print('eval ok')\" " +
                                (dir / "b.h5").string());
    EXPECT_NE(py.output.find("eval ok"), std::string::npos) << py.output;
}

TEST_F(Run, DreamContentClassifiesEachStatesLastDreamsWithoutChangingTheTraining) {
    auto dir = test::temp_dir("run_dream_content");
    Json doc = test::tiny_spec(data_dir(), dir / "a.h5");
    doc["eval"]["epochs"] = Json::parse("[0]");
    auto plain = run_taped(doc, false);

    doc["eval"]["dream_content"] = Json::parse(R"({"enabled": true, "images": 4, "test_images": 40})");
    doc["record"]["path"] = (dir / "b.h5").string();
    auto taped = run_taped(doc, true);
    const auto& evaluations = taped->evaluations;
    EXPECT_EQ(taped->losses.values, plain->losses.values);  // the evaluation observes the dreams, never changes them
    ASSERT_EQ(evaluations.reports.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        ASSERT_TRUE(evaluations.reports[i].dream_content);
        const DreamContent& c = *evaluations.reports[i].dream_content;
        ASSERT_EQ(c.states.size(), 2u);  // wake does not dream
        EXPECT_EQ(c.states[0].state, "nrem");
        EXPECT_EQ(c.states[1].state, "rem");
        for (const auto& d : c.states) {
            EXPECT_EQ(d.step, i == 0 ? 5 : 11);  // the last step before the evaluation: 6 mini-batches per epoch
            EXPECT_EQ(d.predicted_class.size(), 16u);
            EXPECT_EQ(d.nearest_memory.size(), 16u);
            EXPECT_EQ(d.nearest_training.size(), 16u);
            EXPECT_EQ(d.image_shape, (std::vector<std::int64_t>{4, 1, 32, 32}));
            for (std::size_t k = 0; k < 16; ++k) {
                EXPECT_TRUE(d.predicted_class[k] >= 0 && d.predicted_class[k] < 10);
                EXPECT_TRUE(d.confidence[k] >= 0.1 && d.confidence[k] <= 1.0) << d.confidence[k];
                EXPECT_GE(d.nearest_training[k], 0.0);
            }
        }
        EXPECT_EQ(c.memory_class.size(), 32u);  // the store: two episodes of 16
        EXPECT_EQ(c.test_nearest_training.size(), 40u);
        EXPECT_EQ(c.training_images, 160);
    }
    auto py = test::run_command(test::python() +
                                " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                                "g=f['eval/epoch_001/dream_content']; "
                                "assert g['rem/predicted_class'].shape==(16,) and g['rem/images'].shape==(4,1,32,32); "
                                "assert g['nrem'].attrs['step']==5 and g['memory_class'].shape==(32,); "
                                "assert g['test_images/nearest_training_distance'].shape==(40,); "
                                "assert f['eval/dream_content/rem'].attrs['step']==11; print('dreams ok')\" " +
                                (dir / "b.h5").string());
    EXPECT_NE(py.output.find("dreams ok"), std::string::npos) << py.output;

    // Dream content is classified by the readout: without one the spec says so.
    doc["eval"]["linear_readout"]["enabled"] = false;
    try {
        parse_spec(doc);
        ADD_FAILURE() << "dream content without a readout must be rejected";
    } catch (const SpecError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "spec error at /eval/dream_content/enabled: dream content is classified by the linear "
                  "readout's classifier: enable eval.linear_readout too");
    }
    doc["eval"]["linear_readout"]["enabled"] = true;
    doc["eval"]["dream_content"]["states"] = Json::parse(R"(["rem", "REM"])");
    try {
        parse_spec(doc);
        ADD_FAILURE() << "an unknown state must be rejected";
    } catch (const SpecError& e) {
        EXPECT_EQ(e.pointer(), "/eval/dream_content/states/1");
    }
}

TEST_F(Run, DreamContentMeasuresDistancesInTheReadoutsLatentSpace) {
    Json doc = test::tiny_spec(data_dir(), test::temp_dir("run_dream_distances") / "x.h5");
    const ExperimentSpec spec = parse_spec(doc);
    const torch::Device device = test::device();
    Model model(spec, device);
    ImageSet train = load_images(spec.data, /*train=*/true), test_set = load_images(spec.data, /*train=*/false);
    TrainedReadout readout;
    linear_readout(*model.encoder, train, test_set, spec.eval.linear_readout, spec.data.std, device, &readout);
    ASSERT_TRUE(readout.classifier);
    EXPECT_EQ(readout.seed, 0);
    EXPECT_EQ(readout.train_latents.size(0), 160);

    // "Dreams" that are training images 0..7, memories that are the latents of images 8..15.
    auto dreams = train.images.slice(0, 0, 8).to(device);
    auto memories = encode_latents(*model.encoder, train.images.slice(0, 8, 16), device);
    DreamContentSpec dc;
    dc.images = 2;
    dc.test_images = 10;
    DreamContent c = dream_content(*model.encoder, readout, {{"copies", 42, dreams}}, memories,
                                   encode_latents(*model.encoder, test_set.images, device), dc, device);
    ASSERT_EQ(c.states.size(), 1u);
    const auto& d = c.states[0];
    EXPECT_EQ(d.state, "copies");
    EXPECT_EQ(d.step, 42);
    auto expected = readout.logits(encode_latents(*model.encoder, dreams, device)).argmax(1).cpu();
    for (std::int64_t k = 0; k < 8; ++k) {
        EXPECT_EQ(d.predicted_class[std::size_t(k)], expected[k].item<std::int64_t>());
        EXPECT_NEAR(d.nearest_training[std::size_t(k)], 0.0, 1e-3);  // each is a training image itself
        EXPECT_GT(d.nearest_memory[std::size_t(k)], 1e-3);           // and none of the memories
    }
    EXPECT_EQ(d.image_shape, (std::vector<std::int64_t>{2, 1, 32, 32}));
    EXPECT_EQ(c.memory_class.size(), 8u);
    EXPECT_EQ(c.test_nearest_training.size(), 10u);

    // nearest_distance on numbers worked by hand: (0,0) and (3,4) against (0,1), (6,8).
    auto q = torch::tensor({0.0, 0.0, 3.0, 4.0}).view({2, 2});
    auto r = torch::tensor({0.0, 1.0, 6.0, 8.0}).view({2, 2});
    auto nd = nearest_distance(q, r);
    EXPECT_NEAR(nd[0].item<double>(), 1.0, 1e-12);
    EXPECT_NEAR(nd[1].item<double>(), std::sqrt(9.0 + 9.0), 1e-12);  // (3,4) to (0,1)
}

TEST_F(Run, UntrainedSpecEvaluatesTheInitialisedModel) {
    auto dir = test::temp_dir("run_untrained");
    Json doc = test::tiny_spec(data_dir(), dir / "u.h5");
    doc["schedule"]["epochs"] = 0;
    Runner runner(parse_spec(doc));
    RunResult result = runner.run();
    EXPECT_EQ(result.status.text(), "finished");
    ASSERT_TRUE(result.evaluation);
    EXPECT_EQ(result.evaluation->encoder, "untrained");
    // The same seed's initialised encoder, through `somnus eval --untrained`, reads out identically.
    EvaluationReport direct = Runner(parse_spec(doc)).evaluate("");
    EXPECT_EQ(direct.readout->seeds[0].test_accuracy, result.evaluation->readout->seeds[0].test_accuracy);
}

TEST_F(Run, ReplicateIsASweepOfSpecsTimesSeedsWithTheTableOfMeanAndSem) {
    auto dir = test::temp_dir("run_replicate");
    Json doc = test::tiny_spec(data_dir(), dir / "ignored.h5");
    doc["schedule"]["epochs"] = 1;
    doc["record"]["activity"]["enabled"] = false;
    auto spec = test::write_spec(dir / "tiny.json", doc);
    const std::string out = (dir / "reps").string();
    auto r = test::somnus("replicate " + spec.string() + " --seeds 2 --jobs 2 --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("[2/2] finished"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("| tiny       | 2    |"), std::string::npos) << r.output;
    ASSERT_TRUE(fs::exists(dir / "reps" / "tiny" / "seed_1.h5"));
    ASSERT_TRUE(fs::exists(dir / "reps" / "tiny" / "seed_1.txt"));

    // The CSV: one row per experiment, mean and SEM over the two seeds.
    auto py =
        test::run_command(test::python() +
                          " -c \"import csv,sys,h5py,numpy as np; rows=list(csv.DictReader(open(sys.argv[1]))); "
                          "assert len(rows)==1 and rows[0]['runs']=='2' and rows[0]['seeds']=='0 1', rows; "
                          "acc=[100*np.mean(h5py.File(sys.argv[2]+'/tiny/seed_%d.h5'%s)['eval/linear_readout/"
                          "last_epoch_accuracy'][:]) for s in (0,1)]; "
                          "assert abs(float(rows[0]['readout_last_epoch_mean'])-np.mean(acc))<1e-6; "
                          "assert abs(float(rows[0]['readout_last_epoch_sem'])-np.std(acc,ddof=1)/np.sqrt(2))<1e-6; "
                          "print('csv ok')\" " +
                          out + "/summary.csv " + out);
    EXPECT_NE(py.output.find("csv ok"), std::string::npos) << py.output;

    // Finished runs are kept; a bad seed list is a usage error.
    auto again = test::somnus("replicate " + spec.string() + " --seeds 2 --out " + out);
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("replicate: 1 condition x 2 seeds = 2 runs; logs in " + out), std::string::npos)
        << again.output;
    EXPECT_NE(again.output.find("2 finished earlier (kept), 0 interrupted (resume from their checkpoints), 0 to run"),
              std::string::npos)
        << again.output;
    EXPECT_EQ(again.output.find("started"), std::string::npos) << again.output;
    auto bad = test::somnus("replicate " + spec.string() + " --seeds 3-1 --out " + out);
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.output.find("empty seed range \"3-1\""), std::string::npos) << bad.output;

    auto table = test::somnus("table " + out + " --md " + (dir / "t.md").string());
    EXPECT_EQ(table.exit_code, 0) << table.output;
    EXPECT_NE(table.output.find("readout %"), std::string::npos) << table.output;
    EXPECT_TRUE(fs::exists(dir / "t.md"));
    auto none = test::somnus("table " + (dir / "tiny.json").string());
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_NE(none.output.find("tiny.json: not an HDF5 file"), std::string::npos) << none.output;
}

TEST_F(Run, TrainsOnThreeChannelCifarBatches) {
    auto dir = test::temp_dir("run_cifar");
    std::vector<std::uint8_t> bytes;
    std::uint32_t state = 7;
    for (int i = 0; i < 96; ++i) {
        bytes.push_back(static_cast<std::uint8_t>(i % 10));
        for (int p = 0; p < 3 * 1024; ++p) {
            state = state * 1664525u + 1013904223u;
            bytes.push_back(static_cast<std::uint8_t>(p / 96 == i % 10 ? 230 : (state >> 26)));
        }
    }
    for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                             "data_batch_5.bin", "test_batch.bin"})
        test::write_file(dir / name, bytes, false);
    Json doc = test::tiny_spec(dir, dir / "c.h5");
    doc["data"]["dataset"] = "cifar10";
    doc["schedule"]["epochs"] = 1;
    Runner runner(parse_spec(doc));
    Hdf5Recorder recorder((dir / "c.h5").string());
    runner.attach(recorder);
    RunResult result = runner.run();
    ASSERT_EQ(result.status.text(), "finished");
    EXPECT_EQ(result.evaluation->readout->train_images, 480);  // 5 batches of 96
    auto py = test::run_command(test::python() +
                                " -c \"import h5py,sys; f=h5py.File(sys.argv[1]); "
                                "assert f['dreams/rem/dream'].shape[2:]==(3,32,32); "
                                "assert f['dreams/wake/reconstruction'].shape[2:]==(3,32,32); print('rgb ok')\" " +
                                (dir / "c.h5").string());
    EXPECT_NE(py.output.find("rgb ok"), std::string::npos) << py.output;
}
