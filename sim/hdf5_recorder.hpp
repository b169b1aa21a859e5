// The HDF5 log of a run (layout in the README, "The HDF5 log").
//
// Samples are buffered in memory and appended to chunked, compressed datasets
// at the end of every epoch, followed by a flush: a run that is interrupted or
// killed keeps every finished epoch.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/observer.hpp"

namespace somnus {

class Hdf5Recorder : public Observer {
public:
    // Creates (truncates) the file at once, so an unwritable path fails before any work.
    explicit Hdf5Recorder(const std::string& path);
    ~Hdf5Recorder() override;

    void run_started(const RunInfo& info) override;
    void step_done(const StepEvent& event) override;
    void epoch_done(const EpochEvent& event) override;
    void readout_done(const ReadoutReport& report) override;
    void run_ended(const std::string& status, double wall_seconds) override;

    const std::string& path() const { return path_; }

private:
    struct File;
    void flush();

    std::string path_;
    std::unique_ptr<File> file_;
    // dataset path -> samples not yet written (int64 series are stored as such)
    std::map<std::string, std::vector<double>> pending_;
    std::map<std::string, std::vector<long long>> pending_int_;
};

}  // namespace somnus
