// Reading a run log with the HDF5 C API, shared by `somnus inspect`, `export` and `table`.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

#include "sim/base/hdf5.hpp"
#include "sim/run/run_status.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

// Opens an HDF5 file read-only; throws InputError naming the file when
// it is missing, not HDF5, or cannot be opened. Closed when the handle goes.
Hdf5Handle open_for_reading(const std::string& path);

// The values of a variable-length string attribute (one for a scalar).
std::vector<std::string> read_strings(hid_t attr, hid_t type, hid_t space);

// An attribute as text: strings as they are, numbers printed; "" when absent.
std::string read_attribute(hid_t object, const char* name);

// A numeric scalar attribute of the object at `path` (e.g. "/eval/latent_geometry"), or NaN.
double read_number_attribute(hid_t file, const std::string& path, const char* name);

// The names of the links in the group at `path`, in name order; none when there is no such group.
std::vector<std::string> group_children(hid_t file, const std::string& path);

// A numeric dataset's values as doubles, row-major; empty when there is no such dataset.
std::vector<double> read_doubles(hid_t file, const std::string& path);

// What a log says of its run, for resuming or continuing it.
struct RecordedRun {
    RunStatus status;  // its "status" attribute
    Json spec;         // its "spec" attribute (the resolved spec); null when absent
};
// Throws InputError naming the file when it cannot be opened as HDF5 or its spec is not JSON.
RecordedRun read_recorded_run(const std::string& log);

// What a log already on disk means for a run about to write it.
struct PreviousRun {
    enum Kind { none, finished, resumable, unfinished } kind = none;
    RunStatus status;        // the log's status attribute
    std::string difference;  // the first way the log's spec differs from this run's, "" if none
};

// Compares the log's recorded spec, resolved (a log of an older version may record
// it unresolved), with the resolved `spec_source` (ExperimentSpec::source),
// ignoring threads and device. A log that cannot be read counts as unfinished.
PreviousRun previous_run(const std::string& log, const Json& spec_source);

}  // namespace somnus
