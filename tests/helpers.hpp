// Shared test fixtures: temporary folders, tiny IDX data sets in the real
// format, small specs, and running the somnus binary.
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sim/circuit/circuit.hpp"
#include "sim/results/log_reading.hpp"
#include "sim/spec/spec.hpp"

namespace somnus::test {

namespace fs = std::filesystem;

// The device of the device-capable tests: SOMNUS_TEST_DEVICE, "cpu" when unset.
// ctest runs them a second time on CUDA (label "device", names "cuda.*") where
// LibTorch was built with CUDA; tests/test_device.cpp skips them without a GPU.
inline std::string environment_or(const char* variable, const char* fallback) {
    const char* value = std::getenv(variable);
    return value && *value ? value : fallback;
}

inline torch::Device device() { return torch::Device(environment_or("SOMNUS_TEST_DEVICE", "cpu")); }

// A fresh folder under the build tree, named after the test.
inline fs::path temp_dir(const std::string& name) {
    fs::path dir = fs::path(SOMNUS_TEST_TMP) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

inline std::vector<std::uint8_t> idx_bytes(const std::vector<std::int32_t>& dims,
                                           const std::vector<std::uint8_t>& values) {
    std::vector<std::uint8_t> out{0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
    for (std::int32_t d : dims)
        for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<std::uint8_t>((d >> shift) & 0xff));
    out.insert(out.end(), values.begin(), values.end());
    return out;
}

inline void write_file(const fs::path& path, const std::vector<std::uint8_t>& bytes, bool gzip) {
    if (gzip) {
        gzFile f = gzopen(path.c_str(), "wb");
        gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
        gzclose(f);
    } else {
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    }
}

// A Fashion-MNIST look-alike: class c is a bright horizontal bar at row 2c+4 on
// a noisy background, so a linear readout can learn it. Training files are
// gzip-compressed, test files plain (both forms occur in the wild).
inline void write_fake_fashion(const fs::path& dir, int n_train, int n_test) {
    std::uint32_t state = 12345;
    auto rand8 = [&] {
        state = state * 1664525u + 1013904223u;
        return static_cast<std::uint8_t>((state >> 24) & 0x3f);
    };
    for (bool train : {true, false}) {
        int n = train ? n_train : n_test;
        std::vector<std::uint8_t> images, labels;
        for (int i = 0; i < n; ++i) {
            int label = i % 10;
            labels.push_back(static_cast<std::uint8_t>(label));
            for (int r = 0; r < 28; ++r)
                for (int c = 0; c < 28; ++c) images.push_back(r == 2 * label + 4 || r == 2 * label + 5 ? 230 : rand8());
        }
        std::string prefix = train ? "train" : "t10k";
        write_file(dir / (prefix + "-images-idx3-ubyte" + (train ? ".gz" : "")), idx_bytes({n, 28, 28}, images), train);
        write_file(dir / (prefix + "-labels-idx1-ubyte" + (train ? ".gz" : "")), idx_bytes({n}, labels), train);
    }
}

// A fake Fashion-MNIST folder for a test suite, written once per process (ctest
// runs tests in parallel processes: the pid in the name keeps them apart).
inline fs::path fake_fashion_dir(const std::string& suite, int n_train, int n_test) {
    static std::map<std::string, fs::path> made;
    auto [it, fresh] = made.emplace(suite, fs::path());
    if (fresh) {
        it->second = temp_dir(suite + "_data_" + std::to_string(getpid()));
        write_fake_fashion(it->second, n_train, n_test);
    }
    return it->second;
}

// A whole text file ("" when it cannot be read).
inline std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A root attribute and a series of a log.
inline std::string log_attribute(const fs::path& log, const char* name) {
    const Hdf5Handle file = open_for_reading(log.string());
    return read_attribute(file, name);
}

inline std::vector<double> log_series(const fs::path& log, const std::string& path) {
    const Hdf5Handle file = open_for_reading(log.string());
    return read_doubles(file, path);
}

// A small but complete PAD spec over the fake data in `data_dir`.
inline Json tiny_spec(const fs::path& data_dir, const fs::path& log) {
    Json spec = Json::parse(R"({
      "name": "tiny", "seed": 3, "threads": 2,
      "data": {"train_subset": 96},
      "schedule": {"epochs": 2, "batch_size": 16},
      "record": {"progress_every": 2},
      "eval": {"linear_readout": {"epochs": 2, "batch_size": 16, "seeds": [0, 1]},
               "latent_geometry": {"intra_pairs": 20, "inter_pairs": 200, "occluded_pairs": 64}}
    })");
    spec["device"] = device().str();
    if (device().is_cuda()) spec["deterministic"] = true;  // the tests compare runs bitwise
    spec["data"]["path"] = data_dir.string();
    spec["record"]["path"] = log.string();
    return spec;
}

// What parse_spec says of a document: its SpecError's text, or "no error".
inline std::string spec_error_text(const Json& document) {
    try {
        parse_spec(document);
    } catch (const SpecError& e) {
        return e.what();
    }
    return "no error";
}

inline fs::path write_spec(const fs::path& path, const Json& spec) {
    std::ofstream(path) << spec.dump(2);
    return path;
}

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
    CommandResult result;
    std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    std::array<char, 4096> buffer{};
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) result.output.append(buffer.data(), n);
    int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline CommandResult somnus(const std::string& arguments) {
    return run_command(std::string(SOMNUS_BINARY) + " " + arguments);
}

// The Python that reads logs back (h5py, numpy): Debian's, unless SOMNUS_TEST_PYTHON
// names another (scripts/device-check.sh: the GPU machine's, which has h5py).
inline std::string python() { return environment_or("SOMNUS_TEST_PYTHON", "/usr/bin/python3"); }

inline std::string source_path(const std::string& relative) { return std::string(SOMNUS_SOURCE_DIR) + "/" + relative; }

}  // namespace somnus::test
