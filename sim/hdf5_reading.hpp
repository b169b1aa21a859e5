// Reading a run log with the HDF5 C API, shared by `somnus inspect` and `somnus export`.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

namespace somnus {

// Opens an HDF5 file read-only; throws std::runtime_error naming the file when
// it is missing, not HDF5, or cannot be opened. The caller closes it (H5Fclose).
hid_t open_for_reading(const std::string& path);

// The values of a variable-length string attribute (one for a scalar).
std::vector<std::string> read_strings(hid_t attr, hid_t type, hid_t space);

}  // namespace somnus
