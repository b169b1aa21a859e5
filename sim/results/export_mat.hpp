// `somnus export`: a run's HDF5 log as a MATLAB .mat file (v5, compressed), for
// Octave (which has no h5read) and for MATLAB users who prefer load().
#pragma once

#include <string>

namespace somnus {

// Writes the whole log as one struct variable `somnus_log`: groups become
// structs, datasets arrays with the shapes MATLAB's h5read gives (dimensions
// reversed), attributes a field `attributes` of their group. Returns the
// number of datasets written; throws InputError or OutputError naming the file.
std::size_t export_mat(const std::string& h5_path, const std::string& mat_path);

}  // namespace somnus
