// `somnus inspect`: a summary of a run's HDF5 log, without LibTorch.
#pragma once

#include <string>

namespace somnus {

// The run's attributes, then the tree of groups and datasets with their shapes,
// types and descriptions; with `spec`, the spec the run used.
// Throws InputError naming the file when it is not a readable HDF5 file.
std::string inspect_log(const std::string& path, bool spec = false);

}  // namespace somnus
