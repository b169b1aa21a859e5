// Runs a spec with its HDF5 log, as `somnus run` does: the log is closed when it returns.
#pragma once

#include "sim/record/hdf5_recorder.hpp"
#include "sim/run/runner.hpp"

namespace somnus::test {

inline RunResult run_logged(const ExperimentSpec& spec) {
    Runner runner(spec);
    Hdf5Recorder recorder(spec.record.path);
    runner.attach(recorder);
    return runner.run();
}

}  // namespace somnus::test
