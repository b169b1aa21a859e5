// IDX files (the MNIST family's format), plain or gzip-compressed.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/base/errors.hpp"

namespace somnus {

// A data file problem, naming the file and, where it applies, the byte offset
// (in the decompressed stream for .gz files).
class DataError : public InputError {
public:
    using InputError::InputError;
};

struct IdxArray {
    std::vector<std::int64_t> dims;  // e.g. {60000, 28, 28}
    std::vector<std::uint8_t> values;
};

// Reads an unsigned-byte IDX file (magic 0x00000801 .. 0x00000803 and above).
IdxArray read_idx(const std::string& path);
// Its header only: the dimensions, e.g. {60000, 28, 28}.
std::vector<std::int64_t> read_idx_dims(const std::string& path);

// `base` if it exists, else `base + ".gz"`; DataError naming both otherwise.
std::string find_data_file(const std::string& directory, const std::string& base, const std::string& hint);

}  // namespace somnus
