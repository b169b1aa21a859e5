#include "sim/run/run_status.hpp"

#include <iterator>

namespace somnus {

namespace {

constexpr const char* kWords[] = {"starting", "running", "finished", "interrupted", "diverged", "failed"};

}  // namespace

const char* RunStatus::word() const { return kWords[kind]; }

std::string RunStatus::text() const {
    return detail.empty() ? std::string(word()) : std::string(word()) + ": " + detail;
}

RunStatus RunStatus::parse(const std::string& text) {
    const std::size_t colon = text.find(": ");
    const std::string word = text.substr(0, colon);
    for (std::size_t k = 0; k < std::size(kWords); ++k)
        if (word == kWords[k]) return {Kind(k), colon == std::string::npos ? "" : text.substr(colon + 2)};
    return {failed, "unknown status \"" + text + "\""};
}

}  // namespace somnus
