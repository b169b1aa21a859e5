// The one-of-each pieces every layer shares: errors and their exit codes, the
// atomic file writer, the HDF5 handle, the run status and its status file.
#include <sys/stat.h>

#include <fstream>

#include <gtest/gtest.h>

#include "data/idx.hpp"
#include "helpers.hpp"
#include "sim/base/errors.hpp"
#include "sim/base/files.hpp"
#include "sim/base/hdf5.hpp"
#include "sim/base/writer_lock.hpp"
#include "sim/batch/pool.hpp"
#include "sim/record/status_file.hpp"
#include "sim/run/runner.hpp"

namespace fs = std::filesystem;
using namespace somnus;

TEST(Errors, EachKindMapsToItsExitCode) {
    EXPECT_EQ(exit_code(SpecError("/schedule/epochs", "expected an integer")), 2);
    EXPECT_EQ(exit_code(UsageError("somnus run: give a spec, or --resume LOG")), 2);
    EXPECT_EQ(exit_code(DataError("train.gz: truncated file")), 1);
    EXPECT_EQ(exit_code(InputError("log.h5: not an HDF5 file")), 1);
    EXPECT_EQ(exit_code(OutputError("runs/x.h5: cannot write")), 1);
    EXPECT_EQ(exit_code(Diverged("diverged in state rem")), 1);
    EXPECT_EQ(exit_code(std::runtime_error("anything else")), 1);
    // The spec error's text names the pointer.
    EXPECT_STREQ(SpecError("/schedule/epochs", "expected an integer").what(),
                 "spec error at /schedule/epochs: expected an integer");
}

// One writer per log: a second lock on the same path names the holder; the lock
// file goes with the holder, and the next run takes it.
TEST(Files, ASecondWriterOfALogIsToldWhichProcessHoldsIt) {
    const auto dir = test::temp_dir("writer_lock");
    const std::string log = (dir / "run.h5").string();
    {
        const WriterLock first(log);
        ASSERT_TRUE(first.held());
        EXPECT_TRUE(std::filesystem::exists(log + ".lock"));
        try {
            WriterLock second(log);
            FAIL() << "a second writer took the lock";
        } catch (const OutputError& e) {
            EXPECT_EQ(std::string(e.what()), log + ": another run (process " + std::to_string(getpid()) +
                                                 ") is writing this log; wait for it to end, or give --out to write "
                                                 "elsewhere");
        }
    }
    EXPECT_FALSE(std::filesystem::exists(log + ".lock"));
    const WriterLock next(log);
    EXPECT_TRUE(next.held());
}

TEST(Files, AWholeFileReplacesTheOldOneAndAFailedWriteKeepsIt) {
    const fs::path dir = test::temp_dir("atomic_files");
    const fs::path path = dir / "deep" / "table.md";
    write_file_atomically(path, "first\n");
    EXPECT_EQ(test::read_file(path), "first\n");  // the folder was created
    write_text_file(path, "second\n");
    EXPECT_EQ(test::read_file(path), "second\n");
    EXPECT_FALSE(fs::exists(path.string() + ".partial"));
    // A path under a regular file cannot be written: the error names it and why.
    const fs::path blocked = dir / "deep" / "table.md" / "x.csv";
    try {
        write_file_atomically(blocked, "x");
        FAIL() << "no error";
    } catch (const OutputError& e) {
        EXPECT_EQ(std::string(e.what()), blocked.string() + ": cannot write (cannot create the folder " +
                                             path.string() + ": Not a directory); the previous file there is kept");
    }
    EXPECT_EQ(test::read_file(path), "second\n");
}

TEST(Hdf5Handle, ClosesWhatItOwnsOnceAndReportsTheClose) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const fs::path path = test::temp_dir("hdf5_handle") / "f.h5";
    const ssize_t open_before = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE);
    {
        Hdf5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
        ASSERT_TRUE(file.valid());
        EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE), open_before + 1);
        Hdf5Handle moved = std::move(file);
        EXPECT_FALSE(file.valid());
        EXPECT_GE(moved.close(), 0);
        EXPECT_FALSE(moved.valid());
        EXPECT_EQ(moved.close(), 0);  // closing twice does nothing
    }
    EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE), open_before);
    Hdf5Handle failed(H5Fopen((path.string() + ".missing").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    EXPECT_FALSE(failed.valid());
}

TEST(RunStatus, TextAndParseRoundTripForEveryKind) {
    for (const RunStatus& s :
         {RunStatus{RunStatus::starting}, RunStatus{RunStatus::running}, RunStatus{RunStatus::finished},
          RunStatus{RunStatus::interrupted}, RunStatus{RunStatus::diverged, "in state rem at epoch 0"},
          RunStatus{RunStatus::failed, "runs/x.h5: the disk is full"}}) {
        const RunStatus back = RunStatus::parse(s.text());
        EXPECT_EQ(back.kind, s.kind) << s.text();
        EXPECT_EQ(back.detail, s.detail) << s.text();
    }
    EXPECT_EQ(RunStatus(RunStatus::diverged, "in state rem").text(), "diverged: in state rem");
    EXPECT_EQ(RunStatus::parse("finished").word(), std::string("finished"));
    const RunStatus unknown = RunStatus::parse("sleeping");
    EXPECT_EQ(unknown.kind, RunStatus::failed);
    EXPECT_EQ(unknown.detail, "unknown status \"sleeping\"");
}

TEST(StatusFile, ReadsBackWhatItWroteAndThePoolShowsIt) {
    const fs::path log = test::temp_dir("status_file") / "pad.h5";
    EXPECT_EQ(status_path_for(log.string()), (log.parent_path() / "pad.status.json").string());
    EXPECT_FALSE(read_status_file(status_path_for(log.string())));
    EXPECT_EQ(running_state(std::nullopt), "starting");
    RunProgress p;
    p.status = {RunStatus::running};
    p.epoch = 2;
    p.epochs = 5;
    p.iteration = 40;
    p.iterations = 156;
    p.images_per_second = 512.5;
    p.eta_seconds = 80.25;
    p.pid = 4242;
    write_text_file(status_path_for(log.string()), status_json(p));
    auto back = read_status_file(status_path_for(log.string()));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->status.kind, RunStatus::running);
    EXPECT_EQ(back->epoch, 2);
    EXPECT_EQ(back->iterations, 156);
    EXPECT_DOUBLE_EQ(back->images_per_second, 512.5);
    EXPECT_DOUBLE_EQ(back->eta_seconds, 80.25);
    EXPECT_EQ(back->pid, 4242);
    EXPECT_EQ(running_state(back), "epoch 2/5");
    back->evaluating = true;
    EXPECT_EQ(running_state(back), "epoch 2/5 done, evaluating");
    // Half a file (or anything else) is no status.
    std::ofstream(status_path_for(log.string())) << "{\"status\": \"runn";
    EXPECT_FALSE(read_status_file(status_path_for(log.string())));
}
