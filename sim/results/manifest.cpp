#include "sim/results/manifest.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sim/base/errors.hpp"
#include "sim/spec/reader.hpp"

namespace somnus {

std::vector<ManifestRun> read_manifest(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw InputError(path + ": cannot open it (" + std::strerror(errno) + ")");
    Json manifest;
    try {
        manifest = Json::parse(file);
    } catch (const Json::parse_error& e) {
        throw InputError(path + ": not a sweep manifest: not JSON (at byte " + std::to_string(e.byte) + ")");
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
    } catch (const Json::exception&) {
        throw InputError(path + ": not a sweep manifest (it has no \"runs\" list whose entries give condition, log, "
                         "seed and the \"parameters\" it names)");
    }
    return runs;
}

}  // namespace somnus
