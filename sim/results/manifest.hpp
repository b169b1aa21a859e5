// The index of a folder of runs, OUT/sweep.json: each run's condition, seed,
// varied parameters, spec and log. A batch writes it (sim/batch/sweep.hpp);
// `somnus summarize` reads it to add the parameters as table columns.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace somnus {

// A manifest's runs read back (what `somnus summarize` uses to add parameter columns).
struct ManifestRun {
    std::string condition, log;
    std::int64_t seed = 0;
    std::vector<std::pair<std::string, std::string>> parameters;
};
std::vector<ManifestRun> read_manifest(const std::string& path);

}  // namespace somnus
