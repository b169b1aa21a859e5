#include "sim/results/manifest.hpp"

#include <fstream>
#include <stdexcept>

#include "sim/spec/reader.hpp"

namespace somnus {

std::vector<ManifestRun> read_manifest(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error(path + ": cannot open");
    Json manifest;
    try {
        manifest = Json::parse(file);
    } catch (const Json::exception& e) {
        throw std::runtime_error(path + ": not a sweep manifest (" + e.what() + ")");
    }
    std::vector<ManifestRun> runs;
    try {
        for (const auto& entry : manifest.at("runs")) {
            ManifestRun run{entry.at("condition").get<std::string>(),
                            entry.at("log").get<std::string>(),
                            entry.at("seed").get<std::int64_t>(),
                            {}};
            for (const auto& label : manifest.at("parameters"))
                run.parameters.emplace_back(label.get<std::string>(),
                                            entry.at("parameters").at(label.get<std::string>()).get<std::string>());
            runs.push_back(std::move(run));
        }
    } catch (const Json::exception& e) {
        throw std::runtime_error(path + ": not a sweep manifest (" + e.what() + ")");
    }
    return runs;
}

}  // namespace somnus
